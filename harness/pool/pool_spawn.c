/* pool_spawn.c - making the pool and starting one worker: a thread, a forked process, or a process
 * that fork + exec turns into `sharebench worker` (Python's "spawn"). Each gets its own two pipes;
 * a process keeps only its own ends, and an exec'd one only the descriptors it is handed.
 */
#define _GNU_SOURCE /* pipe2, F_SETPIPE_SZ, close_range */
#include "pool_private.h"

#include "interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PIPE_SIZE (1 << 20) /* fewer, larger writes; the kernel may give less */

bool pool_is_threads(const struct pool *p)
{
    return p->config.strategy->kind == STRATEGY_THREADS;
}

void pool_close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* ---- the pool itself --------------------------------------------------------------------- */

struct pool *pool_new(const struct pool_options *opt, const struct strategy *strategy,
                      struct strategy_state *state, struct error *err)
{
    if (opt->workers < 1 || opt->workers > POOL_WORKERS_MAX || opt->chunk < 1 ||
        opt->chunk > POOL_CHUNK_MAX) {
        error_set(err, "pool: %u workers, chunks of %u: out of range (1 .. %d, 1 .. %u)",
                  opt->workers, opt->chunk, POOL_WORKERS_MAX, POOL_CHUNK_MAX);
        return NULL;
    }
    struct pool *p = xcalloc(1, sizeof *p);
    p->opt = *opt;
    if (p->opt.in_flight == 0)
        p->opt.in_flight = POOL_IN_FLIGHT;
    if (p->opt.in_flight > POOL_TASKS_MAX)
        p->opt.in_flight = POOL_TASKS_MAX;
    bool ranges = opt->feed == POOL_FEED_RANGES;
    p->config = (struct worker_config){strategy,        state,
                                       opt->want_lines, ranges ? opt->input_fd : -1,
                                       opt->input_name, opt->field_limit};
    /* Results may come back ahead of their turn: a window of a few tasks per worker. */
    if (ranges)
        p->feed =
            range_feed_open(opt->input_fd, opt->input_name, opt->input_size, opt->range_bytes,
                            opt->limit, opt->field_limit, 4 * opt->workers * p->opt.in_flight);
    p->n = opt->workers;
    p->w = xcalloc(p->n, sizeof *p->w);
    for (unsigned i = 0; i < p->n; i++) {
        p->w[i] = (struct pool_worker){.index = i,
                                       .pool = p,
                                       .task_fd = -1,
                                       .result_fd = -1,
                                       .worker_task_fd = -1,
                                       .worker_result_fd = -1};
    }
    if (pool_find_exe(p, err) != 0) {
        pool_free(p);
        return NULL;
    }
    return p;
}

void pool_free(struct pool *p)
{
    for (unsigned i = 0; i < p->n; i++) {
        struct pool_worker *w = &p->w[i];
        pool_close_fd(&w->task_fd);
        pool_close_fd(&w->result_fd);
        pool_close_fd(&w->worker_task_fd); /* only still open if the worker never started */
        pool_close_fd(&w->worker_result_fd);
        for (unsigned k = 0; k < w->in_flight; k++)
            pool_task_free(w->tasks[(w->head + k) % p->opt.in_flight]);
        buf_free(&w->out);
        buf_free(&w->in);
    }
    while (p->retry) {
        struct task *t = p->retry;
        p->retry = t->next;
        pool_task_free(t);
    }
    range_feed_close(p->feed);
    free(p->fds);
    free(p->fd_owner);
    free(p->w);
    free(p);
}

const struct pool_stats *pool_stats(const struct pool *p)
{
    return &p->stats;
}

unsigned pool_worker_pids(const struct pool *p, pid_t *pids, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < p->n && n < max; i++)
        if (p->w[i].running && p->w[i].pid > 0)
            pids[n++] = p->w[i].pid;
    return n;
}

/* ---- one worker -------------------------------------------------------------------------- */

static int make_pipes(struct pool_worker *w, struct error *err)
{
    int task[2], result[2];
    if (pipe2(task, O_CLOEXEC) != 0)
        return error_errno(err, "pipe");
    if (pipe2(result, O_CLOEXEC) != 0) {
        close(task[0]);
        close(task[1]);
        return error_errno(err, "pipe");
    }
    w->worker_task_fd = task[0];
    w->task_fd = task[1];
    w->result_fd = result[0];
    w->worker_result_fd = result[1];
    /* Bigger pipes mean fewer wake-ups; if the kernel refuses, the default works too. */
    (void)fcntl(w->task_fd, F_SETPIPE_SZ, PIPE_SIZE);
    (void)fcntl(w->result_fd, F_SETPIPE_SZ, PIPE_SIZE);
    if (fcntl(w->task_fd, F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(w->result_fd, F_SETFL, O_NONBLOCK) != 0)
        return error_errno(err, "fcntl O_NONBLOCK");
    return 0;
}

/* In a new worker process: keep only its own two ends, serve, and leave without running the
 * parent's exit handlers or flushing its stdio buffers (_exit). */
static void run_child(struct pool *p, struct pool_worker *w)
{
    for (unsigned i = 0; i < p->n; i++) {
        pool_close_fd(&p->w[i].task_fd);
        pool_close_fd(&p->w[i].result_fd);
        if (&p->w[i] != w) {
            pool_close_fd(&p->w[i].worker_task_fd);
            pool_close_fd(&p->w[i].worker_result_fd);
        }
    }
    struct error err;
    int rc = worker_serve(&p->config, w->worker_task_fd, w->worker_result_fd, &err);
    if (rc != 0)
        fprintf(stderr, "%s: worker %u (pid %d): %s\n", util_command(), w->index, (int)getpid(),
                err.msg);
    _exit(rc == 0 ? 0 : 3);
}

static void *run_thread(void *arg)
{
    struct pool_worker *w = arg;
    struct error err;
    /* A thread whose results the parent no longer reads (the run failed, and says why) ends
     * on a write that fails: nothing more to say. */
    if (worker_serve(&w->pool->config, w->worker_task_fd, w->worker_result_fd, &err) != 0 &&
        !atomic_load(&w->dismissed))
        fprintf(stderr, "%s: worker thread %u: %s\n", util_command(), w->index, err.msg);
    getrusage(RUSAGE_THREAD, &w->usage);
    pool_close_fd(&w->worker_task_fd);
    pool_close_fd(&w->worker_result_fd);
    return NULL;
}

static int start_thread(struct pool_worker *w, struct error *err)
{
    int rc = pthread_create(&w->thread, NULL, run_thread, w);
    if (rc != 0) {
        errno = rc;
        return error_cannot_start(err, "cannot start worker %u: pthread_create", w->index);
    }
    w->running = true;
    return 0;
}

/* The argument vector of an exec'd worker, made before the fork (the child only execs). */
static char **exec_argv(const struct pool *p, const struct pool_worker *w)
{
    size_t n = 0;
    while (p->opt.exec_args[n])
        n++;
    char **argv = xcalloc(n + 12, sizeof *argv);
    argv[0] = xstrdup("sharebench");
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = xstrdup(p->opt.exec_args[i]);
    char fd[16];
    argv[n + 1] = xstrdup("--task-fd");
    snprintf(fd, sizeof fd, "%d", w->worker_task_fd);
    argv[n + 2] = xstrdup(fd);
    argv[n + 3] = xstrdup("--result-fd");
    snprintf(fd, sizeof fd, "%d", w->worker_result_fd);
    argv[n + 4] = xstrdup(fd);
    if (p->feed) { /* the range feed: where the worker reads its ranges */
        char limit[32];
        snprintf(fd, sizeof fd, "%d", p->opt.input_fd);
        snprintf(limit, sizeof limit, "%zu", p->opt.field_limit);
        const char *more[] = {"--input-fd",    fd,   "--input-name", p->opt.input_name,
                              "--field-limit", limit};
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
            argv[n + 5 + i] = xstrdup(more[i]);
    }
    return argv;
}

static void free_argv(char **argv)
{
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
}

/* Keep fd open across exec. */
static int keep_on_exec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

/* Mark every descriptor above standard error close-on-exec: ours are already, but the
 * parent may have inherited others from whoever started it (a shell, a test harness), and an
 * exec'd worker must get only what it is handed (what subprocess's close_fds does). */
static void close_all_on_exec(void)
{
    if (close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    long max = sysconf(_SC_OPEN_MAX); /* kernels before 5.11: every possible descriptor */
    for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC); /* EBADF for the closed ones: nothing to do */
}

/* In a new worker process that is to become `sharebench worker`: only standard input, output
 * and error, its own two ends and the strategy's descriptor survive the exec. If exec fails,
 * say so on the result pipe, as a worker that cannot set up would, and leave. */
static void exec_child(struct pool *p, struct pool_worker *w, char **argv)
{
    close_all_on_exec();
    if (keep_on_exec(w->worker_task_fd) == 0 && keep_on_exec(w->worker_result_fd) == 0 &&
        (p->opt.inherit_fd < 0 || keep_on_exec(p->opt.inherit_fd) == 0) &&
        (p->feed == NULL || keep_on_exec(p->opt.input_fd) == 0))
        execv(p->exe, argv);
    char message[4400];
    snprintf(message, sizeof message, "exec of %s failed: %s", p->exe, strerror(errno));
    struct error ignored;
    worker_send_setup_error(w->worker_result_fd, message, &ignored);
    _exit(127);
}

static int start_process(struct pool *p, struct pool_worker *w, struct error *err)
{
    char **argv = p->opt.exec ? exec_argv(p, w) : NULL;
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        if (argv)
            free_argv(argv);
        return error_cannot_start(err, "cannot start worker %u: fork", w->index);
    }
    if (pid == 0 && argv)
        exec_child(p, w, argv);
    if (pid == 0)
        run_child(p, w);
    if (argv)
        free_argv(argv);
    w->pid = pid;
    w->running = true;
    pool_close_fd(&w->worker_task_fd);
    pool_close_fd(&w->worker_result_fd);
    return 0;
}

int pool_spawn_worker(struct pool *p, struct pool_worker *w, struct error *err)
{
    if (make_pipes(w, err) != 0)
        return -1;
    /* Workers inherit a mask with SIGINT and SIGTERM blocked: a Ctrl-C reaches the whole
     * process group, and only the parent decides how the run ends (interrupt.h). */
    sigset_t old;
    interrupt_block(&old);
    int rc = pool_is_threads(p) ? start_thread(w, err) : start_process(p, w, err);
    interrupt_restore(&old);
    return rc;
}

/* The program to exec, named once (a tool running us, such as valgrind, resolves the link to
 * our file; exec of the link itself would start the tool's own binary). */
int pool_find_exe(struct pool *p, struct error *err)
{
    if (!p->opt.exec)
        return 0;
    ssize_t n = readlink("/proc/self/exe", p->exe, sizeof p->exe - 1);
    if (n < 0)
        return error_errno(err, "readlink /proc/self/exe");
    if ((size_t)n >= sizeof p->exe - 1)
        return error_set(err, "this program's path is too long to exec");
    p->exe[n] = '\0';
    return 0;
}
