/* outfile.c - see outfile.h. */
#define _GNU_SOURCE /* O_TMPFILE, AT_EMPTY_PATH */
#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINKS_FOLLOWED_MAX 40 /* the kernel's own limit before ELOOP */
#define PARTIAL_SUFFIX     ".partial"

enum target_kind {
    TARGET_NEW,        /* nothing has the name yet */
    TARGET_REGULAR,    /* a regular file, replaced at commit */
    TARGET_DIRECT,     /* a device, FIFO or socket, written directly */
    TARGET_DESCRIPTOR, /* /proc/self/fd/N or /dev/fd/N, written through a duplicate of N */
    TARGET_DIRECTORY,
};

static char *concat(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = xmalloc(na + nb + 1);
    memcpy(s, a, na);
    memcpy(s + na, b, nb + 1);
    return s;
}

/* The length of path's directory part, its last slash included (0 for a bare name). */
static size_t dir_length(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) + 1 : 0;
}

static char *directory_of(const char *path)
{
    size_t n = dir_length(path);
    if (n == 0)
        return xstrdup(".");
    char *dir = xmalloc(n + 1);
    memcpy(dir, path, n);
    dir[n] = '\0';
    return dir;
}

/* Where a temporary for dest is named: dest.tmpPID. */
static char *temporary_name(const char *dest)
{
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".tmp%ld", (long)getpid());
    return concat(dest, suffix);
}

/* The descriptor a path names itself (/dev/stdout leads to /proc/self/fd/1), or -1. */
static int descriptor_named(const char *path)
{
    static const char *const prefixes[] = {"/proc/self/fd/", "/dev/fd/"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        uint64_t fd;
        if (strncmp(path, prefixes[i], n) == 0 && parse_u64(path + n, &fd) == 0 && fd <= INT_MAX)
            return (int)fd;
    }
    return -1;
}

/* Follow the links from o->target, which becomes what they finally name, and say what that
 * is (st holds its lstat for a regular file). A dangling link names a file to create. */
static int follow_links(struct outfile *o, struct stat *st, enum target_kind *kind,
                        struct error *err)
{
    for (int i = 0; i < LINKS_FOLLOWED_MAX; i++) {
        if (descriptor_named(o->target) >= 0) {
            *kind = TARGET_DESCRIPTOR;
            return 0;
        }
        if (lstat(o->target, st) != 0) {
            *kind = TARGET_NEW;
            return errno == ENOENT ? 0 : error_errno(err, "%s: cannot create", o->name);
        }
        if (!S_ISLNK(st->st_mode)) {
            *kind = S_ISREG(st->st_mode)   ? TARGET_REGULAR
                    : S_ISDIR(st->st_mode) ? TARGET_DIRECTORY
                                           : TARGET_DIRECT;
            return 0;
        }
        char link[PATH_MAX];
        ssize_t n = readlink(o->target, link, sizeof link - 1);
        if (n < 0)
            return error_errno(err, "%s: cannot read the link %s", o->name, o->target);
        link[n] = '\0';
        size_t keep = link[0] == '/' ? 0 : dir_length(o->target); /* relative to the link */
        o->target[keep] = '\0';
        char *next = concat(o->target, link);
        free(o->target);
        o->target = next;
    }
    errno = ELOOP;
    return error_errno(err, "%s: cannot create", o->name);
}

/* The PID in name if name is base.tmpPID or base.partial.tmpPID, else 0. */
static pid_t temporary_owner(const char *name, const char *base)
{
    size_t n = strlen(base);
    if (strncmp(name, base, n) != 0)
        return 0;
    name += n;
    if (strncmp(name, PARTIAL_SUFFIX, strlen(PARTIAL_SUFFIX)) == 0)
        name += strlen(PARTIAL_SUFFIX);
    uint64_t pid;
    if (strncmp(name, ".tmp", 4) != 0 || parse_u64(name + 4, &pid) != 0 || pid == 0 ||
        pid > INT_MAX)
        return 0;
    return (pid_t)pid;
}

/* Remove what writers of target killed by SIGKILL or a crash left: their named temporaries,
 * once their PID no longer runs. Best effort: what cannot be removed stays as it was. */
static void remove_stale_temporaries(const char *target)
{
    char *dir = directory_of(target);
    DIR *d = opendir(dir);
    free(dir);
    if (d == NULL)
        return; /* creating the output will say why */
    const char *base = target + dir_length(target);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        pid_t pid = temporary_owner(e->d_name, base);
        if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* The named temporary, for filesystems without O_TMPFILE. A file of that name is a
 * leftover of a dead process that had our PID: it is overwritten. */
static int open_named_temporary(struct outfile *o)
{
    o->tmp_path = temporary_name(o->target);
    int fd = open(o->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0) {
        int saved = errno;
        free(o->tmp_path);
        o->tmp_path = NULL;
        errno = saved;
    }
    return fd;
}

/* Tests take the named-temporary path with SHAREBENCH_TEST_NO_TMPFILE set. */
static bool tmpfile_wanted(void)
{
    const char *v = getenv("SHAREBENCH_TEST_NO_TMPFILE");
    return v == NULL || *v == '\0';
}

static int open_replacement(struct outfile *o, const struct stat *old, struct error *err)
{
    remove_stale_temporaries(o->target);
    char *dir = directory_of(o->target);
    o->fd = tmpfile_wanted() ? open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666) : -1;
    int saved = errno;
    free(dir);
    errno = saved;
    if (o->fd < 0 && (!tmpfile_wanted() || errno == EOPNOTSUPP || errno == EISDIR))
        o->fd = open_named_temporary(o); /* EISDIR: a kernel older than O_TMPFILE */
    if (o->fd < 0)
        return error_errno(err, "%s: cannot create", o->name);
    /* A replaced file keeps its permissions, as if it had been rewritten in place. */
    if (old && fchmod(o->fd, old->st_mode & 0777) != 0)
        return error_errno(err, "%s: cannot set permissions", o->name);
    return 0;
}

static int open_direct(struct outfile *o, enum target_kind kind, struct error *err)
{
    o->fd = kind == TARGET_DESCRIPTOR ? fcntl(descriptor_named(o->target), F_DUPFD_CLOEXEC, 0)
                                      : open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    free(o->target);
    o->target = NULL;
    return o->fd < 0 ? error_errno(err, "%s: cannot open for writing", o->name) : 0;
}

int outfile_open(struct outfile *o, const char *path, struct error *err)
{
    *o = (struct outfile){.fd = -1, .name = xstrdup(path), .target = xstrdup(path)};
    struct stat st;
    enum target_kind kind;
    errno = ENOENT; /* for an empty path, which follow_links would take for a new file */
    int rc = *path ? follow_links(o, &st, &kind, err) : error_errno(err, "'': cannot create");
    if (rc == 0 && kind == TARGET_DIRECTORY)
        rc = error_set(err, "%s: cannot create: it is a directory", o->name);
    else if (rc == 0 && (kind == TARGET_DIRECT || kind == TARGET_DESCRIPTOR))
        rc = open_direct(o, kind, err);
    else if (rc == 0)
        rc = open_replacement(o, kind == TARGET_REGULAR ? &st : NULL, err);
    if (rc != 0)
        outfile_discard(o);
    return rc;
}

bool outfile_is_direct(const struct outfile *o)
{
    return o->target == NULL;
}

/* linkat through /proc/self/fd needs no privilege; AT_EMPTY_PATH, the way without /proc,
 * needs CAP_DAC_READ_SEARCH. */
static int link_descriptor(int fd, const char *path)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0)
        return 0;
    int saved = errno;
    if (saved != ENOENT || access("/proc/self/fd", F_OK) == 0) {
        errno = saved;
        return -1;
    }
    return linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH);
}

/* Give the unnamed file open on fd the name dest. linkat never replaces, so an existing
 * dest is replaced by linking under dest.tmpPID and renaming that over it. */
static int link_into_place(int fd, const char *dest, struct error *err)
{
    if (link_descriptor(fd, dest) == 0)
        return 0;
    if (errno != EEXIST)
        return error_errno(err, "%s: cannot create", dest);
    char *tmp = temporary_name(dest);
    int rc = 0;
    if (unlink(tmp) != 0 && errno != ENOENT) /* a dead namesake's leftover */
        rc = error_errno(err, "%s: cannot remove", tmp);
    if (rc == 0 && link_descriptor(fd, tmp) != 0)
        rc = error_errno(err, "%s: cannot create", tmp);
    if (rc == 0 && rename(tmp, dest) != 0) {
        rc = error_errno(err, "%s: cannot replace", dest);
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

static int place(struct outfile *o, const char *dest, struct error *err)
{
    if (o->tmp_path == NULL)
        return link_into_place(o->fd, dest, err);
    if (rename(o->tmp_path, dest) != 0)
        return error_errno(err, "%s: cannot rename %s to it", dest, o->tmp_path);
    free(o->tmp_path);
    o->tmp_path = NULL;
    return 0;
}

/* Place the output under the target's name plus suffix; placed receives where it is. */
static int commit_as(struct outfile *o, const char *suffix, char *placed, size_t cap,
                     struct error *err)
{
    char *dest = o->target ? concat(o->target, suffix) : xstrdup(o->name);
    int rc = o->target ? place(o, dest, err) : 0;
    int fd = o->fd;
    o->fd = -1;
    if (close(fd) != 0 && rc == 0)
        rc = error_errno(err, "%s: write failed", dest);
    if (rc == 0 && placed)
        snprintf(placed, cap, "%s", dest);
    free(dest);
    outfile_discard(o);
    return rc;
}

int outfile_commit(struct outfile *o, struct error *err)
{
    return commit_as(o, "", NULL, 0, err);
}

int outfile_keep_partial(struct outfile *o, char *placed, size_t cap, struct error *err)
{
    return commit_as(o, PARTIAL_SUFFIX, placed, cap, err);
}

void outfile_discard(struct outfile *o)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->tmp_path)
        unlink(o->tmp_path);
    free(o->tmp_path);
    free(o->target);
    free(o->name);
    o->tmp_path = o->target = o->name = NULL;
}
