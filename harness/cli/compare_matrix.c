/* compare_matrix.c - the configurations `sharebench compare` runs: every strategy x start x
 * touch x feed x workers x chunk that exists (serial has one; chunks belong to the record
 * feed; exec only for strategies that can adopt an exec'd worker), A/A twins beside the
 * listed ones, and the checks made before any run starts (the inputs, the bytes a strategy
 * that ships the model with every task would ship).
 */
#include "compare.h"

#include "cli.h"
#include "image.h"
#include "python_run.h"
#include "records.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

unsigned compare_build_configs(const struct compare_args *a, struct config *configs)
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
const char *compare_config_start(const struct config *c)
{
    struct run_options opt = {.strategy = c->strategy, .start_exec = c->exec};
    return run_start_name(&opt);
}

/* Say which strategies --start exec leaves out, and why, before anything runs. */
void compare_note_exec_refusals(const struct compare_args *a)
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
int compare_refuse_nothing_to_run(const struct compare_args *a)
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

/* Check everything that can be checked before hours of runs start. */
int compare_check_inputs(const struct compare_args *a, struct config *configs, unsigned n)
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
