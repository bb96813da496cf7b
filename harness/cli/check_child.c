/* check_child.c - see check_child.h. */
#define _GNU_SOURCE /* pipe2 */
#include "check_child.h"

#include "interrupt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* In the child: its own group, its files, then the program. Only async-signal-safe calls. */
static void become(const struct child *c, const char *exe, const char *const argv[], int in_fd)
{
    setpgid(0, 0);
    int out = open(c->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = open(c->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in_fd < 0)
        in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || err < 0 || in_fd < 0 || dup2(in_fd, STDIN_FILENO) < 0 ||
        dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
        _exit(126);
    execv(exe, (char *const *)argv);
    _exit(127);
}

int child_start(const char *exe, const char *const argv[], const char *dir, bool with_stdin,
                double timeout, struct child *c, struct error *err)
{
    *c = (struct child){.pid = -1, .stdin_fd = -1, .deadline = now_seconds() + timeout};
    snprintf(c->out_path, sizeof c->out_path, "%s/out", dir);
    snprintf(c->err_path, sizeof c->err_path, "%s/err", dir);
    int in[2] = {-1, -1};
    if (with_stdin && pipe2(in, O_CLOEXEC) != 0)
        return error_errno(err, "pipe");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        if (with_stdin)
            close(in[0]), close(in[1]);
        return error_cannot_start(err, "cannot start %s: fork", argv[0]);
    }
    if (pid == 0)
        become(c, exe, argv, in[0]);
    setpgid(pid, pid); /* in both processes: whichever runs first, the group exists */
    c->pid = pid;
    if (with_stdin) {
        close(in[0]);
        c->stdin_fd = in[1];
    }
    return 0;
}

static void pause_briefly(void)
{
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static int poll_timeout_ms(const struct child *c)
{
    double left = c->deadline - now_seconds();
    return left <= 0 ? 0 : left > 1 ? 1000 : (int)(left * 1000) + 1;
}

int child_feed(struct child *c, const void *data, size_t len, struct error *err)
{
    const char *p = data;
    while (len > 0) {
        if (interrupt_signal())
            return error_set(err, "interrupted");
        if (now_seconds() > c->deadline)
            return error_set(err, "the run took no input for too long (timed out)");
        struct pollfd pfd = {.fd = c->stdin_fd, .events = POLLOUT};
        if (poll(&pfd, 1, poll_timeout_ms(c)) <= 0)
            continue;
        ssize_t n = write(c->stdin_fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return error_errno(err, "writing the run's input");
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The parent of process pid, from /proc/PID/stat ("pid (comm) state ppid ..."; comm may hold
 * spaces and parentheses, so read from the last ')'), or -1. */
static pid_t parent_of(const char *pid)
{
    char path[300], line[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "re");
    bool got = f && fgets(line, sizeof line, f);
    if (f)
        fclose(f);
    const char *end = got ? strrchr(line, ')') : NULL;
    int ppid;
    return end && sscanf(end + 1, " %*c %d", &ppid) == 1 ? (pid_t)ppid : -1;
}

/* The children of pid by a walk of /proc: for kernels without the children file. */
static unsigned children_by_walk(pid_t pid, pid_t *pids, unsigned max)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    unsigned n = 0;
    while (d && n < max && (e = readdir(d)) != NULL)
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && parent_of(e->d_name) == pid)
            pids[n++] = (pid_t)atoi(e->d_name);
    if (d)
        closedir(d);
    return n;
}

/* The children of pid, from /proc/PID/task/PID/children (one line of pids). */
static unsigned children_of(pid_t pid, pid_t *pids, unsigned max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return children_by_walk(pid, pids, max);
    unsigned n = 0;
    int v;
    while (n < max && fscanf(f, "%d", &v) == 1)
        pids[n++] = (pid_t)v;
    fclose(f);
    return n;
}

/* Has the child ended? (without reaping it: child_finish does) */
static bool has_ended(const struct child *c)
{
    siginfo_t info = {0};
    return waitid(P_PID, (id_t)c->pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != 0;
}

unsigned child_workers(const struct child *c, pid_t *pids, unsigned max)
{
    unsigned n;
    while ((n = children_of(c->pid, pids, max)) == 0 && now_seconds() < c->deadline &&
           !interrupt_signal() && !has_ended(c))
        pause_briefly();
    return n;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "re");
    size_t len = 0, cap = 4096;
    char *text = xmalloc(cap);
    size_t n;
    while (f && (n = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2)
            text = xrealloc(text, cap *= 2);
    }
    if (f)
        fclose(f);
    text[len] = '\0';
    return text;
}

int child_finish(struct child *c, struct child_result *r, struct error *err)
{
    *r = (struct child_result){0};
    if (c->stdin_fd >= 0)
        close(c->stdin_fd);
    c->stdin_fd = -1;
    int status = 0;
    pid_t got;
    while ((got = waitpid(c->pid, &status, WNOHANG)) == 0) {
        if (now_seconds() > c->deadline || interrupt_signal()) {
            r->timed_out = !interrupt_signal();
            killpg(c->pid, SIGKILL); /* the run and every worker it left */
            got = waitpid(c->pid, &status, 0);
            break;
        }
        pause_briefly();
    }
    if (got < 0)
        return error_errno(err, "waitpid %d", (int)c->pid);
    killpg(c->pid, SIGKILL); /* a worker the run failed to reap must not outlive the check */
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->out = read_all(c->out_path);
    r->err = read_all(c->err_path);
    return 0;
}

void child_result_free(struct child_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

const char *last_line(const char *text, char *out, size_t cap)
{
    const char *end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    snprintf(out, cap, "%.*s", (int)(end - start), start);
    return out;
}
