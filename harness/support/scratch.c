/* scratch.c - see scratch.h. */
#define _GNU_SOURCE /* O_CLOEXEC, O_NOFOLLOW, flock, openat, unlinkat */
#include "scratch.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define PREFIX "sharebench-"

const char *scratch_dir(const char *dir)
{
    if (dir)
        return dir;
    const char *tmp = getenv("TMPDIR");
    return tmp && *tmp ? tmp : "/tmp";
}

int scratch_image_path(char *out, size_t cap, const char *dir, unsigned n)
{
    int len = snprintf(out, cap, "%s/" PREFIX "%d-%u.img", dir, (int)getpid(), n);
    return len < 0 || (size_t)len >= cap ? -1 : 0;
}

int scratch_claim(int fd, const char *path, struct error *err)
{
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR)
            return error_errno(err, "%s: cannot lock it as in use", path);
    return 0;
}

/* A decimal number starting at s, at least one digit; *end after it. */
static bool parse_digits(const char *s, unsigned long *value, const char **end)
{
    if (!isdigit((unsigned char)*s))
        return false;
    char *e;
    errno = 0;
    *value = strtoul(s, &e, 10);
    *end = e;
    return errno == 0;
}

/* Is name sharebench-PID-N.img or sharebench-PID-N.img.tmp (or the Python memmap idiom's
 * sharebench-py-PID-N.img and .img.tmp)? Its PID to *owner. */
static bool is_ours(const char *name, pid_t *owner)
{
    unsigned long pid, n;
    const char *p;
    if (strncmp(name, PREFIX, strlen(PREFIX)) != 0)
        return false;
    name += strlen(PREFIX);
    if (strncmp(name, "py-", 3) == 0)
        name += 3;
    if (!parse_digits(name, &pid, &p) || pid == 0 || pid > INT_MAX || *p != '-' ||
        !parse_digits(p + 1, &n, &p))
        return false;
    *owner = (pid_t)pid;
    return strcmp(p, ".img") == 0 || strcmp(p, ".img.tmp") == 0;
}

/* Does the process named in a file still run? This process's own files are always locked
 * by it, so a file with our PID and no lock is a dead namesake's, left before the PID was
 * reused: not running, for the purpose of the sweep. */
static bool owner_running(pid_t owner)
{
    if (owner == getpid())
        return false;
    return kill(owner, 0) == 0 || errno == EPERM;
}

/* Remove dir's entry name if it still is the file fd has open (someone may have replaced it
 * since it was opened). */
static int unlink_same(int dirfd, const char *name, const struct stat *opened)
{
    struct stat now;
    if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    if (now.st_dev != opened->st_dev || now.st_ino != opened->st_ino) {
        errno = EBUSY;
        return -1;
    }
    return unlinkat(dirfd, name, 0);
}

/* Look at one file of ours; remove it if stale. Returns false if it is not a regular file
 * (nothing of ours) or has gone already. */
static bool sweep_one(int dirfd, const char *name, struct scratch_file *f)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        f->errnum = errno;
        return errno != ENOENT && errno != ELOOP;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return false;
    }
    f->bytes = (uint64_t)st.st_size;
    if (owner_running(f->owner)) {
        /* in use */
    } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        f->errnum = errno == EWOULDBLOCK ? 0 : errno;
    } else if (unlink_same(dirfd, name, &st) != 0) {
        f->errnum = errno;
    } else {
        f->removed = true;
    }
    close(fd); /* drops the lock, if taken */
    return true;
}

/* scratch_sweep over the files of only_owner, or of every owner (0). */
static int sweep(const char *dir, pid_t only_owner,
                 void (*report)(void *arg, const struct scratch_file *f), void *arg,
                 struct error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return error_errno(err, "%s: cannot read the directory", dir);
    int removed = 0;
    struct dirent *e;
    while ((errno = 0, e = readdir(d)) != NULL) {
        struct scratch_file f = {0};
        if (!is_ours(e->d_name, &f.owner) || (only_owner && f.owner != only_owner))
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        f.path = path;
        if (!sweep_one(dirfd(d), e->d_name, &f))
            continue;
        removed += f.removed;
        if (report)
            report(arg, &f);
    }
    int read_errno = errno;
    closedir(d);
    if (read_errno != 0) {
        errno = read_errno;
        return error_errno(err, "%s: cannot read the directory", dir);
    }
    return removed;
}

int scratch_sweep(const char *dir, void (*report)(void *arg, const struct scratch_file *f),
                  void *arg, struct error *err)
{
    return sweep(dir, 0, report, arg, err);
}

int scratch_sweep_owner(const char *dir, pid_t owner, struct error *err)
{
    return sweep(dir, owner, NULL, NULL, err);
}
