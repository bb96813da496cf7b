/* util.c - see util.h. */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static const char *command_name = "sharebench";

void util_set_command(const char *command)
{
    command_name = command;
}

const char *util_command(void)
{
    return command_name;
}

int error_set(struct error *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Where errnum is what a resource limit gives (EAGAIN when a process or thread cannot be
 * started: ulimit -u; EFBIG: ulimit -f) and that limit is set, the usual cause: " (ulimit -X,
 * ..., is N)"; else "". */
static void limit_note(int errnum, bool starting, char *note, size_t cap)
{
    int resource = starting && errnum == EAGAIN ? RLIMIT_NPROC
                   : errnum == EFBIG            ? RLIMIT_FSIZE
                                                : -1;
    struct rlimit limit;
    note[0] = '\0';
    if (resource < 0 || getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return;
    if (resource == RLIMIT_NPROC)
        snprintf(note, cap, " (ulimit -u, the per-user limit on processes and threads, is %llu)",
                 (unsigned long long)limit.rlim_cur);
    else
        snprintf(note, cap, " (ulimit -f, the limit on the size of a file written, is %llu bytes)",
                 (unsigned long long)limit.rlim_cur);
}

/* fmt's message, then ": strerror(errnum)" and what limit_note says. */
static void error_with_errno(struct error *err, int errnum, bool starting, const char *fmt,
                             va_list ap)
{
    char note[128];
    limit_note(errnum, starting, note, sizeof note);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    if (n >= 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s%s", strerror(errnum), note);
}

int error_errno(struct error *err, const char *fmt, ...)
{
    int saved = errno;
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        error_with_errno(err, saved, false, fmt, ap);
        va_end(ap);
    }
    errno = saved;
    return -1;
}

int error_cannot_start(struct error *err, const char *fmt, ...)
{
    int saved = errno;
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        error_with_errno(err, saved, true, fmt, ap);
        va_end(ap);
    }
    errno = saved;
    return -1;
}

void out_of_memory(const char *what, size_t size)
{
    if (what)
        fprintf(stderr, "%s: out of memory: %zu bytes for %s\n", command_name, size, what);
    else
        fprintf(stderr, "%s: out of memory (asked for %zu bytes)\n", command_name, size);
    /* _exit, not exit: in a forked worker the parent's exit handlers and stdio buffers are
     * not this process's to run or flush, and an exit handler might need memory too. */
    _exit(1);
}

static void *check_alloc(void *p, size_t size)
{
    if (p == NULL && size != 0)
        out_of_memory(NULL, size);
    return p;
}

void *xmalloc(size_t size)
{
    return check_alloc(malloc(size), size);
}

void *xcalloc(size_t count, size_t size)
{
    return check_alloc(calloc(count, size), count * size);
}

void *xrealloc(void *ptr, size_t size)
{
    return check_alloc(realloc(ptr, size), size);
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (s == NULL || *s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned digit = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return -1;
        v = v * 10 + digit;
    }
    *out = v;
    return 0;
}

int parse_size(const char *s, uint64_t *out)
{
    char digits[32];
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= sizeof digits)
        return -1;
    memcpy(digits, s, n + 1);
    unsigned shift = 0;
    switch (digits[n - 1]) {
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    default:
        break;
    }
    if (shift)
        digits[n - 1] = '\0';
    uint64_t v;
    if (parse_u64(digits, &v) != 0 || v > (UINT64_MAX >> shift))
        return -1;
    *out = v << shift;
    return 0;
}
