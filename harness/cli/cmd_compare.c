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
 * the file is written as <out>.partial and renamed when the matrix completes, so an
 * interrupted comparison keeps its rows and is never mistaken for a finished one. All runs
 * over the same records must agree on rows, rejected and checksum, or compare fails.
 * SIGINT or SIGTERM is passed on to the run in progress (selfspawn.h), which stops as an
 * interrupted run and ends its workers; compare then exits 130 or 143 and leaves only
 * <out>.partial. The runs' stderr goes to an unlinked file in $TMPDIR, shown when a run fails.
 */
#define _GNU_SOURCE /* O_TMPFILE, mkostemp */
#include "baseline.h"
#include "cli.h"
#include "image.h"
#include "interrupt.h"
#include "pool.h"
#include "python_run.h"
#include "run.h"
#include "selfspawn.h"
#include "summary.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_LIST   32
#define MAX_CONFIG 512
/* per_task_serialize ships the whole model per chunk: above this it is refused unless limited. */
#define SERIALIZE_BUDGET (4ull << 30)
/* compare warns about a configuration whose runs spread this much (coefficient of variation
 * of records/s), or that ran while the hypervisor took this share of the CPU: its figures are
 * not to be trusted. */
#define WARN_CV    0.10
#define WARN_STEAL 5.0

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
           "  --out FILE           the results CSV, written as FILE.partial and renamed when\n"
           "                       every run is done\n\n"
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
        if (s == NULL && (s = python_strategy_find(tok, &err)) == NULL)
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
    if (a->touch && a->touch_both)
        return cli_usage_error("compare", "--touch and --touch-both exclude each other");
    if (!seed_given)
        a->seed = fresh_seed();
    return 0;
}

/* Records in the input, estimated from its size and its first lines. */
static uint64_t estimate_records(const char *path)
{
    struct stat st;
    FILE *f = fopen(path, "rbe");
    if (f == NULL || fstat(fileno(f), &st) != 0) {
        if (f)
            fclose(f);
        return 0;
    }
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f), lines = 0;
    fclose(f);
    for (size_t i = 0; i < n; i++)
        lines += buf[i] == '\n';
    return lines ? (uint64_t)((double)st.st_size / ((double)n / (double)lines)) : 0;
}

/* A strategy that ships the model with every task: refuse what would take hours. */
static int check_serialize_budget(const struct compare_args *a, const struct config *c,
                                  const struct spec *spec, uint64_t records,
                                  double bytes_per_record)
{
    if (!c->strategy->model_per_task)
        return 0;
    uint64_t used = c->limit && c->limit < records ? c->limit : records;
    double tasks = c->feed == RUN_FEED_RANGES
                       ? ceil((double)used * bytes_per_record / (double)a->range_bytes)
                       : ceil((double)used / c->chunk);
    double shipped = tasks * (double)image_size_for_spec(spec);
    if (shipped <= (double)SERIALIZE_BUDGET)
        return 0;
    return cli_usage_error("compare",
                           "%s (%s feed) on about %llu records would ship "
                           "about %.0f GB (the whole %.0f MB model with every task); give "
                           "--serialize-limit N (or --limit N), e.g. --serialize-limit 20000",
                           c->strategy->name, run_feed_name(c->feed), (unsigned long long)used,
                           shipped / 1e9, (double)image_size_for_spec(spec) / 1e6);
}

/* Does this configuration exist? Serial has one (no workers, no feed, no chunks); chunks
 * belong to the record feed only; only strategies that can adopt an exec'd worker run with
 * exec. Serial and threads start no processes: they run once, in the fork pass if there is
 * one, else in the exec pass (where the start does not apply to them either). */
static bool config_exists(const struct compare_args *a, const struct strategy *st, bool exec,
                          enum run_feed feed, unsigned f, unsigned w, unsigned k)
{
    if (st->kind != STRATEGY_PROCESSES && exec && a->start_fork)
        return false;
    if (st->kind == STRATEGY_IN_PROCESS)
        return f == 0 && w == 0 && k == 0;
    if (feed == RUN_FEED_RANGES && k > 0)
        return false;
    return !exec || strategy_supports_exec(st);
}

static bool in_list(const struct strategy *const *list, unsigned n, const struct strategy *s)
{
    for (unsigned i = 0; i < n; i++)
        if (list[i] == s)
            return true;
    return false;
}

/* --aa: every configuration of the listed strategies becomes twin a, with a twin b beside it
 * (run separately, in its own place of each round's order). */
static unsigned add_twins(const struct compare_args *a, struct config *configs, unsigned n)
{
    unsigned total = n;
    for (unsigned i = 0; i < n && total < MAX_CONFIG; i++) {
        if (!in_list(a->aa, a->naa, configs[i].strategy))
            continue;
        configs[i].twin = 'a';
        configs[total] = configs[i];
        configs[total++].twin = 'b';
    }
    return total;
}

static unsigned build_configs(const struct compare_args *a, struct config *configs)
{
    enum run_feed feeds[2];
    unsigned nfeeds = 0, n = 0;
    if (a->feed_records)
        feeds[nfeeds++] = RUN_FEED_RECORDS;
    if (a->feed_ranges)
        feeds[nfeeds++] = RUN_FEED_RANGES;
    for (unsigned e = 0; e < 2; e++) {
        if (!(e ? a->start_exec : a->start_fork))
            continue;
        for (unsigned t = 0; t < (a->touch_both ? 2u : 1u); t++)
            for (unsigned s = 0; s < a->nstrategies; s++)
                for (unsigned f = 0; f < nfeeds; f++)
                    for (unsigned w = 0; w < a->nworkers; w++)
                        for (unsigned k = 0; k < a->nchunks && n < MAX_CONFIG; k++) {
                            const struct strategy *st = a->strategies[s];
                            if (!config_exists(a, st, e == 1, feeds[f], f, w, k) ||
                                !python_config_exists(st, f, a->touch_both ? t == 1 : a->touch))
                                continue;
                            bool slow = st->model_per_task;
                            bool serial = st->kind == STRATEGY_IN_PROCESS;
                            configs[n++] = (struct config){
                                .strategy = st,
                                .feed = serial ? RUN_FEED_AUTO : python_config_feed(st, feeds[f]),
                                .workers = (unsigned)a->workers[w],
                                .chunk = (unsigned)a->chunks[k],
                                .touch = a->touch_both ? t == 1 : a->touch,
                                .exec = e == 1,
                                .limit =
                                    slow && a->serialize_limit ? a->serialize_limit : a->limit};
                        }
    }
    return add_twins(a, configs, n);
}

/* What the summary's start says for this configuration (run_start_name). */
static const char *config_start(const struct config *c)
{
    struct run_options opt = {.strategy = c->strategy, .start_exec = c->exec};
    return run_start_name(&opt);
}

/* Say which strategies --start exec leaves out, and why, before anything runs. */
static void note_exec_refusals(const struct compare_args *a)
{
    if (!a->start_exec)
        return;
    for (unsigned s = 0; s < a->nstrategies; s++)
        if (!strategy_supports_exec(a->strategies[s]))
            fprintf(stderr, "sharebench compare: %s is not run with --start exec: %s\n",
                    a->strategies[s]->name,
                    a->strategies[s]->fork_only ? a->strategies[s]->fork_only : "it needs fork");
}

/* No configuration is left: --start exec alone, and only strategies that need fork. */
static int refuse_nothing_to_run(const struct compare_args *a)
{
    const struct strategy *first = NULL;
    char names[512] = "", why[1024];
    unsigned refused = 0;
    for (unsigned s = 0; s < a->nstrategies; s++) {
        if (strategy_supports_exec(a->strategies[s]))
            continue;
        first = first ? first : a->strategies[s];
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", a->strategies[s]->name);
        refused++;
    }
    if (first == NULL)
        return cli_usage_error("compare", "nothing to run");
    return cli_usage_error("compare",
                           "nothing to run: --start is exec alone, and %s need%s fork. %s", names,
                           refused > 1 ? "" : "s", strategy_exec_refusal(first, why, sizeof why));
}

/* The summary keys of `sharebench run`, in order: the results file's columns. */
static int summary_keys(const char **keys, int max)
{
    struct run_options opt = {.strategy = &strategy_serial, .baseline_mb = -1};
    struct run_stats stats = {0};
    struct summary sm = {0};
    run_summary(&opt, &stats, &sm);
    for (int i = 0; i < sm.n && i < max; i++)
        keys[i] = sm.item[i].key;
    return sm.n < max ? sm.n : max;
}

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

static double config_value(const char *out, const char *key)
{
    char v[64];
    return summary_lookup(out, key, v, sizeof v) == 0 ? strtod(v, NULL) : NAN;
}

static void write_row(struct matrix *m, const struct config *c, unsigned round, unsigned position,
                      int status, const char *out)
{
    fprintf(m->csv, "%u,%u,%llu,%s,%d,%llu", round, position, (unsigned long long)m->args->seed,
            c->twin == 'a'   ? "a"
            : c->twin == 'b' ? "b"
                             : "",
            status, (unsigned long long)c->limit);
    for (int k = 0; k < m->nkeys; k++) {
        char v[128] = "";
        if (summary_lookup(out, m->keys[k], v, sizeof v) != 0) {
            /* a failed run: say which configuration, leave its figures empty */
            if (strcmp(m->keys[k], "strategy") == 0)
                snprintf(v, sizeof v, "%s", c->strategy->name);
            else if (strcmp(m->keys[k], "workers") == 0)
                snprintf(v, sizeof v, "%u", c->workers);
            else if (strcmp(m->keys[k], "chunk") == 0)
                snprintf(v, sizeof v, "%u", c->chunk);
            else if (strcmp(m->keys[k], "touch") == 0)
                snprintf(v, sizeof v, "%d", c->touch);
            else if (strcmp(m->keys[k], "start") == 0)
                snprintf(v, sizeof v, "%s", config_start(c));
            else if (strcmp(m->keys[k], "feed") == 0)
                snprintf(v, sizeof v, "%s", run_feed_name(c->feed));
        }
        fprintf(m->csv, ",%s", v);
    }
    fputc('\n', m->csv);
    fflush(m->csv);
}

/* Runs over the same records must agree; the first run of each limit sets the answer. */
static void check_answer(struct matrix *m, struct config *c, const char *out)
{
    char sum[32], rows[32], rej[32];
    if (summary_lookup(out, "checksum", sum, sizeof sum) ||
        summary_lookup(out, "rows", rows, sizeof rows) ||
        summary_lookup(out, "rejected", rej, sizeof rej))
        return;
    for (unsigned i = 0; i < m->nconfigs; i++) {
        const struct config *o = &m->configs[i];
        if (o->done == 0 || o->limit != c->limit || o->checksum[0] == '\0')
            continue;
        if (strcmp(o->checksum, sum) || strcmp(o->rows, rows) || strcmp(o->rejected, rej)) {
            fprintf(stderr,
                    "\nsharebench compare: WRONG ANSWER: %s feed=%s workers=%u chunk=%u gave "
                    "rows=%s rejected=%s checksum=%s, %s gave rows=%s rejected=%s checksum=%s\n",
                    c->strategy->name, run_feed_name(c->feed), c->workers, c->chunk, rows, rej, sum,
                    o->strategy->name, o->rows, o->rejected, o->checksum);
            m->failed = true;
        }
        break;
    }
    snprintf(c->checksum, sizeof c->checksum, "%s", sum);
    snprintf(c->rows, sizeof c->rows, "%s", rows);
    snprintf(c->rejected, sizeof c->rejected, "%s", rej);
}

static void report_progress(struct matrix *m, const struct config *c, unsigned repeat,
                            const char *out, int status)
{
    double elapsed = now_seconds() - m->started;
    double eta = m->finished ? elapsed / m->finished * (m->total - m->finished) : 0;
    if (m->tty)
        fprintf(stderr,
                "\r[%u/%u] %-18s %s %-7s workers=%-3u chunk=%-5u%s round %u/%llu  %4.0f s, "
                "about %4.0f s to go   ",
                m->finished, m->total, c->strategy->name, c->exec ? "exec" : "fork",
                run_feed_name(c->feed), c->workers, c->chunk, c->touch ? " touch" : "", repeat,
                (unsigned long long)m->args->repeat, elapsed, eta);
    else
        fprintf(stderr,
                "[%u/%u] %s start=%s feed=%s workers=%u chunk=%u touch=%d round=%u: exit %d, "
                "rows_per_s=%.0f model_copies=%.2f\n",
                m->finished, m->total, c->strategy->name, c->exec ? "exec" : "fork",
                run_feed_name(c->feed), c->workers, c->chunk, c->touch, repeat, status,
                config_value(out, "rows_per_s"), config_value(out, "model_copies"));
}

/* A new, empty log for the next run. */
static int log_rewind(int fd, struct error *err)
{
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        return error_errno(err, "the runs' log");
    return 0;
}

/* The last 4 KiB of a failed run's stderr, indented under the message that names the run. */
static void log_show(int fd)
{
    char text[4096];
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof text - 1 ? end - (off_t)(sizeof text - 1) : 0;
    ssize_t n = end > 0 ? pread(fd, text, sizeof text - 1, from) : 0;
    text[n > 0 ? n : 0] = '\0';
    for (char *line = text, *eol; *line; line = *eol ? eol + 1 : eol) {
        eol = line + strcspn(line, "\n");
        fprintf(stderr, "    %.*s\n", (int)(eol - line), line);
    }
}

static void run_one(struct matrix *m, struct config *c, unsigned repeat, unsigned position)
{
    const struct compare_args *a = m->args;
    char workers[16], chunk[16], limit[32], sample[16], baseline[32], timeline[1024],
        range_bytes[32];
    snprintf(range_bytes, sizeof range_bytes, "%llu", (unsigned long long)a->range_bytes);
    snprintf(workers, sizeof workers, "%u", c->workers);
    snprintf(chunk, sizeof chunk, "%u", c->chunk);
    snprintf(limit, sizeof limit, "%llu", (unsigned long long)c->limit);
    snprintf(sample, sizeof sample, "%llu", (unsigned long long)a->sample_ms);
    snprintf(baseline, sizeof baseline, "%.6f", c->baseline_mb);
    char *argv[32] = {"sharebench",  "run",
                      "--spec",      (char *)a->spec,
                      "--input",     (char *)a->input,
                      "--strategy",  (char *)c->strategy->name,
                      "--workers",   workers,
                      "--chunk",     chunk,
                      "--sample-ms", sample};
    int n = 14;
    if (c->feed != RUN_FEED_AUTO) {
        argv[n++] = "--feed";
        argv[n++] = (char *)run_feed_name(c->feed);
        argv[n++] = "--range-bytes";
        argv[n++] = range_bytes;
    }
    if (c->baseline_mb >= 0) {
        argv[n++] = "--baseline-mb";
        argv[n++] = baseline;
    } else {
        argv[n++] = "--no-baseline";
    }
    if (c->limit) {
        argv[n++] = "--limit";
        argv[n++] = limit;
    }
    if (c->touch)
        argv[n++] = "--touch";
    if (c->exec) {
        argv[n++] = "--start";
        argv[n++] = "exec";
    }
    if (a->timelines) {
        snprintf(timeline, sizeof timeline, "%s/%s-%s-w%u-c%u-t%d-r%u%s%s%.1s.csv", a->timelines,
                 c->strategy->name, run_feed_name(c->feed), c->workers, c->chunk, c->touch, repeat,
                 c->exec ? "-exec" : "", c->twin ? "-" : "", &c->twin);
        argv[n++] = "--timeline";
        argv[n++] = timeline;
    }
    argv[n] = NULL;
    static char out[16384];
    struct error err;
    int status = log_rewind(m->log_fd, &err);
    if (status == 0)
        status = spawn_capture_fd(NULL, argv, out, sizeof out, m->log_fd, &err);
    if (status < 0) {
        fprintf(stderr, "\nsharebench compare: %s\n", err.msg);
        out[0] = '\0';
    }
    if (status != 0 && interrupt_signal())
        return; /* stopped by the signal: not a measurement, not a failure */
    m->finished++;
    write_row(m, c, repeat, position, status, out);
    if (status != 0) {
        m->failed = true;
        fprintf(stderr,
                "\nsharebench compare: %s feed=%s workers=%u chunk=%u failed (exit %d); its "
                "stderr:\n",
                c->strategy->name, run_feed_name(c->feed), c->workers, c->chunk, status);
        log_show(m->log_fd);
    } else {
        unsigned i = c->done;
        c->rows_per_s[i] = config_value(out, "rows_per_s");
        c->pss_mb[i] = config_value(out, "pss_peak_mb");
        c->copies[i] = config_value(out, "model_copies");
        c->setup_s[i] = config_value(out, "setup_seconds");
        double steal = config_value(out, "steal_pct");
        if (steal > c->steal_max)
            c->steal_max = steal;
        check_answer(m, c, out);
        c->done++;
    }
    report_progress(m, c, repeat, out, status);
}

static int by_value(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Median, min and max of n values (NaNs left out). */
static void spread(const double *v, unsigned n, double *med, double *min, double *max)
{
    double s[64];
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++)
        if (!isnan(v[i]))
            s[k++] = v[i];
    if (k == 0) {
        *med = *min = *max = NAN;
        return;
    }
    qsort(s, k, sizeof *s, by_value);
    *med = k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
    *min = s[0];
    *max = s[k - 1];
}

static void print_table(const struct matrix *m)
{
    printf("\n%-18s %6s %7s %7s %6s %5s %25s %10s %20s %8s\n", "strategy", "start", "feed",
           "workers", "chunk", "touch", "rows/s median [min-max]", "pss MB", "model copies",
           "setup s");
    for (unsigned i = 0; i < m->nconfigs; i++) {
        const struct config *c = &m->configs[i];
        double r, rmin, rmax, p, pmin, pmax, k, kmin, kmax, s, smin, smax;
        spread(c->rows_per_s, c->done, &r, &rmin, &rmax);
        spread(c->pss_mb, c->done, &p, &pmin, &pmax);
        spread(c->copies, c->done, &k, &kmin, &kmax);
        spread(c->setup_s, c->done, &s, &smin, &smax);
        bool serial = c->strategy->kind == STRATEGY_IN_PROCESS;
        char name[64];
        snprintf(name, sizeof name, "%s%s%.1s%s", c->strategy->name, c->twin ? " (" : "", &c->twin,
                 c->twin ? ")" : "");
        printf("%-18s %6s %7s %7u %6u %5s %9.0f [%6.0f-%6.0f] %10.1f %6.2f [%5.2f-%5.2f] %8.3f%s\n",
               name, config_start(c), run_feed_name(c->feed), serial ? 0 : c->workers,
               serial || c->feed == RUN_FEED_RANGES ? 0 : c->chunk, c->touch ? "yes" : "no", r,
               rmin, rmax, p, k, kmin, kmax, s, c->limit ? " (limited)" : "");
    }
}

/* Name the configurations whose figures a reader should not trust, and why. */
static void warn_noisy(const struct matrix *m)
{
    for (unsigned i = 0; i < m->nconfigs; i++) {
        const struct config *c = &m->configs[i];
        double sum = 0, sq = 0;
        unsigned n = 0;
        for (unsigned k = 0; k < c->done; k++)
            if (!isnan(c->rows_per_s[k])) {
                sum += c->rows_per_s[k];
                n++;
            }
        double mean = n ? sum / n : NAN;
        for (unsigned k = 0; k < c->done; k++)
            if (!isnan(c->rows_per_s[k]))
                sq += (c->rows_per_s[k] - mean) * (c->rows_per_s[k] - mean);
        double cv = n > 1 && mean > 0 ? sqrt(sq / (n - 1)) / mean : 0;
        if (cv >= WARN_CV || c->steal_max >= WARN_STEAL)
            fprintf(stderr,
                    "sharebench compare: warning: %s%s%.1s feed=%s workers=%u chunk=%u: records/s "
                    "vary by %.0f%% (coefficient of variation), CPU steal up to %.1f%%: noisy, "
                    "do not trust its figures\n",
                    c->strategy->name, c->twin ? " twin " : "", &c->twin, run_feed_name(c->feed),
                    c->strategy->kind == STRATEGY_IN_PROCESS ? 0 : c->workers,
                    c->feed == RUN_FEED_RECORDS ? c->chunk : 0, cv * 100, c->steal_max);
    }
}

static void measure_baselines(struct matrix *m)
{
    const struct compare_args *a = m->args;
    for (unsigned i = 0; i < m->nconfigs && !interrupt_signal(); i++) {
        struct config *c = &m->configs[i];
        struct run_options opt = {.spec_path = a->spec,
                                  .input_path = a->input,
                                  .strategy = c->strategy,
                                  .workers = c->workers,
                                  .chunk = c->chunk,
                                  .feed = c->feed,
                                  .range_bytes = a->range_bytes,
                                  .touch = c->touch,
                                  .start_exec = c->exec,
                                  .sample_ms = (unsigned)a->sample_ms,
                                  .limit = c->limit};
        if (m->tty)
            fprintf(stderr, "\rmeasuring empty-model baselines %u/%u   ", i + 1, m->nconfigs);
        struct error err;
        c->baseline_mb = baseline_measure(&opt, &err);
        if (c->baseline_mb < 0 && !interrupt_signal())
            fprintf(stderr, "\nsharebench compare: %s: %s (model_copies will be nan)\n",
                    c->strategy->name, err.msg);
    }
    if (m->tty)
        fputc('\n', stderr);
}

/* Check everything that can be checked before hours of runs start. */
static int check_inputs(const struct compare_args *a, struct config *configs, unsigned n)
{
    struct spec spec;
    struct error err;
    if (spec_load(a->spec, &spec, &err) != 0) {
        fprintf(stderr, "sharebench compare: %s\n", err.msg);
        return EXIT_USAGE;
    }
    int rc = 0;
    struct run_options opt = {
        .spec_path = a->spec, .input_path = a->input, .field_limit = FIELD_LIMIT_DEFAULT};
    if (run_check_inputs(&opt, &err) != 0) {
        fprintf(stderr, "sharebench compare: %s\n", err.msg);
        rc = EXIT_USAGE;
    }
    uint64_t records = rc ? 0 : estimate_records(a->input);
    struct stat st;
    double bytes_per_record =
        records && stat(a->input, &st) == 0 ? (double)st.st_size / (double)records : 0;
    for (unsigned i = 0; i < n && rc == 0; i++)
        rc = check_serialize_budget(a, &configs[i], &spec, records, bytes_per_record);
    spec_free(&spec);
    return rc;
}

static int open_results(struct matrix *m, char *partial, size_t cap)
{
    snprintf(partial, cap, "%s.partial", m->args->out);
    m->csv = fopen(partial, "we");
    if (m->csv == NULL) {
        fprintf(stderr, "sharebench compare: %s: cannot create: %s\n", partial, strerror(errno));
        return EXIT_USAGE;
    }
    m->nkeys = summary_keys(m->keys, SUMMARY_MAX_KEYS);
    m->nkeys += python_summary_keys(m->args->strategies, m->args->nstrategies, m->keys + m->nkeys,
                                    SUMMARY_MAX_KEYS - m->nkeys);
    fprintf(m->csv, "round,position,seed,twin,exit_status,limit");
    for (int k = 0; k < m->nkeys; k++)
        fprintf(m->csv, ",%s", m->keys[k]);
    fputc('\n', m->csv);
    return 0;
}

/* The runs' stderr goes to one file in $TMPDIR (else /tmp), without a name from the start
 * (O_TMPFILE) or unlinked as soon as it is made: nothing is left behind, however compare
 * ends. Returns the descriptor, or -1 with the reason printed. */
static int open_log(void)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) { /* a filesystem without O_TMPFILE: a name, for an instant */
        char path[4096];
        snprintf(path, sizeof path, "%s/sharebench-compare-XXXXXX", dir);
        fd = mkostemp(path, O_CLOEXEC);
        if (fd >= 0)
            unlink(path);
    }
    if (fd < 0)
        fprintf(stderr, "sharebench compare: cannot create the runs' log in %s: %s\n", dir,
                strerror(errno));
    return fd;
}

/* splitmix64: a small generator whose whole state is one number, so that a seed written in
 * the results reproduces every round's order. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A uniform number below bound (rejection: no bias toward small values). */
static unsigned random_below(uint64_t *state, unsigned bound)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound, v;
    do
        v = next_random(state);
    while (v >= limit);
    return (unsigned)(v % bound);
}

/* order[0..n) becomes a uniform random permutation of 0..n-1 (Fisher-Yates). */
static void shuffle(unsigned *order, unsigned n, uint64_t *state)
{
    for (unsigned i = 0; i < n; i++)
        order[i] = i;
    for (unsigned i = n; i > 1; i--) {
        unsigned j = random_below(state, i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

/* Run the matrix in rounds, each in its own random order; false if a signal stopped it. */
static bool run_matrix(struct matrix *m)
{
    measure_baselines(m);
    m->started = now_seconds();
    uint64_t state = m->args->seed;
    static unsigned order[MAX_CONFIG];
    for (unsigned r = 1; r <= m->args->repeat; r++) {
        shuffle(order, m->nconfigs, &state);
        for (unsigned p = 0; p < m->nconfigs && !interrupt_signal(); p++)
            run_one(m, &m->configs[order[p]], r, p + 1);
    }
    if (m->tty)
        fputc('\n', stderr);
    return !interrupt_signal();
}

int cmd_compare(int argc, char **argv)
{
    struct compare_args a;
    int rc = parse_compare_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    static struct config configs[MAX_CONFIG];
    struct matrix m = {.args = &a, .configs = configs, .tty = isatty(STDERR_FILENO)};
    m.nconfigs = build_configs(&a, configs);
    m.total = m.nconfigs * (unsigned)a.repeat;
    if (m.nconfigs == 0)
        return refuse_nothing_to_run(&a);
    if ((rc = check_inputs(&a, configs, m.nconfigs)) != 0)
        return rc;
    if (a.timelines && mkdir(a.timelines, 0755) != 0 && access(a.timelines, W_OK) != 0) {
        fprintf(stderr, "sharebench compare: --timelines %s: %s\n", a.timelines, strerror(errno));
        return EXIT_USAGE;
    }
    interrupt_install(); /* before anything exists that a signal could leave behind */
    if ((m.log_fd = open_log()) < 0)
        return EXIT_FAILURE_RUN;
    char partial[4096];
    if ((rc = open_results(&m, partial, sizeof partial)) != 0) {
        close(m.log_fd);
        return rc;
    }
    note_exec_refusals(&a);
    fprintf(stderr,
            "sharebench compare: %u configurations x %llu rounds = %u runs, in random orders "
            "from --seed %llu\n",
            m.nconfigs, (unsigned long long)a.repeat, m.total, (unsigned long long)a.seed);
    bool completed = run_matrix(&m);
    close(m.log_fd);
    if (!completed) {
        if (fclose(m.csv) != 0)
            fprintf(stderr, "sharebench compare: %s: %s\n", partial, strerror(errno));
        fprintf(stderr,
                "sharebench compare: interrupted by %s after %u of %u runs; the rows so far "
                "are in %s\n",
                strsignal(interrupt_signal()), m.finished, m.total, partial);
        return 128 + interrupt_signal();
    }
    if (fclose(m.csv) != 0 || rename(partial, a.out) != 0) {
        fprintf(stderr, "sharebench compare: %s: %s\n", a.out, strerror(errno));
        return EXIT_FAILURE_RUN;
    }
    print_table(&m);
    warn_noisy(&m);
    printf("\n%u runs in %.0f s; results in %s\n", m.total, now_seconds() - m.started, a.out);
    return m.failed ? EXIT_FAILURE_RUN : EXIT_OK;
}
