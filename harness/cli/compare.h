/* compare.h - what the parts of `sharebench compare` share: the configurations of the matrix
 * (compare_matrix.c), the rounds that run them as children (compare_runs.c) and the table of
 * their results (compare_table.c); cmd_compare.c reads the options and drives them.
 */
#ifndef SHAREBENCH_COMPARE_H
#define SHAREBENCH_COMPARE_H

#include "outfile.h"
#include "run.h"
#include "summary.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define MAX_LIST   32
#define MAX_CONFIG 512
/* per_task_serialize ships the whole model per chunk: above this it is refused unless limited. */
#define SERIALIZE_BUDGET (4ull << 30)
/* compare warns about a configuration whose runs spread this much (coefficient of variation
 * of records/s), or that ran while the hypervisor took this share of the CPU: its figures are
 * not to be trusted. */
#define WARN_CV    0.10
#define WARN_STEAL 5.0

/* One configuration of the matrix, and what its runs gave so far. */
struct config {
    const struct strategy *strategy;
    enum run_feed feed; /* RUN_FEED_AUTO for serial: it has none */
    unsigned workers, chunk;
    bool touch;
    bool exec; /* --start exec */
    char twin; /* 'a' or 'b' for an A/A pair (--aa), else '\0' */
    uint64_t limit;
    double baseline_mb;
    double rows_per_s[64], pss_mb[64], copies[64], setup_s[64];
    double steal_max; /* the most CPU steal (%) any of its runs saw */
    unsigned done;
    char checksum[32], rows[32], rejected[32];
};

/* The options of one comparison, as read from the command line. */
struct compare_args {
    const char *spec, *input, *out, *timelines;
    const struct strategy *strategies[MAX_LIST];
    unsigned nstrategies;
    uint64_t workers[MAX_LIST], chunks[MAX_LIST];
    unsigned nworkers, nchunks;
    uint64_t repeat, limit, serialize_limit, sample_ms;
    uint64_t seed;                       /* of the rounds' random orders */
    const struct strategy *aa[MAX_LIST]; /* run twice per round, as twins a and b */
    unsigned naa;
    bool touch, touch_both;
    bool start_fork, start_exec;
    bool feed_records, feed_ranges;
    uint64_t range_bytes;
};

/* A comparison under way: its configurations, the results file, the runs done. */
struct matrix {
    const struct compare_args *args;
    struct config *configs;
    unsigned nconfigs, total, finished;
    FILE *csv;
    const char *keys[SUMMARY_MAX_KEYS];
    int nkeys;
    double started;
    bool tty, failed;
    int log_fd; /* each run's stderr: a file in $TMPDIR, unlinked at once */
};

/* The matrix (compare_matrix.c). */

/* Fill configs (room for MAX_CONFIG) with every configuration a's options make; their count. */
unsigned compare_build_configs(const struct compare_args *a, struct config *configs);

/* What the summary's start says for this configuration (run_start_name). */
const char *compare_config_start(const struct config *c);

/* Say which strategies --start exec leaves out, and why, before anything runs. */
void compare_note_exec_refusals(const struct compare_args *a);

/* No configuration is left: --start exec alone, and only strategies that need fork. */
int compare_refuse_nothing_to_run(const struct compare_args *a);

/* Check everything that can be checked before hours of runs start. */
int compare_check_inputs(const struct compare_args *a, struct config *configs, unsigned n);

/* The rounds (compare_runs.c). */

/* Open m's results as every output is opened (io/outfile.h: a file of this compare's own,
 * OUT whole when committed, OUT.partial if kept after an interrupt) and write the header row:
 * the columns of every run, then the keys of `sharebench run`'s summary. 0, or EXIT_USAGE. */
int compare_open_results(struct matrix *m, struct outfile *results);

/* The runs' stderr goes to one file in $TMPDIR (else /tmp), without a name from the start
 * (O_TMPFILE) or unlinked as soon as it is made: nothing is left behind, however compare
 * ends. Returns the descriptor, or -1 with the reason printed. */
int compare_open_log(void);

/* Run the matrix in rounds, each in its own random order; false if a signal stopped it. */
bool compare_run_matrix(struct matrix *m);

/* The results (compare_table.c). */

/* Print one line per configuration: medians and ranges over its runs. */
void compare_print_table(const struct matrix *m);

/* Name the configurations whose figures a reader should not trust, and why. */
void compare_warn_noisy(const struct matrix *m);

#endif
