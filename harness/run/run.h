/* run.h - one run: spec -> model -> strategy -> records -> results -> summary.
 *
 * The order is fixed and the same for every strategy (docs/DESIGN.md section 3): the strategy
 * prepares (building the model if it needs the parent's copy), the workers start, the records
 * stream through classify, the results gather into the checksum (and a results file), and the
 * run reports. run.c runs; run_checks.c checks what can be checked before; run_summary.c
 * says what the run did.
 */
#ifndef SHAREBENCH_RUN_H
#define SHAREBENCH_RUN_H

#include "memsample.h"
#include "strategy.h"
#include "summary.h"
#include "util.h"
#include "workload.h"

#include <stdbool.h>
#include <stdint.h>

/* How records reach the workers (pool.h): chosen by the input's kind unless asked for. */
enum run_feed {
    RUN_FEED_AUTO,    /* ranges for a regular file, records for a pipe or standard input */
    RUN_FEED_RECORDS, /* the parent parses and ships records */
    RUN_FEED_RANGES,  /* the parent plans byte ranges; workers read and parse them */
};

#define RANGE_BYTES_DEFAULT  (1u << 20)
#define TASK_TIMEOUT_DEFAULT 60 /* seconds a worker may hold one task (run --task-timeout) */

struct run_options {
    const char *spec_path;
    const char *input_path;
    const char *output_path; /* NULL: no results file */
    const struct strategy *strategy;
    size_t field_limit;
    uint64_t limit;   /* records to process at most; 0 means all */
    unsigned workers; /* for strategies with workers */
    unsigned chunk;   /* records per task (record feed) */
    enum run_feed feed;
    uint64_t range_bytes;      /* bytes per task, about (range feed); 0: RANGE_BYTES_DEFAULT */
    unsigned task_timeout;     /* seconds a worker process may hold one task; 0: no limit */
    bool progress;             /* show progress on stderr (a terminal) */
    bool touch;                /* classify writes a visit counter to every model entry it reads */
    bool start_exec;           /* worker processes are exec'd, not only forked (--start exec) */
    const char *start_method;  /* py: strategies: Python's spawn or forkserver; NULL: as above */
    const char *scratch_dir;   /* where strategies may write files; NULL: $TMPDIR or /tmp */
    unsigned sample_ms;        /* memory sampling interval; 0: no sampling */
    const char *timeline_path; /* memory timeline CSV, or NULL */
    double baseline_mb; /* summed PSS of this configuration with an empty model; < 0: unknown */
};

struct run_stats {
    uint64_t rows;     /* results */
    uint64_t rejected; /* invalid records */
    uint64_t failed;   /* valid records whose chunk kept killing workers */
    uint64_t worker_restarts;
    uint64_t bytes; /* input bytes read */
    uint64_t checksum;
    unsigned workers;
    size_t model_bytes;
    double build_seconds;   /* spec -> model in the parent (0 if the parent built none) */
    double prepare_seconds; /* strategy prepare, less any model build it asked for */
    double start_seconds;   /* starting the workers (fork, exec, pthread_create) */
    double ready_seconds;   /* starting them until every one was set up (attach done) */
    double seconds;         /* streaming: first record read to last result */
    double first_result_seconds;
    uint64_t chunks;
    uint64_t bytes_shipped; /* strategy payload bytes sent to workers, beyond the records */
    size_t image_bytes;     /* the flat image of this model (shared_arrays, per_task_serialize) */
    struct mem_summary mem; /* from the sampler (zero when not sampled) */
    uint64_t minor_faults, major_faults; /* of the workers (serial: of the parent, streaming) */
    uint64_t worker_minor_faults[64];    /* each worker's (the first 64) */
    double worker_cpu_seconds;
    double worker_nivcsw;      /* the workers' involuntary context switches (NaN: unknown) */
    double parent_cpu_seconds; /* the parent's CPU while streaming (build and prepare apart) */
    enum run_feed feed;        /* the feed used (RUN_FEED_AUTO: no workers, no feed) */
    char results_path[4096];   /* where --output's lines are: FILE, FILE.partial, or "" */
    /* The run finished and committed its results: a signal that comes after that is too late
     * to interrupt it, and the command exits as a finished run. */
    bool finished;
};

enum run_result {
    RUN_OK = 0,
    RUN_FAILED = -1,    /* the run started but could not finish (a worker died, a write failed) */
    RUN_BAD_INPUT = -2, /* it could not start: the spec or the records file cannot be used */
};

/* What the summary's `start` says: fork or exec for worker processes, thread, or none. */
const char *run_start_name(const struct run_options *opt);

/* What the summary's `feed` says: records, ranges, or none (no workers). */
const char *run_feed_name(enum run_feed feed);

/* Refuse, before anything is built or measured, options that cannot work together (a
 * strategy that needs fork, with --start exec). Returns 0, or -1 with err saying why. */
int run_check_options(const struct run_options *opt, struct error *err);

/* -1 with err if the spec is there but not a regular file: it is read more than once (the
 * checks, the run, exec'd workers, the baseline, a py: run's Python program), and a FIFO or a
 * device gives its text to the first reader only; the next would wait for ever. */
int run_check_spec_is_file(const char *path, struct error *err);

/* Check, before anything is built or measured, that the spec loads and that the records file
 * opens and starts with the header (not standard input, a pipe or a FIFO: what is read from
 * them would be lost). Returns 0, or -1 with err naming the file and line. */
int run_check_inputs(const struct run_options *opt, struct error *err);

/* Bytes per task of the range feed: --range-bytes, or RANGE_BYTES_DEFAULT. */
uint64_t run_range_bytes(const struct run_options *opt);

/* Refuse, before anything is built, a model this machine cannot hold (the C model's size,
 * for py: runs too, whose models are no smaller). Returns -1 with err. */
int run_check_model_memory(const struct run_options *opt, struct error *err);

/* Run. Returns RUN_OK, or an error with err filled (the message names the file and line
 * where one applies). */
enum run_result run(const struct run_options *opt, struct run_stats *stats, struct error *err);

/* The memory a run cost, in copies of the model: (peak summed PSS - the baseline) / model
 * size. NaN when the baseline or the memory is unknown. */
double run_model_copies(const struct run_options *opt, const struct run_stats *stats);

/* Fill a summary with the stats (the keys `sharebench run` prints, in order; the columns of
 * `sharebench compare`'s results file). */
void run_summary(const struct run_options *opt, const struct run_stats *stats, struct summary *sm);

#endif
