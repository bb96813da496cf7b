/* cmd_compare.c - `sharebench compare`: the matrix of strategies x workers x chunk sizes,
 * each configuration run R times, each run a fresh `sharebench run` process.
 *
 * Runs go in rounds: every round runs each configuration once, in a fresh random order drawn
 * from one recorded seed (randomized multiple interleaved trials). A drift of a shared machine
 * then lands on a different configuration in every round instead of on the same one, and two
 * configurations can be compared round by round (paired). `--seed N` reproduces an order.
 * `--aa LIST` runs every configuration of the listed strategies twice per round, as twins a
 * and b: an A/A pair, whose difference is the noise floor of the sitting.
 * Every run is a row of one tidy CSV (the columns are `round`, `position`, `seed`, `twin`,
 * `exit_status`, `limit`, then the keys of `sharebench run`'s summary line, in its order);
 * the file is written unnamed (io/outfile.h) and put in place when the matrix completes, so
 * an interrupted comparison keeps its rows as <out>.partial and is never mistaken for a
 * finished one, and two comparisons with the same --out never mix their rows. All runs
 * over the same records must agree on rows, rejected and checksum, or compare fails.
 * SIGINT or SIGTERM is passed on to the run in progress (selfspawn.h), which stops as an
 * interrupted run and ends its workers; compare then exits 130 or 143 and leaves only
 * <out>.partial. The runs' stderr goes to an unlinked file in $TMPDIR, shown when a run fails.
 *
 * This file reads the options and drives the comparison; the configurations are built in
 * compare_matrix.c, run in compare_runs.c and summed up in compare_table.c (compare.h).
 */
#include "compare.h"

#include "cli.h"
#include "interrupt.h"
#include "pool.h"
#include "python_run.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void compare_help(void)
{
    printf("usage: sharebench compare --spec FILE --input FILE --out FILE [--strategies LIST]\n"
           "         [--workers LIST] [--chunk LIST] [--repeat R] [--touch | --touch-both]\n"
           "         [--limit N] [--serialize-limit N] [--sample-ms MS] [--timelines DIR]\n"
           "         [--start LIST] [--feed LIST] [--range-bytes SIZE] [--seed N] [--aa LIST]\n\n"
           "Runs every configuration (strategy x start x feed x workers x chunk) R times, each\n"
           "as a fresh 'sharebench run' process, in R rounds: each round runs every\n"
           "configuration once, in a fresh random order drawn from the seed, so that machine\n"
           "drift spreads over all of them and two configurations compare round by round.\n"
           "Writes one CSV row per run (columns: round, position, seed, twin, exit_status,\n"
           "limit, then every key of the run summary) and prints the median, min and max per\n"
           "configuration. Every run over the same records must print the same checksum. The\n"
           "empty-model memory baseline is measured once per configuration. Warns on stderr\n"
           "about a configuration whose records/s spread by 10%% or more (coefficient of\n"
           "variation) or whose runs saw 5%% or more CPU steal.\n\n"
           "  --strategies LIST    comma-separated (default: all; see 'sharebench list');\n"
           "                       py:IDIOM[:MODEL] adds a Python idiom, never in 'all' (the\n"
           "                       record feed only, never --touch; --start exec means spawn)\n"
           "  --workers LIST       worker counts (default 1,2,4)\n"
           "  --feed LIST          ranges, records or records,ranges (default ranges): see\n"
           "                       'sharebench run --help'\n"
           "  --chunk LIST         records per task, record feed (default 256)\n"
           "  --range-bytes SIZE   bytes per task, range feed (default 1M)\n"
           "  --repeat R           rounds: runs per configuration (default 3)\n"
           "  --seed N             the seed of the rounds' random orders (default random;\n"
           "                       printed and kept in the results): the same seed and\n"
           "                       configurations give the same order\n"
           "  --aa LIST            run every configuration of these strategies twice per\n"
           "                       round, as twins a and b (an A/A pair: the noise floor)\n"
           "  --touch              classify writes visit counters (copy-on-write shows)\n"
           "  --touch-both         every configuration with and without --touch\n"
           "  --start LIST         how worker processes start: fork, exec or fork,exec\n"
           "                       (default fork); with exec, only the strategies that can\n"
           "                       run so (the others are listed as refused, not run; if\n"
           "                       none is left, a usage error); serial and threads start\n"
           "                       no processes and run once either way\n"
           "  --limit N            use only the first N records (every strategy)\n"
           "  --serialize-limit N  use only the first N records for per_task_serialize, which\n"
           "                       ships the whole model with every chunk; it is refused when it\n"
           "                       would ship more than %llu GiB\n"
           "  --sample-ms MS       memory sampling interval (default 20)\n"
           "  --timelines DIR      keep each run's memory timeline in DIR\n"
           "  --out FILE           the results CSV, put in place whole when every run is\n"
           "                       done\n\n"
           "SIGINT or SIGTERM stops the run in progress (and its workers) and compare: exit 130\n"
           "or 143, the rows so far kept in FILE.partial. A failed run's stderr is shown.\n"
           "Exit status: 0 success, 1 a run failed or runs disagree, 2 bad usage or unusable\n"
           "input.\n",
           SERIALIZE_BUDGET >> 30);
}

/* A seed nobody chose: from the kernel's random pool, else from the clock and the pid. */
static uint64_t fresh_seed(void)
{
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
        return seed;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
}

static int parse_u64_list(const char *flag, const char *value, uint64_t min, uint64_t max,
                          uint64_t *out, unsigned *n)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", value);
    *n = 0;
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        if (*n == MAX_LIST)
            return cli_usage_error("compare", "--%s: more than %d values", flag, MAX_LIST);
        if (cli_count("compare", flag, tok, min, max, &out[*n]) != 0)
            return EXIT_USAGE;
        (*n)++;
    }
    return *n ? 0 : cli_usage_error("compare", "--%s: empty list", flag);
}

static int parse_strategies(const char *value, const struct strategy **list, unsigned *n)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", value);
    *n = 0;
    struct error err;
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        const struct strategy *s = strategy_find(tok);
        if (s == NULL && (s = python_strategy_find(tok, &err)) == NULL &&
            python_idioms_not_started()) {
            fprintf(stderr, "sharebench compare: %s\n", err.msg);
            return EXIT_FAILURE_RUN;
        }
        if (s == NULL)
            return cli_usage_error("compare", "%s", err.msg);
        if (*n < MAX_LIST)
            list[(*n)++] = s;
    }
    return *n ? 0 : cli_usage_error("compare", "empty list of strategies");
}

static int parse_starts(const char *value, struct compare_args *a)
{
    char copy[64];
    snprintf(copy, sizeof copy, "%s", value);
    a->start_fork = a->start_exec = false;
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        if (strcmp(tok, "fork") == 0)
            a->start_fork = true;
        else if (strcmp(tok, "exec") == 0)
            a->start_exec = true;
        else
            return cli_usage_error("compare", "--start: '%s' is neither fork nor exec", tok);
    }
    return a->start_fork || a->start_exec ? 0 : cli_usage_error("compare", "--start: empty");
}

static int parse_feeds(const char *value, struct compare_args *a)
{
    char copy[64];
    snprintf(copy, sizeof copy, "%s", value);
    a->feed_records = a->feed_ranges = false;
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        if (strcmp(tok, "records") == 0)
            a->feed_records = true;
        else if (strcmp(tok, "ranges") == 0)
            a->feed_ranges = true;
        else
            return cli_usage_error("compare", "--feed: '%s' is neither records nor ranges", tok);
    }
    return a->feed_records || a->feed_ranges ? 0 : cli_usage_error("compare", "--feed: empty");
}

static int parse_compare_args(int argc, char **argv, struct compare_args *a)
{
    static const struct option longopts[] = {{"spec", required_argument, NULL, 's'},
                                             {"input", required_argument, NULL, 'i'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"strategies", required_argument, NULL, 'S'},
                                             {"workers", required_argument, NULL, 'w'},
                                             {"chunk", required_argument, NULL, 'c'},
                                             {"repeat", required_argument, NULL, 'r'},
                                             {"touch", no_argument, NULL, 't'},
                                             {"touch-both", no_argument, NULL, 'b'},
                                             {"limit", required_argument, NULL, 'l'},
                                             {"serialize-limit", required_argument, NULL, 'L'},
                                             {"sample-ms", required_argument, NULL, 'm'},
                                             {"timelines", required_argument, NULL, 'T'},
                                             {"start", required_argument, NULL, 'P'},
                                             {"feed", required_argument, NULL, 'f'},
                                             {"range-bytes", required_argument, NULL, 'R'},
                                             {"seed", required_argument, NULL, 'D'},
                                             {"aa", required_argument, NULL, 'A'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    *a = (struct compare_args){.repeat = 3,
                               .sample_ms = 20,
                               .workers = {1, 2, 4},
                               .nworkers = 3,
                               .chunks = {256},
                               .nchunks = 1,
                               .start_fork = true,
                               .feed_ranges = true,
                               .range_bytes = RANGE_BYTES_DEFAULT};
    for (const struct strategy *const *s = strategy_table; *s; s++)
        a->strategies[a->nstrategies++] = *s;
    int c;
    bool seed_given = false;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 's':
            a->spec = optarg;
            break;
        case 'i':
            a->input = optarg;
            break;
        case 'o':
            a->out = optarg;
            break;
        case 'T':
            a->timelines = optarg;
            break;
        case 't':
            a->touch = true;
            break;
        case 'b':
            a->touch_both = true;
            break;
        case 'S':
            rc = parse_strategies(optarg, a->strategies, &a->nstrategies);
            break;
        case 'A':
            rc = parse_strategies(optarg, a->aa, &a->naa);
            break;
        case 'D':
            rc = cli_count("compare", "seed", optarg, 0, UINT64_MAX, &a->seed);
            seed_given = true;
            break;
        case 'P':
            rc = parse_starts(optarg, a);
            break;
        case 'f':
            rc = parse_feeds(optarg, a);
            break;
        case 'R':
            rc = cli_size("compare", "range-bytes", optarg, 1, 1ull << 40, &a->range_bytes);
            break;
        case 'w':
            rc = parse_u64_list("workers", optarg, 1, POOL_WORKERS_MAX, a->workers, &a->nworkers);
            break;
        case 'c':
            rc = parse_u64_list("chunk", optarg, 1, POOL_CHUNK_MAX, a->chunks, &a->nchunks);
            break;
        case 'r':
            rc = cli_count("compare", "repeat", optarg, 1, 64, &a->repeat);
            break;
        case 'l':
            rc = cli_count("compare", "limit", optarg, 1, UINT64_MAX, &a->limit);
            break;
        case 'L':
            rc =
                cli_count("compare", "serialize-limit", optarg, 1, UINT64_MAX, &a->serialize_limit);
            break;
        case 'm':
            rc = cli_count("compare", "sample-ms", optarg, 1, 60000, &a->sample_ms);
            break;
        case 'h':
            compare_help();
            return -1;
        case ':':
            return cli_usage_error("compare", "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("compare", "unknown option '%s'", argv[optind - 1]);
        }
        if (rc != 0)
            return EXIT_USAGE;
    }
    if (optind < argc)
        return cli_usage_error("compare", "unexpected argument '%s'", argv[optind]);
    if (!a->spec || !a->input || !a->out)
        return cli_usage_error("compare", "--spec, --input and --out are required");
    if (outfile_same_file(a->out, a->input) || outfile_same_file(a->out, a->spec))
        return cli_usage_error("compare",
                               "--out %s is the same file as --%s %s: refused, it "
                               "would be destroyed",
                               a->out, outfile_same_file(a->out, a->input) ? "input" : "spec",
                               outfile_same_file(a->out, a->input) ? a->input : a->spec);
    if (a->touch && a->touch_both)
        return cli_usage_error("compare", "--touch and --touch-both exclude each other");
    if (!seed_given)
        a->seed = fresh_seed();
    return 0;
}

/* Whether the runs can create their timelines in dir (made if missing): a file is tried there
 * as each run will create its own, and the trial leaves nothing. A refusal (a link of another
 * user's on the way, a folder that is not writable) is said once, before any run, rather than
 * by every run of the matrix. */
static int check_timelines_dir(const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "sharebench compare: --timelines %s: %s\n", dir, strerror(errno));
        return EXIT_USAGE;
    }
    char trial[4096];
    snprintf(trial, sizeof trial, "%s/sharebench-compare-trial.csv", dir);
    struct outfile o;
    struct error err = {{0}};
    if (outfile_open(&o, trial, &err) != 0) {
        fprintf(stderr, "sharebench compare: --timelines %s: %s\n", dir, err.msg);
        return EXIT_USAGE;
    }
    outfile_discard(&o);
    return 0;
}

int cmd_compare(int argc, char **argv)
{
    struct compare_args a;
    int rc = parse_compare_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    static struct config configs[MAX_CONFIG];
    struct matrix m = {.args = &a, .configs = configs, .tty = isatty(STDERR_FILENO)};
    m.nconfigs = compare_build_configs(&a, configs);
    m.total = m.nconfigs * (unsigned)a.repeat;
    if (m.nconfigs == 0)
        return compare_refuse_nothing_to_run(&a);
    if ((rc = compare_check_inputs(&a, configs, m.nconfigs)) != 0)
        return rc;
    if (a.timelines && (rc = check_timelines_dir(a.timelines)) != 0)
        return rc;
    interrupt_install(); /* before anything exists that a signal could leave behind */
    if ((m.log_fd = compare_open_log()) < 0)
        return EXIT_FAILURE_RUN;
    struct outfile results;
    if ((rc = compare_open_results(&m, &results)) != 0) {
        close(m.log_fd);
        return rc;
    }
    compare_note_exec_refusals(&a);
    fprintf(stderr,
            "sharebench compare: %u configurations x %llu rounds = %u runs, in random orders "
            "from --seed %llu\n",
            m.nconfigs, (unsigned long long)a.repeat, m.total, (unsigned long long)a.seed);
    bool completed = compare_run_matrix(&m);
    close(m.log_fd);
    /* fflush and ferror first: a write that failed in the buffer (a full disk) is otherwise
     * dropped by fclose without a word, and the results would be committed short. */
    struct error err = {{0}};
    bool written = (fflush(m.csv) | ferror(m.csv) | fclose(m.csv)) == 0;
    if (!written)
        error_errno(&err, "%s: write failed", a.out);
    if (!completed) {
        char partial[4096];
        if (written && outfile_keep_partial(&results, partial, sizeof partial, &err) == 0) {
            fprintf(stderr,
                    "sharebench compare: interrupted by %s after %u of %u runs; the rows so far "
                    "are in %s\n",
                    strsignal(interrupt_signal()), m.finished, m.total, partial);
        } else {
            outfile_discard(&results);
            fprintf(stderr, "sharebench compare: interrupted by %s; the rows are lost: %s\n",
                    strsignal(interrupt_signal()), err.msg);
        }
        return 128 + interrupt_signal();
    }
    if (!written || outfile_commit(&results, &err) != 0) {
        outfile_discard(&results);
        fprintf(stderr, "sharebench compare: %s; no results written\n", err.msg);
        return EXIT_FAILURE_RUN;
    }
    compare_print_table(&m);
    compare_warn_noisy(&m);
    printf("\n%u runs in %.0f s; results in %s\n", m.total, now_seconds() - m.started, a.out);
    return m.failed ? EXIT_FAILURE_RUN : EXIT_OK;
}
