/* input_id.c - see input_id.h. */
#include "input_id.h"

#include <string.h>

void input_id_take(const char *path, struct input_id *id)
{
    struct stat st;
    *id = (struct input_id){0};
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return;
    *id = (struct input_id){.regular = true,
                            .dev = st.st_dev,
                            .ino = st.st_ino,
                            .size = st.st_size,
                            .mtime = st.st_mtim,
                            .ctime = st.st_ctim};
}

static bool same_time(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

int input_id_check(const char *path, const struct input_id *before, struct error *err)
{
    if (!before->regular)
        return 0;
    struct input_id now;
    input_id_take(path, &now);
    const char *what = NULL;
    if (!now.regular || now.dev != before->dev || now.ino != before->ino)
        what = "was replaced or removed";
    else if (now.size != before->size)
        what = now.size < before->size ? "shrank" : "grew";
    else if (!same_time(now.mtime, before->mtime))
        what = "was modified";
    else if (!same_time(now.ctime, before->ctime))
        what = "was modified (or its owner or permissions changed) with its modification time "
               "set back";
    if (what == NULL)
        return 0;
    return error_set(err,
                     "%s: the file %s while it was being read (%lld bytes at the start, %lld "
                     "at the end): its results are discarded",
                     path, what, (long long)before->size, (long long)now.size);
}
