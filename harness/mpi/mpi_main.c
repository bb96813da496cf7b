/* mpi_main.c - sharebench-mpi: the workload over MPI ranks, on one node or many.
 *
 *   mpirun -np N sharebench-mpi --spec FILE --input FILE --strategy mpi_shared_window
 *
 * Every rank is a full reader and classifier of its own byte range of the input: no rank
 * feeds another (as in `sharebench run --feed ranges`).
 * The steps, all ranks in step:
 *   1. load the spec, open the input (every rank: files are on a shared path on a cluster);
 *   2. share the model as the strategy says (mpi_strategy.h) and compile the rules;
 *   3. split the input into byte ranges on record boundaries (harness/io/split.h): rank 0 plans
 *      them in one pass at memchr speed, exact for any input, and scatters them;
 *   4. classify the range; results, rejections and the checksum are reduced to rank 0, which
 *      prints the summary line (the same keys as `sharebench run`, plus memory per node).
 * Memory is read from /proc/self/smaps_rollup on every rank before the model is shared, after
 * it is shared, and at the end, and summed per node: the model's cost per node is the sum of
 * the ranks' PSS growth over the sharing step, in copies of the image, and every node's figures
 * reach rank 0 (the largest node's, each node's, and their total).
 */
#include "cli.h"
#include "image.h"
#include "input_id.h"
#include "memsample.h"
#include "mpi_strategy.h"
#include "records.h"
#include "sink.h"
#include "split.h"
#include "summary.h"
#include "workload.h"

#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The name every message starts with, and the one its hints point to ("PROGRAM --help"). */
#define PROGRAM "sharebench-mpi"

static const struct mpi_strategy *const mpi_strategies[] = {&mpi_shared_window, &mpi_bcast_copy};

struct mpi_args {
    const char *spec_path, *input_path;
    const struct mpi_strategy *strategy;
    size_t field_limit;
    bool json;
};

static void mpi_help(void)
{
    printf("usage: mpirun -np N sharebench-mpi --spec FILE --input FILE --strategy NAME\n"
           "                                  [--json] [--field-limit SIZE]\n\n"
           "Classifies the records file over N MPI ranks, on one node or many: each rank reads\n"
           "and classifies its own byte range (cut on record boundaries, quoted line ends\n"
           "included), and rank 0 prints the summary: rows= rejected= checksum= rows_per_s=\n"
           "and memory per node (the same checksum as 'sharebench run', for any N).\n\n"
           "  --strategy NAME     how ranks reach the model:\n");
    for (size_t i = 0; i < sizeof mpi_strategies / sizeof mpi_strategies[0]; i++)
        printf("                        %-18s %s\n", mpi_strategies[i]->name,
               mpi_strategies[i]->summary);
    printf("  --spec FILE         model spec (read by every rank)\n"
           "  --input FILE        records file (read by every rank: a shared path)\n"
           "  --json              print the summary as one JSON object\n"
           "  --field-limit SIZE  reject records with a field over SIZE bytes (default 1M)\n\n"
           "Memory, read from /proc/self/smaps_rollup on every rank and summed per node (the\n"
           "ranks that share memory: MPI_COMM_TYPE_SHARED):\n"
           "  node_pss_mb           the largest node's PSS (the larger of after setup and at\n"
           "                        the end); node_pss_before_mb, before the model is shared\n"
           "  node_model_mb         the largest node's PSS growth over the sharing step alone\n"
           "                        (before rules are compiled or the input is read)\n"
           "  model_copies_per_node node_model_mb / image_mb\n"
           "  node_pss_by_node_mb   every node's PSS, as a/b/c: nodes in the order of their\n"
           "                        lowest rank (the first holds rank 0)\n"
           "  model_copies_by_node  every node's model copies, in the same order\n"
           "  pss_total_mb          the nodes' PSS summed: the whole job\n"
           "Exit status: 0 success, 1 the run failed, 2 bad usage or unusable input.\n");
}

/* Parse the command line; every rank does, identically (the caller keeps all but rank 0
 * quiet). */
static int parse_mpi_args(int argc, char **argv, struct mpi_args *a, bool speak)
{
    static const struct option longopts[] = {{"spec", required_argument, NULL, 's'},
                                             {"input", required_argument, NULL, 'i'},
                                             {"strategy", required_argument, NULL, 'S'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"field-limit", required_argument, NULL, 'F'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    *a = (struct mpi_args){.field_limit = FIELD_LIMIT_DEFAULT};
    (void)speak;
    int c;
    uint64_t v;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            a->spec_path = optarg;
            break;
        case 'i':
            a->input_path = optarg;
            break;
        case 'S':
            for (size_t i = 0; i < sizeof mpi_strategies / sizeof mpi_strategies[0]; i++)
                if (strcmp(optarg, mpi_strategies[i]->name) == 0)
                    a->strategy = mpi_strategies[i];
            if (a->strategy == NULL)
                return cli_usage_error(PROGRAM,
                                       "no strategy '%s' (mpi_shared_window or "
                                       "mpi_bcast_copy)",
                                       optarg);
            break;
        case 'j':
            a->json = true;
            break;
        case 'F':
            if (cli_size(PROGRAM, "field-limit", optarg, FIELD_LIMIT_MIN, 1ull << 30, &v) != 0)
                return EXIT_USAGE;
            a->field_limit = (size_t)v;
            break;
        case 'h':
            if (speak)
                mpi_help();
            return -1;
        case ':':
            return cli_usage_error(PROGRAM, "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error(PROGRAM, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error(PROGRAM, "unexpected argument '%s'", argv[optind]);
    if (!a->spec_path || !a->input_path || !a->strategy)
        return cli_usage_error(PROGRAM, "--spec, --input and --strategy are required");
    if (strcmp(a->input_path, "-") == 0)
        return cli_usage_error(PROGRAM, "--input -: standard input cannot be split into byte "
                                        "ranges; give a file every rank can read");
    return 0;
}

/* ---- agreeing on failure ------------------------------------------------------------------- */

/* Did every rank succeed? If not, the lowest failing rank says why (the others usually fail
 * the same way, and one message is enough). */
static bool all_ok(const struct mpi_env *env, bool ok, const struct error *err)
{
    int mine = ok ? env->size : env->rank, first;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, env->world);
    if (first == env->rank && env->rank == 0)
        fprintf(stderr, PROGRAM ": %s\n", err->msg);
    else if (first == env->rank)
        fprintf(stderr, PROGRAM ": rank %d: %s\n", env->rank, err->msg);
    return first == env->size;
}

/* ---- memory -------------------------------------------------------------------------------- */

static double my_pss_mb(void)
{
    struct mem_reading r;
    return mem_read(getpid(), &r) == 0 ? (double)r.pss / 1e6 : NAN;
}

/* One node's memory: the sums of its ranks' PSS, in MB. */
struct node_figures {
    double before; /* before the model was shared */
    double peak;   /* the larger of after setup and at the end */
    double growth; /* over the sharing step alone: the model's cost on this node */
};

/* Every node's figures, on world rank 0, nodes in the order of their lowest world rank (node 0
 * holds rank 0). Owned by rank 0: node_memory_free. */
struct node_memory {
    int nodes;
    struct node_figures *node;
};

/* Collective: each node sums its ranks' readings, and the node's first rank sends the sums to
 * world rank 0. Nothing crosses between nodes but four numbers per node. */
static void node_memory_gather(const struct mpi_env *env, double before, double setup, double end,
                               double growth, struct node_memory *m)
{
    double mine[4] = {before, setup, end, growth}, node[4] = {0}, *all = NULL;
    MPI_Reduce(mine, node, 4, MPI_DOUBLE, MPI_SUM, 0, env->node);
    MPI_Comm leaders;
    MPI_Comm_split(env->world, env->node_rank == 0 ? 0 : MPI_UNDEFINED, env->rank, &leaders);
    *m = (struct node_memory){0};
    if (leaders == MPI_COMM_NULL)
        return;
    int nodes;
    MPI_Comm_size(leaders, &nodes);
    if (env->rank == 0) {
        all = calloc((size_t)nodes * 4, sizeof *all);
        m->node = calloc((size_t)nodes, sizeof *m->node);
        if (all == NULL || m->node == NULL) {
            fprintf(stderr, PROGRAM ": out of memory for %d nodes' figures\n", nodes);
            MPI_Abort(env->world, EXIT_FAILURE_RUN);
        }
        m->nodes = nodes;
    }
    MPI_Gather(node, 4, MPI_DOUBLE, all, 4, MPI_DOUBLE, 0, leaders);
    MPI_Comm_free(&leaders);
    for (int i = 0; i < m->nodes; i++)
        m->node[i] = (struct node_figures){.before = all[4 * i],
                                           .peak = fmax(all[4 * i + 1], all[4 * i + 2]),
                                           .growth = all[4 * i + 3]};
    free(all);
}

static void node_memory_free(struct node_memory *m)
{
    free(m->node);
    *m = (struct node_memory){0};
}

/* Appends v to the list "a/b/c" in buf. A list too long for buf ends in "/..." and takes no
 * more values (the per-node totals are still exact). */
static void node_list_add(char *buf, size_t cap, double v)
{
    size_t used = strlen(buf);
    if (used >= 4 && strcmp(buf + used - 4, "/...") == 0)
        return;
    char one[32];
    int n = snprintf(one, sizeof one, "%s%.2f", used ? "/" : "", v);
    if (n < 0 || used + (size_t)n + sizeof "/..." > cap)
        snprintf(buf + used, cap - used, "/...");
    else
        memcpy(buf + used, one, (size_t)n + 1);
}

/* ---- the split ----------------------------------------------------------------------------- */

/* This rank's byte range of the input, starting and ending on record boundaries. Rank 0 plans
 * every rank's range in one pass over the file (split.h: the same planner as the pool's range
 * feed, exact for any input) and hands each rank its own. */
static int find_range(const struct mpi_env *env, const char *input_path, int fd, uint64_t size,
                      struct split_range *r, struct error *err)
{
    struct split_range *plan = NULL;
    int rc = 0;
    if (env->rank == 0) {
        plan = xcalloc((size_t)env->size, sizeof *plan);
        struct error why;
        rc = split_plan(fd, size, (unsigned)env->size, plan, &why);
        if (rc != 0)
            error_set(err, "%s: %s", input_path, why.msg);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, env->world);
    if (rc == 0)
        MPI_Scatter(plan, 3, MPI_UINT64_T, r, 3, MPI_UINT64_T, 0, env->world);
    else if (env->rank != 0)
        error_set(err, "rank 0 could not plan the ranges");
    free(plan);
    return rc;
}

/* ---- classifying --------------------------------------------------------------------------- */

struct rank_result {
    struct sink sink;
    uint64_t bytes;
};

/* Classify every record of the reader's range (the reader is closed here). */
static int classify_range(struct record_reader *reader, const char *input_path,
                          const struct classifier *c, struct rank_result *out, struct error *err)
{
    if (sink_open(&out->sink, input_path, NULL, err) != 0) {
        record_reader_close(reader);
        return -1;
    }
    struct record rec;
    struct rejection rej;
    struct result res;
    enum record_status st;
    int rc = 0;
    while (rc == 0 && (st = record_reader_next(reader, &rec, &rej, err)) != RECORD_END) {
        if (st == RECORD_ERROR) {
            rc = -1;
        } else if (st == RECORD_REJECTED) {
            sink_rejected(&out->sink, &rej);
        } else {
            classify(c, &rec, &res);
            rc = sink_result(&out->sink, &res, err);
        }
    }
    out->bytes = record_reader_bytes(reader);
    record_reader_close(reader);
    if (rc == 0)
        rc = sink_commit(&out->sink, err);
    return rc;
}

/* ---- the run ------------------------------------------------------------------------------- */

struct totals {
    uint64_t rows, rejected, sum, bytes;
    double seconds, setup_seconds, build_seconds;
    struct node_memory mem; /* every node's memory */
    int nodes, ranks_per_node;
};

static void reduce_totals(const struct mpi_env *env, const struct rank_result *mine,
                          struct totals *t)
{
    uint64_t in[4] = {mine->sink.sum.count, mine->sink.rejected, mine->sink.sum.sum, mine->bytes};
    uint64_t out[4] = {0};
    MPI_Reduce(in, out, 4, MPI_UINT64_T, MPI_SUM, 0, env->world);
    t->rows = out[0];
    t->rejected = out[1];
    t->sum = out[2]; /* sums of FNV hashes wrap modulo 2^64, as the checksum is defined */
    t->bytes = out[3];
    int leader = env->node_rank == 0, nodes = 0, most = 0;
    MPI_Reduce(&leader, &nodes, 1, MPI_INT, MPI_SUM, 0, env->world);
    MPI_Reduce(&env->node_size, &most, 1, MPI_INT, MPI_MAX, 0, env->world);
    t->nodes = nodes;
    t->ranks_per_node = most;
}

static void print_summary(const struct mpi_args *a, const struct mpi_env *env,
                          const struct totals *t, size_t image_bytes)
{
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)t->sum);
    double secs = t->seconds > 0 ? t->seconds : 1e-9, image_mb = (double)image_bytes / 1e6;
    struct summary sm = {0};
    summary_str(&sm, "strategy", a->strategy->name);
    summary_str(&sm, "start", "mpi");
    summary_u64(&sm, "workers", (uint64_t)env->size);
    summary_u64(&sm, "rows", t->rows);
    summary_u64(&sm, "rejected", t->rejected);
    summary_u64(&sm, "failed", 0);
    summary_str(&sm, "checksum", hex);
    summary_f64(&sm, "seconds", t->seconds);
    summary_f64(&sm, "rows_per_s", (double)t->rows / secs);
    summary_f64(&sm, "mb_per_s", (double)t->bytes / 1e6 / secs);
    summary_u64(&sm, "input_bytes", t->bytes);
    summary_f64(&sm, "setup_seconds", t->setup_seconds);
    summary_f64(&sm, "build_s", t->build_seconds);
    summary_f64(&sm, "image_mb", image_mb);
    summary_u64(&sm, "nodes", (uint64_t)t->nodes);
    summary_u64(&sm, "ranks_per_node", (uint64_t)t->ranks_per_node);
    /* The largest node's figures (one number each), then every node's, then all nodes'. */
    const struct node_memory *m = &t->mem;
    double before = 0, peak = 0, growth = 0, total = 0;
    char pss_list[sizeof sm.item[0].s] = "", copies_list[sizeof sm.item[0].s] = "";
    for (int i = 0; i < m->nodes; i++) {
        before = fmax(before, m->node[i].before);
        peak = fmax(peak, m->node[i].peak);
        growth = fmax(growth, m->node[i].growth);
        total += m->node[i].peak;
        node_list_add(pss_list, sizeof pss_list, m->node[i].peak);
        node_list_add(copies_list, sizeof copies_list, m->node[i].growth / image_mb);
    }
    summary_f64(&sm, "node_pss_mb", peak);
    summary_f64(&sm, "node_pss_before_mb", before);
    summary_f64(&sm, "node_model_mb", growth);
    summary_f64(&sm, "model_copies_per_node", growth / image_mb);
    summary_str(&sm, "node_pss_by_node_mb", pss_list);
    summary_str(&sm, "model_copies_by_node", copies_list);
    summary_f64(&sm, "pss_total_mb", total);
    summary_print(&sm, stdout, a->json);
}

/* Steps 2 to 4 (the spec is loaded, the input open). Returns an exit status: a failure
 * before classifying is the input's (a read, its header), one after it the run's. */
static int run_ranks(const struct mpi_args *a, const struct mpi_env *env, const struct spec *spec,
                     int fd, uint64_t size, const struct input_id *input)
{
    struct error err = {0};
    struct totals t = {0};
    double pss_before = my_pss_mb();
    double t0 = MPI_Wtime();
    struct mpi_model model;
    a->strategy->share(spec, env, &model);
    MPI_Barrier(env->world);
    double pss_shared = my_pss_mb(); /* the model's share of memory, and nothing else yet */
    struct image_view view;
    struct rule_set rules = {0};
    bool ok = image_open(&view, model.image, model.size, &err) == 0 &&
              image_compile_rules(&view, &rules, &err) == 0;
    struct split_range r = {0};
    if (ok)
        ok = find_range(env, a->input_path, fd, size, &r, &err) == 0;
    struct record_reader *reader = NULL;
    if (ok) {
        reader = record_reader_open_range(a->input_path, r.offset, r.length, r.first_line,
                                          a->field_limit, &err);
        ok = reader != NULL;
    }
    MPI_Barrier(env->world);
    double setup = MPI_Wtime() - t0, pss_setup = my_pss_mb();
    ok = all_ok(env, ok, &err);
    int status = ok ? EXIT_OK : EXIT_USAGE;
    struct rank_result mine = {0};
    if (!ok && reader)
        record_reader_close(reader);
    if (ok) {
        struct classifier c;
        image_classifier(&view, &rules, &c);
        double t1 = MPI_Wtime();
        ok = classify_range(reader, a->input_path, &c, &mine, &err) == 0 &&
             input_id_check(a->input_path, input, &err) == 0;
        double mine_s = MPI_Wtime() - t1;
        MPI_Reduce(&mine_s, &t.seconds, 1, MPI_DOUBLE, MPI_MAX, 0, env->world);
        ok = all_ok(env, ok, &err);
        status = ok ? EXIT_OK : EXIT_FAILURE_RUN;
    }
    double pss_end = my_pss_mb(), growth = pss_shared - pss_before;
    MPI_Reduce(&setup, &t.setup_seconds, 1, MPI_DOUBLE, MPI_MAX, 0, env->world);
    MPI_Reduce(&model.build_seconds, &t.build_seconds, 1, MPI_DOUBLE, MPI_MAX, 0, env->world);
    node_memory_gather(env, pss_before, pss_setup, pss_end, growth, &t.mem);
    if (ok) {
        reduce_totals(env, &mine, &t);
    }
    if (status == EXIT_OK && env->rank == 0)
        print_summary(a, env, &t, model.size);
    node_memory_free(&t.mem);
    rules_free(&rules);
    a->strategy->release(&model);
    return status;
}

/* Step 1: the spec and the input, on every rank. Returns an exit status. */
static int run_mpi(const struct mpi_args *a, const struct mpi_env *env)
{
    struct error err = {0};
    struct spec spec = {0};
    bool ok = spec_load(a->spec_path, &spec, &err) == 0;
    if (!all_ok(env, ok, &err)) {
        spec_free(&spec);
        return EXIT_USAGE;
    }
    struct input_id input;
    input_id_take(a->input_path, &input);
    int fd = open(a->input_path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    ok = fd >= 0 && fstat(fd, &st) == 0;
    if (!ok)
        error_errno(&err, "%s: cannot open", a->input_path);
    if (ok && !S_ISREG(st.st_mode)) {
        error_set(&err, "%s: not a regular file (%s): each rank reads its own byte range of it",
                  a->input_path, S_ISDIR(st.st_mode) ? "a directory" : "a pipe or a device");
        ok = false;
    }
    int status = EXIT_USAGE;
    if (all_ok(env, ok, &err))
        status = run_ranks(a, env, &spec, fd, (uint64_t)st.st_size, &input);
    if (fd >= 0)
        close(fd);
    spec_free(&spec);
    return status;
}

int main(int argc, char **argv)
{
    util_set_command(PROGRAM);
    MPI_Init(&argc, &argv);
    struct mpi_env env = {.world = MPI_COMM_WORLD};
    MPI_Comm_rank(env.world, &env.rank);
    MPI_Comm_size(env.world, &env.size);
    MPI_Comm_split_type(env.world, MPI_COMM_TYPE_SHARED, env.rank, MPI_INFO_NULL, &env.node);
    MPI_Comm_rank(env.node, &env.node_rank);
    MPI_Comm_size(env.node, &env.node_size);
    struct mpi_args a;
    /* Every rank parses the same arguments: only rank 0 may say what is wrong with them. */
    int saved_stderr = env.rank ? dup(STDERR_FILENO) : -1;
    int null = env.rank ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
    if (null >= 0)
        dup2(null, STDERR_FILENO);
    int status = parse_mpi_args(argc, argv, &a, env.rank == 0);
    fflush(stderr);
    if (saved_stderr >= 0) {
        dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
    }
    if (null >= 0)
        close(null);
    if (status == 0)
        status = run_mpi(&a, &env);
    else if (status < 0)
        status = EXIT_OK; /* --help */
    MPI_Comm_free(&env.node);
    MPI_Finalize();
    return status;
}
