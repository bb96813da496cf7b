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
#include <time.h>
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

/* Is name sharebench-check-PID-XXXXXX, the directory of a `sharebench check`? Its PID to
 * *owner. */
static bool is_check_dir(const char *name, pid_t *owner)
{
    static const char prefix[] = PREFIX "check-";
    unsigned long pid;
    const char *p;
    if (strncmp(name, prefix, strlen(prefix)) != 0 ||
        !parse_digits(name + strlen(prefix), &pid, &p) || pid == 0 || pid > INT_MAX || *p != '-' ||
        strlen(p + 1) != 6)
        return false;
    *owner = (pid_t)pid;
    return true;
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

/* When process pid started, in seconds since the epoch (whole seconds), or -1 if unknown. */
static long long process_start(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the name before it may hold spaces */
    unsigned long long ticks = 0;
    for (int field = 2; p && field < 22; field++) /* starttime is field 22 */
        p = strchr(p + 1, ' ');
    if (p == NULL || sscanf(p + 1, "%llu", &ticks) != 1)
        return -1;
    f = fopen("/proc/stat", "re");
    long long boot = -1;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "btime %lld", &boot) == 1)
            break;
    if (f)
        fclose(f);
    long hz = sysconf(_SC_CLK_TCK);
    return boot < 0 || hz <= 0 ? -1 : boot + (long long)(ticks / (unsigned long long)hz);
}

/* Does the process named in a file (last written at written) still run? This process's own
 * files are always locked by it, so a file with our PID and no lock is a dead namesake's,
 * left before the PID was reused: not running, for the purpose of the sweep. Nor is a
 * process that started after the file was last written (1 s of rounding allowed). */
static bool owner_running(pid_t owner, time_t written)
{
    if (owner == getpid())
        return false;
    if (kill(owner, 0) != 0 && errno != EPERM)
        return false;
    long long started = process_start(owner);
    return started < 0 || started <= (long long)written + 1;
}

#define LOCK_GRACE_SECONDS 10 /* an image is locked the instant after it is created */

/* Whether the owner of an unlocked image (sharebench-PID-N.img) may still be about to lock
 * it: its PID runs and the file is newer than LOCK_GRACE_SECONDS. An older unlocked image of
 * a running PID is a namesake's leftover (PID 1's, say, which would otherwise stay forever). */
static bool image_owner_running(pid_t owner, time_t written)
{
    return owner_running(owner, written) && time(NULL) - written < LOCK_GRACE_SECONDS;
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
    f->uid = (unsigned)st.st_uid;
    if (st.st_uid != geteuid()) {
        f->foreign = true;
    } else if (image_owner_running(f->owner, st.st_mtime)) {
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

/* A check's directory (is_check_dir), name in dir: removed with the files in it (what its
 * runs wrote; nothing deeper) if it is ours and its process no longer runs. */
static bool sweep_check_dir(int dirfd, const char *name, struct scratch_file *f)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
        return false;
    f->uid = (unsigned)st.st_uid;
    if (st.st_uid != geteuid()) {
        f->foreign = true;
        return true;
    }
    if (owner_running(f->owner, st.st_mtime))
        return true;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (d == NULL) {
        f->errnum = errno;
        if (fd >= 0)
            close(fd);
        return true;
    }
    struct dirent *e;
    struct stat inner;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (fstatat(fd, e->d_name, &inner, AT_SYMLINK_NOFOLLOW) == 0)
            f->bytes += (uint64_t)inner.st_size;
        if (unlinkat(fd, e->d_name, 0) != 0 && errno != ENOENT)
            f->errnum = errno;
    }
    closedir(d);
    if (f->errnum == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) != 0)
        f->errnum = errno;
    f->removed = f->errnum == 0;
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
        bool check_dir = is_check_dir(e->d_name, &f.owner);
        if ((!check_dir && !is_ours(e->d_name, &f.owner)) || (only_owner && f.owner != only_owner))
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        f.path = path;
        if (check_dir ? !sweep_check_dir(dirfd(d), e->d_name, &f)
                      : !sweep_one(dirfd(d), e->d_name, &f))
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
