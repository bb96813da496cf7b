/* cmd_worker.c - `sharebench worker`: one worker process started by exec (--start exec).
 *
 * The pool forks and execs this binary with the worker's two pipe ends and what the strategy's
 * handoff names (strategy.h). The process starts empty, as a Python "spawn" child does: it
 * reads the spec file, asks the strategy to adopt what it was handed, then serves tasks exactly
 * as a forked worker does. Not meant to be run by hand, but it can be, to see a strategy that
 * needs fork refuse.
 */
#include "cli.h"
#include "records.h"
#include "spec.h"
#include "worker.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void worker_help(void)
{
    printf("usage: sharebench worker --strategy NAME --spec FILE --task-fd N --result-fd N\n"
           "                         [--touch] [--lines] [--path FILE] [--fd N]\n"
           "                         [--input-fd N --input-name NAME --field-limit SIZE]\n\n"
           "One worker of a pool started with 'sharebench run --start exec' (the pool runs it;\n"
           "it is not a command for people). It inherits nothing from the parent but these\n"
           "arguments, the environment and the descriptors named here.\n\n"
           "  --strategy NAME  the run's strategy; it must be able to adopt an exec'd worker\n"
           "  --spec FILE      the run's model spec\n"
           "  --task-fd N      read tasks from descriptor N\n"
           "  --result-fd N    write results to descriptor N\n"
           "  --touch          classify counts visits (as the run's --touch)\n"
           "  --lines          send result lines back, not only checksums\n"
           "  --path FILE      a file the strategy named (mapped_file: the image)\n"
           "  --fd N           a descriptor the strategy passed (shared_arrays: the memfd)\n"
           "  --input-fd N     the range feed: read ranges of the records file from N\n"
           "  --input-name NAME  the records file's name, for messages\n"
           "  --field-limit SIZE  reject records with a field over SIZE bytes\n");
}

struct worker_args {
    const struct strategy *strategy;
    const char *strategy_name, *spec_path;
    struct strategy_handoff handoff;
    bool touch, lines;
    int task_fd, result_fd;
    int input_fd;
    const char *input_name;
    size_t field_limit;
};

static int parse_fd(const char *flag, const char *value, int *out)
{
    uint64_t v;
    if (cli_count("worker", flag, value, 0, 1 << 20, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_worker_args(int argc, char **argv, struct worker_args *a)
{
    static const struct option longopts[] = {{"strategy", required_argument, NULL, 'S'},
                                             {"spec", required_argument, NULL, 's'},
                                             {"task-fd", required_argument, NULL, 'T'},
                                             {"result-fd", required_argument, NULL, 'R'},
                                             {"touch", no_argument, NULL, 't'},
                                             {"lines", no_argument, NULL, 'l'},
                                             {"path", required_argument, NULL, 'p'},
                                             {"fd", required_argument, NULL, 'f'},
                                             {"input-fd", required_argument, NULL, 'I'},
                                             {"input-name", required_argument, NULL, 'n'},
                                             {"field-limit", required_argument, NULL, 'F'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    *a = (struct worker_args){.handoff = {.fd = -1},
                              .task_fd = -1,
                              .result_fd = -1,
                              .input_fd = -1,
                              .input_name = "<input>",
                              .field_limit = FIELD_LIMIT_DEFAULT};
    uint64_t v;
    int c, bad = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'S':
            a->strategy_name = optarg;
            break;
        case 's':
            a->spec_path = optarg;
            break;
        case 'T':
            bad |= parse_fd("task-fd", optarg, &a->task_fd);
            break;
        case 'R':
            bad |= parse_fd("result-fd", optarg, &a->result_fd);
            break;
        case 'f':
            bad |= parse_fd("fd", optarg, &a->handoff.fd);
            break;
        case 'I':
            bad |= parse_fd("input-fd", optarg, &a->input_fd);
            break;
        case 'n':
            a->input_name = optarg;
            break;
        case 'F':
            if (cli_size("worker", "field-limit", optarg, FIELD_LIMIT_MIN, 1ull << 30, &v) != 0)
                return EXIT_USAGE;
            a->field_limit = (size_t)v;
            break;
        case 't':
            a->touch = true;
            break;
        case 'l':
            a->lines = true;
            break;
        case 'p':
            snprintf(a->handoff.path, sizeof a->handoff.path, "%s", optarg);
            break;
        case 'h':
            worker_help();
            return -1;
        case ':':
            return cli_usage_error("worker", "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("worker", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (bad)
        return EXIT_USAGE;
    if (optind < argc)
        return cli_usage_error("worker", "unexpected argument '%s'", argv[optind]);
    if (!a->strategy_name || !a->spec_path || a->task_fd < 0 || a->result_fd < 0)
        return cli_usage_error("worker", "--strategy, --spec, --task-fd and --result-fd are "
                                         "required");
    return 0;
}

/* Say why this worker cannot start: on stderr, and to the parent if there is one listening. */
static int fail_setup(const struct worker_args *a, const char *message)
{
    fprintf(stderr, "sharebench worker: %s\n", message);
    struct error ignored;
    worker_send_setup_error(a->result_fd, message, &ignored);
    return EXIT_FAILURE_RUN;
}

/* Everything but the pipes: find the strategy, load the spec, adopt the handoff, serve. */
static int serve(struct worker_args *a, struct spec *spec)
{
    char message[1200];
    a->strategy = strategy_find(a->strategy_name);
    if (a->strategy == NULL) {
        snprintf(message, sizeof message, "no strategy '%s'", a->strategy_name);
        return fail_setup(a, message);
    }
    if (a->strategy->kind != STRATEGY_PROCESSES || a->strategy->adopt == NULL)
        return fail_setup(a, strategy_exec_refusal(a->strategy, message, sizeof message));
    struct error err;
    if (spec_load(a->spec_path, spec, &err) != 0)
        return fail_setup(a, err.msg);
    spec->touch = a->touch;
    a->handoff.spec = spec;
    struct strategy_state *state;
    if (a->strategy->adopt(&a->handoff, &state, &err) != 0)
        return fail_setup(a, err.msg);
    struct worker_config cfg = {a->strategy, state,         a->lines,
                                a->input_fd, a->input_name, a->field_limit};
    int rc = worker_serve(&cfg, a->task_fd, a->result_fd, &err);
    if (rc != 0)
        fprintf(stderr, "sharebench worker (%s): %s\n", a->strategy->name, err.msg);
    if (a->strategy->teardown)
        a->strategy->teardown(state);
    return rc == 0 ? EXIT_OK : EXIT_FAILURE_RUN;
}

int cmd_worker(int argc, char **argv)
{
    struct worker_args a;
    int rc = parse_worker_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    struct spec spec = {0};
    rc = serve(&a, &spec);
    spec_free(&spec);
    return rc;
}
