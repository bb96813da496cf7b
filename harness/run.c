/* run.c - see run.h. */
#include "run.h"

#include "records.h"
#include "sink.h"

#include <stdio.h>
#include <string.h>

/* Stream records through classify in this process. */
static int stream_in_process(struct record_reader *reader, const struct classifier *c,
                             const struct run_options *opt, struct sink *sink, struct error *err)
{
    struct record rec;
    struct rejection rej;
    uint64_t taken = 0;
    while (opt->limit == 0 || taken < opt->limit) {
        enum record_status st = record_reader_next(reader, &rec, &rej, err);
        if (st == RECORD_END)
            return 0;
        if (st == RECORD_ERROR)
            return -1;
        taken++;
        if (st == RECORD_REJECTED) {
            sink_rejected(sink, &rej);
            continue;
        }
        struct result res;
        classify(c, &rec, &res);
        if (sink_result(sink, &res, err) != 0)
            return -1;
    }
    return 0;
}

static int classify_records(const struct run_options *opt, struct strategy_state *state,
                            struct run_stats *stats, struct error *err)
{
    struct classifier c;
    if (opt->strategy->resolve(state, &c, err) != 0)
        return -1;
    struct record_reader *reader = record_reader_open(opt->input_path, opt->field_limit, err);
    if (reader == NULL)
        return -1;
    struct sink sink;
    if (sink_open(&sink, record_reader_name(reader), opt->output_path, err) != 0) {
        record_reader_close(reader);
        return -1;
    }
    double started = now_seconds();
    int rc = stream_in_process(reader, &c, opt, &sink, err);
    if (rc == 0)
        rc = sink_commit(&sink, err);
    else
        sink_discard(&sink);
    stats->seconds = now_seconds() - started;
    stats->rows = sink.sum.count;
    stats->checksum = sink.sum.sum;
    stats->rejected = sink.rejected;
    stats->bytes = record_reader_bytes(reader);
    record_reader_close(reader);
    return rc;
}

int run(const struct run_options *opt, struct run_stats *stats, struct error *err)
{
    memset(stats, 0, sizeof *stats);
    struct spec spec;
    if (spec_load(opt->spec_path, &spec, err) != 0)
        return -1;
    double t0 = now_seconds();
    struct model *model = model_build(&spec, err);
    spec_free(&spec);
    if (model == NULL)
        return -1;
    stats->build_seconds = now_seconds() - t0;
    stats->model_bytes = model->bytes;

    const struct strategy *strategy = opt->strategy;
    struct strategy_state *state = NULL;
    t0 = now_seconds();
    int rc = strategy->prepare ? strategy->prepare(model, &state, err) : 0;
    stats->prepare_seconds = now_seconds() - t0;
    if (rc == 0) {
        rc = classify_records(opt, state, stats, err);
        if (strategy->teardown)
            strategy->teardown(state);
    }
    model_free(model);
    return rc;
}

void run_summary(const struct run_options *opt, const struct run_stats *stats, struct summary *sm)
{
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)stats->checksum);
    double secs = stats->seconds > 0 ? stats->seconds : 1e-9;
    summary_str(sm, "strategy", opt->strategy->name);
    summary_u64(sm, "workers", stats->workers);
    summary_u64(sm, "rows", stats->rows);
    summary_u64(sm, "rejected", stats->rejected);
    summary_str(sm, "checksum", hex);
    summary_f64(sm, "seconds", stats->seconds);
    summary_f64(sm, "rows_per_s", (double)stats->rows / secs);
    summary_f64(sm, "mb_per_s", (double)stats->bytes / 1e6 / secs);
    summary_u64(sm, "input_bytes", stats->bytes);
    summary_f64(sm, "build_s", stats->build_seconds);
    summary_f64(sm, "prepare_s", stats->prepare_seconds);
    summary_f64(sm, "model_mb", (double)stats->model_bytes / 1e6);
}
