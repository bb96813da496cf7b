/* cmd_run.c - `sharebench run`: classify a records file with one strategy. */
#include "cli.h"
#include "pool.h"
#include "records.h"
#include "run.h"
#include "sink.h"

#include <getopt.h>
#include <stdio.h>
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
           "                      [--workers N] [--chunk C] [--json] [--limit N]\n"
           "                      [--field-limit SIZE]\n\n"
           "Builds the model the spec describes, classifies every record of the input with the\n"
           "strategy, and prints as its last line a summary: strategy= workers= rows= rejected=\n"
           "checksum= seconds= rows_per_s= ... (rows counts results; checksum is the\n"
           "order-independent sum of WORKLOAD.md section 5). Rejected records are reported on\n"
           "stderr as FILE:LINE: reason (the first %d, then a count).\n\n"
           "  --spec FILE         model spec\n"
           "  --input FILE        records file; '-' for standard input\n"
           "  --strategy NAME     how workers reach the model (default serial; see 'list')\n"
           "  --workers N         worker processes or threads (default: online CPUs, %ld)\n"
           "  --chunk C           records per task sent to a worker (default %d)\n"
           "  --output FILE       also write every result line (id,class,score) to FILE\n"
           "  --json              print the summary as one JSON object\n"
           "  --limit N           process only the first N records\n"
           "  --field-limit SIZE  reject records with a field over SIZE bytes (default 1M)\n\n"
           "Exit status: 0 success (rejected records included), 1 the run failed,\n"
           "2 bad usage or unusable input (spec or records file).\n",
           REJECTIONS_SHOWN, online_cpus(), CHUNK_DEFAULT);
}

struct run_args {
    struct run_options opt;
    bool json;
};

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
                                             {NULL, 0, NULL, 0}};
    *a = (struct run_args){.opt = {.field_limit = FIELD_LIMIT_DEFAULT,
                                   .strategy = &strategy_serial,
                                   .workers = (unsigned)online_cpus(),
                                   .chunk = CHUNK_DEFAULT}};
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
            a->opt.output_path = optarg;
            break;
        case 'j':
            a->json = true;
            break;
        case 'S':
            a->opt.strategy = strategy_find(optarg);
            if (a->opt.strategy == NULL)
                return cli_usage_error("run", "no strategy '%s' ('sharebench list' names them)",
                                       optarg);
            break;
        case 'l':
            if (cli_count("run", "limit", optarg, 1, UINT64_MAX, &a->opt.limit) != 0)
                return EXIT_USAGE;
            break;
        case 'F':
            if (cli_size("run", "field-limit", optarg, 1, 1ull << 30, &v) != 0)
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
    return 0;
}

int cmd_run(int argc, char **argv)
{
    struct run_args a;
    int rc = parse_run_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    struct run_stats stats;
    struct error err;
    enum run_result result = run(&a.opt, &stats, &err);
    if (result != RUN_OK) {
        fprintf(stderr, "sharebench run: %s\n", err.msg);
        return result == RUN_BAD_INPUT ? EXIT_USAGE : EXIT_FAILURE_RUN;
    }
    struct summary sm = {0};
    run_summary(&a.opt, &stats, &sm);
    summary_print(&sm, stdout, a.json);
    return EXIT_OK;
}
