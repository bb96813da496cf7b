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
#include <time.h>
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

/* Whether we may follow, open or replace what path names (st: its lstat), as a hostile
 * second user could have planted it. A link is followed only if we or root made it: another
 * user's link could name any file we may write. In a directory where anyone may create
 * files (sticky, like /tmp), an existing file is opened or replaced only if it is ours or
 * the directory owner's: the kernel's protected_symlinks, protected_regular and
 * protected_fifos rules, which are off on many machines and which root bypasses. A link
 * about to be replaced (replacing), not followed, is judged as a file. */
static int check_owner(const char *name, const char *path, const struct stat *st, bool replacing,
                       struct error *err)
{
    uid_t me = geteuid();
    if (S_ISLNK(st->st_mode) && !replacing) {
        if (st->st_uid == me || st->st_uid == 0)
            return 0;
        return error_set(err,
                         "%s: will not follow the symbolic link %s: it belongs to user %u, "
                         "not to this user or root",
                         name, path, (unsigned)st->st_uid);
    }
    char *dir = directory_of(path);
    struct stat d;
    int rc = stat(dir, &d);
    if (rc != 0)
        rc = error_errno(err, "%s: cannot create: %s", name, dir);
    else if ((d.st_mode & S_ISVTX) && st->st_uid != me && st->st_uid != d.st_uid)
        rc = error_set(err,
                       "%s: will not write over %s: it belongs to user %u in %s, a directory "
                       "shared with other users (sticky); remove it or choose another name",
                       name, path, (unsigned)st->st_uid, dir);
    free(dir);
    return rc;
}

/* The links among the directories leading to path (each prefix of it ending before a
 * slash) must pass check_owner too: a planted /tmp/d -> /root makes /tmp/d/x /root/x. */
static int check_directory_links(const char *name, const char *path, struct error *err)
{
    size_t n = dir_length(path);
    char *prefix = xmalloc(n + 1);
    int rc = 0;
    for (size_t i = 1; i < n && rc == 0; i++) {
        if (path[i] != '/')
            continue;
        memcpy(prefix, path, i);
        prefix[i] = '\0';
        struct stat st;
        if (lstat(prefix, &st) == 0 && S_ISLNK(st.st_mode))
            rc = check_owner(name, prefix, &st, false, err);
    }
    free(prefix);
    return rc;
}

int outfile_check_dir_links(const char *dir, struct error *err)
{
    char *inside = concat(dir, "/.");
    int rc = check_directory_links(dir, inside, err);
    free(inside);
    return rc;
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
        if (check_directory_links(o->name, o->target, err) != 0)
            return -1;
        if (lstat(o->target, st) != 0) {
            *kind = TARGET_NEW;
            return errno == ENOENT ? 0 : error_errno(err, "%s: cannot create", o->name);
        }
        if (check_owner(o->name, o->target, st, false, err) != 0)
            return -1;
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
        struct stat st;
        if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH &&
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid == geteuid())
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* Remove path if it is a file of ours (a leftover of a dead process that had our PID);
 * anything else of that name stays, and creating path then fails with EEXIST. */
static void remove_own_leftover(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && st.st_uid == geteuid() && !S_ISDIR(st.st_mode))
        unlink(path);
}

/* The named temporary, for filesystems without O_TMPFILE: created new (O_EXCL), never
 * opened through a link or over a file another user made in the meantime. */
static int open_named_temporary(struct outfile *o)
{
    o->tmp_path = temporary_name(o->target);
    remove_own_leftover(o->tmp_path);
    int fd = open(o->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
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
    /* A replaced file keeps its owner (where we may give it) and permissions, as if it had
     * been rewritten in place. */
    if (old && geteuid() == 0 && old->st_uid != 0 && fchown(o->fd, old->st_uid, old->st_gid) != 0)
        return error_errno(err, "%s: cannot keep its owner", o->name);
    if (old && fchmod(o->fd, old->st_mode & 0777) != 0)
        return error_errno(err, "%s: cannot set permissions", o->name);
    return 0;
}

#define FIFO_READER_WAIT_MS 10000 /* how long a FIFO output waits for a reader */

/* Open the device, FIFO or socket that follow_links found (st), checking that it is still
 * that file (nobody swapped it since) and not waiting forever for a FIFO's reader: opened
 * without blocking, retried for FIFO_READER_WAIT_MS while nobody reads it. */
static int open_named_direct(struct outfile *o, const struct stat *st, struct error *err)
{
    const int flags = O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
    int fd = open(o->target, flags);
    for (int waited = 0; fd < 0 && errno == ENXIO && waited < FIFO_READER_WAIT_MS; waited += 50) {
        nanosleep(&(struct timespec){.tv_nsec = 50 * 1000000L}, NULL);
        fd = open(o->target, flags);
    }
    if (fd < 0 && errno == ENXIO)
        return error_set(err, "%s: no process reads the FIFO (waited %d s)", o->name,
                         FIFO_READER_WAIT_MS / 1000);
    if (fd < 0)
        return error_errno(err, "%s: cannot open for writing", o->name);
    struct stat now;
    int flags_now = fcntl(fd, F_GETFL);
    if (fstat(fd, &now) != 0 || flags_now < 0 || fcntl(fd, F_SETFL, flags_now & ~O_NONBLOCK) != 0) {
        close(fd);
        return error_errno(err, "%s: cannot open for writing", o->name);
    }
    if (now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
        close(fd);
        return error_set(err, "%s: cannot open for writing: it was replaced while being opened",
                         o->name);
    }
    o->fd = fd;
    return 0;
}

static int open_direct(struct outfile *o, enum target_kind kind, const struct stat *st,
                       struct error *err)
{
    int rc = 0;
    if (kind == TARGET_DESCRIPTOR) {
        o->fd = fcntl(descriptor_named(o->target), F_DUPFD_CLOEXEC, 0);
        rc = o->fd < 0 ? error_errno(err, "%s: cannot open for writing", o->name) : 0;
    } else {
        rc = open_named_direct(o, st, err);
    }
    free(o->target);
    o->target = NULL;
    return rc;
}

/* Start o for path and find what it leads to (links followed, each checked): what both
 * outfile_open and outfile_check refuse before opening anything. */
static int resolve(struct outfile *o, const char *path, struct stat *st, enum target_kind *kind,
                   struct error *err)
{
    *o = (struct outfile){.fd = -1, .name = xstrdup(path), .target = xstrdup(path)};
    *kind = TARGET_NEW;
    errno = ENOENT; /* for an empty path, which follow_links would take for a new file */
    int rc = *path ? follow_links(o, st, kind, err) : error_errno(err, "'': cannot create");
    if (rc == 0 && *kind == TARGET_DIRECTORY)
        rc = error_set(err, "%s: cannot create: it is a directory", o->name);
    return rc;
}

int outfile_open(struct outfile *o, const char *path, struct error *err)
{
    struct stat st;
    enum target_kind kind;
    int rc = resolve(o, path, &st, &kind, err);
    if (rc == 0 && (kind == TARGET_DIRECT || kind == TARGET_DESCRIPTOR))
        rc = open_direct(o, kind, &st, err);
    else if (rc == 0)
        rc = open_replacement(o, kind == TARGET_REGULAR ? &st : NULL, err);
    if (rc != 0)
        outfile_discard(o);
    return rc;
}

int outfile_check(const char *path, struct error *err)
{
    struct outfile o;
    struct stat st;
    enum target_kind kind;
    int rc = resolve(&o, path, &st, &kind, err);
    outfile_discard(&o);
    return rc;
}

/* The file path names; "-" is the descriptor the commands read or write for it (std_fd):
 * `run --input - <FILE` reads FILE, `gen --output - >>FILE` writes it. */
static int stat_path(const char *path, int std_fd, struct stat *st)
{
    return strcmp(path, "-") == 0 ? fstat(std_fd, st) : stat(path, st);
}

/* Where path, a file not made yet, would be created: its links followed as outfile_open
 * follows them, then the directory (dir, its stat) and the name in it (*base, to free).
 * False if path names something already, or its links cannot be followed. */
static bool new_file_place(const char *path, struct stat *dir, char **base)
{
    struct outfile o = {.fd = -1, .name = xstrdup(path), .target = xstrdup(path)};
    struct stat st;
    enum target_kind kind = TARGET_NEW;
    bool found = follow_links(&o, &st, &kind, NULL) == 0 && kind == TARGET_NEW;
    if (found) {
        char *d = directory_of(o.target);
        found = stat(d, dir) == 0;
        free(d);
        *base = found ? xstrdup(o.target + dir_length(o.target)) : NULL;
    }
    free(o.name);
    free(o.target);
    return found;
}

/* Whether two paths, neither made yet, would create one file (--output NEW --timeline a link
 * to NEW): the same directory, by identity, and the same name in it. */
static bool same_new_file(const char *a, const char *b)
{
    struct stat da, db;
    char *na = NULL, *nb = NULL;
    bool same = new_file_place(a, &da, &na) && new_file_place(b, &db, &nb) &&
                da.st_dev == db.st_dev && da.st_ino == db.st_ino && strcmp(na, nb) == 0;
    free(na);
    free(nb);
    return same;
}

bool outfile_same_file(const char *output, const char *input)
{
    struct stat out, in;
    if (output == NULL || input == NULL)
        return false;
    bool out_found = stat_path(output, STDOUT_FILENO, &out) == 0;
    bool in_found = stat_path(input, STDIN_FILENO, &in) == 0;
    if (!out_found && !in_found)
        return same_new_file(output, input);
    return out_found && in_found && S_ISREG(out.st_mode) && out.st_dev == in.st_dev &&
           out.st_ino == in.st_ino;
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
    remove_own_leftover(tmp); /* a dead namesake's */
    if (link_descriptor(fd, tmp) != 0)
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
    struct stat st; /* what dest is now: another user may have put something there */
    if (lstat(dest, &st) == 0 && check_owner(o->name, dest, &st, true, err) != 0)
        return -1;
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
