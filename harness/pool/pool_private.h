/* pool_private.h - what the pool's files share: its structures and the calls between them.
 *
 * The pool is one idea split over four files so that the lesson reads on its own:
 *   pool.c          the core loop: start, feed with backpressure, collect, stop (read this)
 *   pool_tasks.c    turning records or byte ranges into tasks
 *   pool_spawn.c    making the pool; starting a worker: a thread, a fork, or fork + exec
 *   pool_recover.c  workers that die or stall: reap, resend their tasks, replace them
 */
#ifndef SHAREBENCH_POOL_PRIVATE_H
#define SHAREBENCH_POOL_PRIVATE_H

#include "pool.h"
#include "range_feed.h"
#include "worker.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/resource.h>

/* A task in flight, kept until its results come back whole: if its worker dies, it is sent
 * again to another, so no record is lost and none is counted twice. */
struct task {
    uint64_t seq;
    struct buf bytes;        /* the encoded task, exactly as sent */
    bool is_range;           /* a range of the input (range feed), not records */
    struct range_body range; /* ranges: which */
    uint64_t *lines;         /* records: the line where each starts, to report failures */
    uint32_t records;
    unsigned attempts; /* workers that died holding it */
    int last_signal;   /* how the last of them died */
    struct task *next; /* in the queue to send again */
};

#define POOL_TASKS_MAX 64 /* tasks in flight per worker, at most (the ring below) */

struct pool_worker {
    unsigned index;
    pid_t pid;                            /* processes */
    pthread_t thread;                     /* threads */
    bool running;                         /* started and not yet reaped or joined */
    atomic_bool dismissed;                /* threads: the parent stopped reading its results */
    int task_fd;                          /* parent writes tasks here (non-blocking) */
    int result_fd;                        /* parent reads results here (non-blocking) */
    int worker_task_fd, worker_result_fd; /* the worker's ends */
    struct buf out;                       /* task bytes not yet written */
    struct buf in;                        /* result bytes not yet parsed */
    struct task *tasks[POOL_TASKS_MAX];   /* tasks in flight, oldest first (a ring) */
    unsigned head, in_flight;
    struct pool *pool;
    struct rusage usage; /* threads: filled by the thread itself as it ends */
    bool ready;          /* it finished its setup (attach) and is working on its tasks */
    double busy_since;   /* when it could start its oldest task; 0 when it holds none */
};

struct pool {
    struct pool_options opt;
    struct worker_config config;
    unsigned n;
    struct pool_worker *w;
    unsigned next_choice; /* where worker_with_room starts looking */
    uint64_t next_seq;
    bool input_done;
    uint64_t taken; /* records read, valid or not */
    double first_sent;
    struct pool_stats stats;
    struct sigaction old_sigpipe;
    struct task *retry;      /* chunks whose worker died, to send again */
    double started;          /* when pool_start began */
    char exe[4096];          /* exec-started workers: this program's file */
    unsigned ready;          /* workers that have reported ready, replacements included */
    struct range_feed *feed; /* the range feed, or NULL for the record feed */
    struct pollfd *fds;      /* wait_and_move's, 2 per worker: on the heap, not the stack */
    struct pool_worker **fd_owner;
};

bool pool_is_threads(const struct pool *p);
void pool_close_fd(int *fd);

/* pool_tasks.c: the next task to send (records packed from reader, or the next planned
 * range), or NULL when there is none now (*failed set on a read error or a payload that
 * failed). */
struct task *pool_next_task(struct pool *p, struct record_reader *reader, struct sink *sink,
                            bool *failed, struct error *err);
/* A task for one range of the input: the strategy's payload, then where the range lies. */
struct task *pool_range_task(struct pool *p, uint64_t seq, const struct range_body *body,
                             struct error *err);
void pool_task_free(struct task *t);

/* pool_spawn.c: allocate a pool of opt.workers idle workers (NULL with err if opt is out of
 * range); free one whose workers are all reaped; start worker w. */
struct pool *pool_new(const struct pool_options *opt, const struct strategy *strategy,
                      struct strategy_state *state, struct error *err);
void pool_free(struct pool *p);
int pool_find_exe(struct pool *p, struct error *err);
int pool_spawn_worker(struct pool *p, struct pool_worker *w, struct error *err);

/* pool_recover.c */
/* w's result pipe ended before its input did: reap it, send its tasks again (or report the
 * records of a task that keeps killing workers as failed) and start a replacement. */
int pool_worker_died(struct pool *p, struct pool_worker *w, struct sink *sink, struct error *err);
/* The range feed asked for a range to be read again with a cap (--limit): queue it first. */
int pool_queue_resend(struct pool *p, int wanted, uint64_t seq, const struct range_body *body,
                      struct error *err);
/* Milliseconds until the first worker holding a task passes opt.task_timeout (-1: none). */
int pool_ms_to_next_stall(const struct pool *p);
/* Kill every worker process that has held its oldest task past opt.task_timeout: its pipe
 * then ends and pool_worker_died replaces it. */
void pool_kill_stalled(struct pool *p);
/* End w at the end of the run (force: at once, by SIGKILL) and take its resources. */
int pool_reap_worker(struct pool *p, struct pool_worker *w, bool force, struct error *err);

#endif
