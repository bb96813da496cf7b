/* cmd_run.c - `sharebench run`: classify a records file with one strategy. */
#include "baseline.h"
#include "cli.h"
#include "interrupt.h"
#include "noise.h"
#include "pool.h"
#include "python_run.h"
#include "records.h"
#include "run.h"
#include "sink.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_DEFAULT 256

static long online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

static void run_help(void)
{
    printf("usage: sharebench run --spec FILE --input FILE [--strategy NAME] [--output FILE]\n"
           "                      [--workers N] [--feed records|ranges] [--chunk C]\n"
           "                      [--range-bytes SIZE] [--json] [--limit N]\n"
           "                      [--field-limit SIZE] [--touch] [--sample-ms MS]\n"
           "                      [--timeline FILE] [--baseline-mb MB | --no-baseline]\n"
           "                      [--start fork|exec|spawn|forkserver] [--scratch-dir DIR]\n"
           "                      [--task-timeout SECONDS]\n\n"
           "Builds the model the spec describes, classifies every record of the input with the\n"
           "strategy, and prints as its last line a summary: strategy= workers= rows= rejected=\n"
           "checksum= seconds= rows_per_s= ... (rows counts results; checksum is the\n"
           "order-independent sum of docs/WORKLOAD.md section 5). Rejected records are\n"
           "reported on stderr as FILE:LINE: reason (the first %d, then a count).\n\n"
           "  --spec FILE         model spec\n"
           "  --input FILE        records file; '-' for standard input\n"
           "  --strategy NAME     how workers reach the model (default serial; see 'list');\n"
           "                      py:IDIOM[:objects|lists|numpy] runs a Python idiom of\n"
           "                      strategies/python (the harness samples its whole process\n"
           "                      group; the record feed; no --touch)\n"
           "  --workers N         worker processes or threads (default: online CPUs, %ld)\n"
           "  --feed ranges|records  how records reach the workers. ranges (the default for a\n"
           "                      regular file): the parent only cuts the file into byte ranges\n"
           "                      on record boundaries and each worker reads and parses its\n"
           "                      own; records (the default for a pipe or '-'): the parent\n"
           "                      parses every record and ships chunks of them (Python's Pool)\n"
           "  --range-bytes SIZE  bytes per range, about (ranges feed; default 1M)\n"
           "  --chunk C           records per task (records feed; default %d)\n"
           "  --output FILE       also write every result line (id,class,score) to FILE, put\n"
           "                      in place when the run completes (a run interrupted or with\n"
           "                      failed records keeps them in FILE.partial); a device, FIFO\n"
           "                      or /dev/stdout is written directly\n"
           "  --json              print the summary as one JSON object\n"
           "  --limit N           process only the first N records\n"
           "  --field-limit SIZE  reject records with a field over SIZE bytes (default 1M)\n"
           "  --touch             classify writes a visit counter to every model entry it\n"
           "                      reads, as CPython's reference counts do\n"
           "  --sample-ms MS      memory sampling interval (default 20; 0: no sampling); on\n"
           "                      long runs it grows to 1/50 of the time elapsed, and the\n"
           "                      sampler keeps its CPU under 2%% of one core for a C strategy\n"
           "                      (and samples once resident memory reaches a new high)\n"
           "  --timeline FILE     write the memory timeline (t_s, total and per-process PSS)\n"
           "  --baseline-mb MB    summed PSS of this configuration with an empty model, for\n"
           "                      model_copies; by default it is measured by a short run of\n"
           "                      the same configuration with a one-token model\n"
           "  --no-baseline       do not measure it (model_copies is then nan)\n"
           "  --start fork|exec   how worker processes start (default fork): exec runs each\n"
           "                      worker as a fresh 'sharebench worker' process that inherits\n"
           "                      nothing but arguments, environment and descriptors (Python's\n"
           "                      spawn); strategies that need fork refuse it and say why.\n"
           "                      py: strategies take Python's start methods: fork, spawn\n"
           "                      (also what exec means for them) and forkserver\n"
           "  --scratch-dir DIR   where strategies may write files (mapped_file's image);\n"
           "                      default $TMPDIR, else /tmp\n"
           "  --task-timeout SECONDS  a worker process that holds one task longer than this\n"
           "                      (stopped, stuck) is killed and replaced, and its tasks sent\n"
           "                      again (default %d; 0: wait for ever; threads: not applied).\n"
           "                      py: strategies: the Python run is stopped (exit 1) when no\n"
           "                      result came back for SECONDS, or at once when a process of\n"
           "                      it dies: Python's Pool waits for ever for a lost task\n\n"
           "Setup: setup_seconds = build_s + prepare_s + ready_s (until every worker is set\n"
           "up: its fork or exec, and its own attach, a per-worker build included).\n"
           "Memory: pss_peak_mb is the peak of PSS summed over the parent and its workers;\n"
           "model_copies = (pss_peak_mb - baseline_mb) / model_mb.\n"
           "CPU: parent_cpu_s is the parent's own CPU while streaming (planning or parsing,\n"
           "shipping, collecting; not the model build, which is build_s, nor the memory\n"
           "sampler's thread, which is sampler_cpu_s); worker_cpu_s is the workers' whole\n"
           "lives; cpu_us_per_record = (parent_cpu_s + worker_cpu_s) / records read.\n"
           "Speed: rows_per_s = rows / seconds (from the workers' start to the last result);\n"
           "stream_rows_per_s leaves out the workers' own setup (from every worker ready);\n"
           "e2e_rows_per_s counts everything from the start of the model build.\n"
           "Noise: load_avg_1m when the run began, steal_pct (CPU time the hypervisor gave\n"
           "to other machines, over the run), nivcsw_parent and nivcsw_workers (involuntary\n"
           "context switches: the scheduler took the CPU away).\n\n"
           "Exit status: 0 success (rejected records included), 1 the run failed,\n"
           "2 bad usage or unusable input (spec or records file, an output file that cannot\n"
           "be created), 130/143 interrupted by SIGINT/SIGTERM.\n",
           REJECTIONS_SHOWN, online_cpus(), CHUNK_DEFAULT, TASK_TIMEOUT_DEFAULT);
}

struct run_args {
    struct run_options opt;
    bool json;
    bool no_baseline;
};

/* An output that is one of the run's inputs (or the other output) would destroy it: refused
 * before any work, the files compared by identity, not by name. */
static int refuse_output_over_input(const struct run_options *opt)
{
    const struct {
        const char *out_flag, *out, *in_flag, *in;
    } pairs[] = {
        {"--output", opt->output_path, "--input", opt->input_path},
        {"--output", opt->output_path, "--spec", opt->spec_path},
        {"--timeline", opt->timeline_path, "--input", opt->input_path},
        {"--timeline", opt->timeline_path, "--spec", opt->spec_path},
        {"--timeline", opt->timeline_path, "--output", opt->output_path},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (outfile_same_file(pairs[i].out, pairs[i].in))
            return cli_usage_error("run",
                                   "%s %s is the same file as %s %s: refused, it would be "
                                   "destroyed",
                                   pairs[i].out_flag, pairs[i].out, pairs[i].in_flag, pairs[i].in);
    return 0;
}

static int parse_run_args(int argc, char **argv, struct run_args *a)
{
    static const struct option longopts[] = {{"spec", required_argument, NULL, 's'},
                                             {"input", required_argument, NULL, 'i'},
                                             {"strategy", required_argument, NULL, 'S'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"limit", required_argument, NULL, 'l'},
                                             {"field-limit", required_argument, NULL, 'F'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"workers", required_argument, NULL, 'w'},
                                             {"chunk", required_argument, NULL, 'c'},
                                             {"touch", no_argument, NULL, 't'},
                                             {"sample-ms", required_argument, NULL, 'm'},
                                             {"timeline", required_argument, NULL, 'T'},
                                             {"baseline-mb", required_argument, NULL, 'B'},
                                             {"no-baseline", no_argument, NULL, 'N'},
                                             {"start", required_argument, NULL, 'P'},
                                             {"scratch-dir", required_argument, NULL, 'D'},
                                             {"feed", required_argument, NULL, 'f'},
                                             {"range-bytes", required_argument, NULL, 'R'},
                                             {"task-timeout", required_argument, NULL, 'O'},
                                             {NULL, 0, NULL, 0}};
    *a = (struct run_args){.opt = {.field_limit = FIELD_LIMIT_DEFAULT,
                                   .strategy = &strategy_serial,
                                   .workers = (unsigned)online_cpus(),
                                   .chunk = CHUNK_DEFAULT,
                                   .range_bytes = RANGE_BYTES_DEFAULT,
                                   .sample_ms = 20,
                                   .task_timeout = TASK_TIMEOUT_DEFAULT,
                                   .progress = isatty(STDERR_FILENO),
                                   .baseline_mb = -1}};
    struct error err;
    uint64_t v;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            a->opt.spec_path = optarg;
            break;
        case 'i':
            a->opt.input_path = optarg;
            break;
        case 'o':
            if (strcmp(optarg, "-") == 0)
                return cli_usage_error("run", "--output -: standard output carries the summary "
                                              "line; give the results a file");
            a->opt.output_path = optarg;
            break;
        case 'j':
            a->json = true;
            break;
        case 'S':
            a->opt.strategy = strategy_find(optarg);
            if (a->opt.strategy == NULL)
                a->opt.strategy = python_strategy_find(optarg, &err);
            if (a->opt.strategy == NULL && python_idioms_not_started()) {
                fprintf(stderr, "sharebench run: %s\n", err.msg);
                return EXIT_FAILURE_RUN;
            }
            if (a->opt.strategy == NULL)
                return cli_usage_error("run", "%s", err.msg);
            break;
        case 'l':
            if (cli_count("run", "limit", optarg, 1, UINT64_MAX, &a->opt.limit) != 0)
                return EXIT_USAGE;
            break;
        case 'F':
            if (cli_size("run", "field-limit", optarg, FIELD_LIMIT_MIN, 1ull << 30, &v) != 0)
                return EXIT_USAGE;
            a->opt.field_limit = (size_t)v;
            break;
        case 'w':
            if (cli_count("run", "workers", optarg, 1, POOL_WORKERS_MAX, &v) != 0)
                return EXIT_USAGE;
            a->opt.workers = (unsigned)v;
            break;
        case 'c':
            if (cli_count("run", "chunk", optarg, 1, POOL_CHUNK_MAX, &v) != 0)
                return EXIT_USAGE;
            a->opt.chunk = (unsigned)v;
            break;
        case 't':
            a->opt.touch = true;
            break;
        case 'N':
            a->no_baseline = true;
            break;
        case 'T':
            a->opt.timeline_path = optarg;
            break;
        case 'P': {
            bool python_start = strcmp(optarg, "spawn") == 0 || strcmp(optarg, "forkserver") == 0;
            if (strcmp(optarg, "fork") != 0 && strcmp(optarg, "exec") != 0 && !python_start)
                return cli_usage_error(
                    "run", "--start: '%s' is not fork, exec, spawn or forkserver", optarg);
            a->opt.start_exec = strcmp(optarg, "exec") == 0;
            a->opt.start_method = python_start ? optarg : NULL;
            break;
        }
        case 'D':
            a->opt.scratch_dir = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "records") != 0 && strcmp(optarg, "ranges") != 0)
                return cli_usage_error("run", "--feed: '%s' is neither records nor ranges", optarg);
            a->opt.feed = strcmp(optarg, "ranges") == 0 ? RUN_FEED_RANGES : RUN_FEED_RECORDS;
            break;
        case 'R':
            if (cli_size("run", "range-bytes", optarg, 1, 1ull << 40, &a->opt.range_bytes) != 0)
                return EXIT_USAGE;
            break;
        case 'O':
            if (cli_count("run", "task-timeout", optarg, 0, 86400, &v) != 0)
                return EXIT_USAGE;
            a->opt.task_timeout = (unsigned)v;
            break;
        case 'm':
            if (cli_count("run", "sample-ms", optarg, 0, 60000, &v) != 0)
                return EXIT_USAGE;
            a->opt.sample_ms = (unsigned)v;
            break;
        case 'B': {
            char *end;
            a->opt.baseline_mb = strtod(optarg, &end);
            if (*optarg == '\0' || *end != '\0' || !(a->opt.baseline_mb >= 0) ||
                !isfinite(a->opt.baseline_mb))
                return cli_usage_error("run", "--baseline-mb: '%s' is not a size in MB", optarg);
            break;
        }
        case 'h':
            run_help();
            return -1;
        case ':':
            return cli_usage_error("run", "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
    if (a->opt.spec_path == NULL || a->opt.input_path == NULL)
        return cli_usage_error("run", "--spec and --input are required");
    if (refuse_output_over_input(&a->opt) != 0)
        return EXIT_USAGE;
    if (a->opt.start_method && !python_strategy_is(a->opt.strategy))
        return cli_usage_error("run",
                               "--start %s is a Python start method: only py: strategies take it "
                               "(C workers start by fork or exec)",
                               a->opt.start_method);
    return 0;
}

/* How the baseline was measured, when not on the input itself, or why it was not. */
static void report_baseline(const struct run_options *opt, const struct error *why)
{
    const char *stream = baseline_stream_kind(opt->input_path);
    if (opt->baseline_mb < 0)
        fprintf(stderr, "sharebench run: no baseline, model_copies will be nan: %s\n", why->msg);
    else if (stream)
        fprintf(stderr,
                "sharebench run: note: the input is %s, which only the run itself can read: "
                "baseline_mb was measured on %llu generated records\n",
                stream, (unsigned long long)baseline_records(opt));
}

/* Where the results of a run that stopped early are: "; results so far in FILE.partial". */
static const char *results_note(const struct run_options *opt, const struct run_stats *stats,
                                const struct error *err)
{
    static char note[sizeof stats->results_path + sizeof err->msg + 64];
    if (opt->output_path == NULL || (stats->results_path[0] == '\0' && err->msg[0] == '\0'))
        return ""; /* stopped before the results file was opened */
    if (stats->results_path[0])
        snprintf(note, sizeof note, "; results so far in %s", stats->results_path);
    else
        snprintf(note, sizeof note, "; results so far not kept: %s", err->msg);
    return note;
}

/* An interrupted run that had no result yet (stopped while building its model, say) keeps
 * no FILE.partial holding only the header: there is nothing in it to keep. */
static void drop_empty_partial(struct run_stats *stats)
{
    size_t n = strlen(stats->results_path), suffix = strlen(".partial");
    if (stats->rows + stats->rejected != 0 || n <= suffix ||
        strcmp(stats->results_path + n - suffix, ".partial") != 0)
        return;
    if (unlink(stats->results_path) == 0)
        stats->results_path[0] = '\0';
}

/* A model smaller than the baseline's noise gives a negative model_copies: said, not left
 * for the reader to puzzle over. */
static void note_negative_copies(const struct run_options *opt, const struct run_stats *stats)
{
    double copies = run_model_copies(opt, stats);
    if (copies < 0)
        fprintf(stderr,
                "sharebench run: note: model_copies is negative (%.2f): the model (%.2f MB) is "
                "smaller than the baseline's run-to-run noise, so the figure measures nothing "
                "here; use a larger spec\n",
                copies, (double)stats->model_bytes / 1e6);
}

int cmd_run(int argc, char **argv)
{
    struct run_args a;
    int rc = parse_run_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    struct error err = {{0}};
    bool python = python_strategy_is(a.opt.strategy);
    int refused = python ? python_check_options(&a.opt, &err) : run_check_options(&a.opt, &err);
    if (refused != 0 || run_check_inputs(&a.opt, &err) != 0) {
        fprintf(stderr, "sharebench run: %s\n", err.msg);
        return EXIT_USAGE;
    }
    interrupt_install();
    noise_start();
    /* Said after the run, and only if it succeeds: a bad input or spec fails the baseline
     * too, and then the run's own message is the one that matters. */
    struct error baseline_err = {.msg = ""};
    bool measure_baseline = a.opt.baseline_mb < 0 && !a.no_baseline && a.opt.sample_ms;
    if (measure_baseline)
        a.opt.baseline_mb = baseline_measure(&a.opt, &baseline_err);
    if (python && interrupt_signal()) { /* during the baseline: the program never started */
        fprintf(stderr, "sharebench run: interrupted by %s before the Python program started\n",
                strsignal(interrupt_signal()));
        return 128 + interrupt_signal();
    }
    if (python) { /* the Python program reports its own failures */
        struct summary sm = {0};
        int status = python_run(&a.opt, &sm);
        if (status == EXIT_OK && measure_baseline)
            report_baseline(&a.opt, &baseline_err);
        if (status == EXIT_OK)
            summary_print(&sm, stdout, a.json);
        return status;
    }
    struct run_stats stats = {0};
    enum run_result result = interrupt_signal() ? RUN_FAILED : run(&a.opt, &stats, &err);
    if (interrupt_signal() && !stats.finished) {
        drop_empty_partial(&stats);
        fprintf(stderr,
                "sharebench run: interrupted by %s after %llu results and %llu "
                "rejected records%s\n",
                strsignal(interrupt_signal()), (unsigned long long)stats.rows,
                (unsigned long long)stats.rejected, results_note(&a.opt, &stats, &err));
        return 128 + interrupt_signal();
    }
    if (result != RUN_OK) {
        fprintf(stderr, "sharebench run: %s\n", err.msg);
        return result == RUN_BAD_INPUT ? EXIT_USAGE : EXIT_FAILURE_RUN;
    }
    if (interrupt_signal())
        fprintf(stderr, "sharebench run: signal %d (%s) came once the run had finished\n",
                interrupt_signal(), strsignal(interrupt_signal()));
    if (measure_baseline)
        report_baseline(&a.opt, &baseline_err);
    struct summary sm = {0};
    run_summary(&a.opt, &stats, &sm);
    summary_print(&sm, stdout, a.json);
    note_negative_copies(&a.opt, &stats);
    if (stats.failed) {
        fprintf(stderr,
                "sharebench run: %llu records failed: their chunk killed workers again "
                "and again (lines above)%s\n",
                (unsigned long long)stats.failed, results_note(&a.opt, &stats, &err));
        return EXIT_FAILURE_RUN;
    }
    return EXIT_OK;
}
