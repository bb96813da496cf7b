/* pool.h - a pool of workers fed tasks: the C analogue of
 * `multiprocessing.Pool(n).imap_unordered(classify, records, chunksize)`.
 *
 * Two feeds. The record feed is Python's Pool: the parent reads records, packs them C at a
 * time into tasks (with the strategy's payload) and ships them; the parent's CPU then caps the
 * pool. The range feed is how Hadoop, Spark and MPI read big files: the parent only plans
 * record-aligned byte ranges of the input (range_feed.h) and each worker reads and parses its
 * own. Either way a task goes to a worker with room for it; at most `in_flight` tasks wait
 * per worker, so the parent's memory stays flat whatever the input size. The transport (one
 * pipe each way per worker, poll in the parent) is the same for every strategy; only how a
 * worker reaches the model differs.
 *
 * Workers are forked processes (exec'd or not), or threads for STRATEGY_THREADS, running the
 * same loop. A worker process that dies or stalls is replaced and its chunks sent again.
 * pool.c holds the core loop; pool_private.h says where the rest lives.
 */
#ifndef SHAREBENCH_POOL_H
#define SHAREBENCH_POOL_H

#include "records.h"
#include "sink.h"
#include "strategy.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define POOL_WORKERS_MAX 1024
#define POOL_CHUNK_MAX   (1u << 20)
#define POOL_IN_FLIGHT   2

enum pool_feed {
    POOL_FEED_RECORDS, /* the parent parses records and ships them */
    POOL_FEED_RANGES,  /* the parent plans byte ranges; workers read and parse them */
};

struct pool_options {
    unsigned workers;
    unsigned chunk;     /* records per task (record feed) */
    unsigned in_flight; /* tasks waiting per worker at most; 0 means POOL_IN_FLIGHT */
    bool want_lines;    /* results file wanted: workers send result lines back */
    uint64_t limit;     /* records to read at most; 0 means all */
    /* A worker process that holds its oldest task longer than this many seconds (stopped,
     * stuck) is killed and replaced, and its tasks sent again; 0: wait for ever. Threads
     * cannot be killed alone: for them it does not apply. */
    double task_timeout;
    /* Told of every chunk's result as it arrives (tests use it); may be NULL. */
    void (*on_chunk)(void *arg, uint64_t seq, uint64_t count, uint64_t sum);
    void *on_chunk_arg;
    /* Called around the fork of a replacement worker (the run pauses its sampler thread:
     * fork only from a single-threaded process); may be NULL. */
    void (*before_fork)(void *arg);
    void (*after_fork)(void *arg);
    void *fork_arg;
    /* Start each worker process by fork and exec of this very binary (`sharebench worker
     * ARGS --task-fd N --result-fd N`), Python's "spawn": it inherits nothing but exec_args,
     * the environment and the descriptors it is given (its two pipe ends, and inherit_fd). */
    bool exec;
    const char *const *exec_args; /* after argv[0], NULL-terminated */
    int inherit_fd;               /* kept open across exec, or -1 */
    /* The range feed: pool_run's reader only checked the header; workers read the input
     * from input_fd (pread, shared by all) in ranges of about range_bytes. */
    enum pool_feed feed;
    int input_fd;
    const char *input_name;
    uint64_t input_size;
    uint64_t range_bytes;
    size_t field_limit;
};

struct pool_stats {
    uint64_t chunks;
    uint64_t payload_bytes;      /* strategy bytes shipped, beyond the records */
    uint64_t record_bytes;       /* bytes of records (or range descriptions) shipped */
    uint64_t input_bytes;        /* range feed: bytes of input in committed ranges */
    double start_seconds;        /* starting the workers (fork or pthread_create) */
    double first_result_seconds; /* from the first task sent to the first result back */
    double ready_seconds;        /* from the start until every first worker was set up */
    /* The workers' own resources, summed, once they have ended (wait4, or RUSAGE_THREAD). */
    uint64_t worker_restarts; /* workers that died and were replaced */
    uint64_t minor_faults;    /* copy-on-write shows here: each copied page is one */
    uint64_t major_faults;
    double user_seconds, system_seconds;
    uint64_t nivcsw; /* involuntary context switches: the scheduler took the CPU away */
    uint64_t worker_minor_faults[64]; /* the first 64 workers, one by one */
};

struct pool;

/* Start the workers for strategy (already prepared into state). NULL with err on failure;
 * then nothing is left running. */
struct pool *pool_start(const struct pool_options *opt, const struct strategy *strategy,
                        struct strategy_state *state, struct error *err);

/* Stream every record of reader (record feed) or of the input (range feed; reader unused)
 * through the workers into sink. Returns 0 when every record
 * is accounted for, -1 with err on the first failure (a worker died, a chunk failed). */
int pool_run(struct pool *p, struct record_reader *reader, struct sink *sink, struct error *err);

/* End the workers (cleanly after a successful run, by force otherwise), reap them, close
 * every descriptor and free the pool; the final stats (with the workers' resources) go to
 * stats if it is not NULL. Returns 0, or -1 with err if a worker failed at the end. NULL is
 * allowed. */
int pool_stop(struct pool *p, struct pool_stats *stats, struct error *err);

const struct pool_stats *pool_stats(const struct pool *p);

/* The pids of the worker processes (none for threads): tests kill them, the memory sampler
 * reads them. */
unsigned pool_worker_pids(const struct pool *p, pid_t *pids, unsigned max);

#endif
