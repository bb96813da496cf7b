/* run.c - see run.h. */
#include "run.h"

#include "pool.h"
#include "records.h"
#include "sink.h"

#include <stdio.h>
#include <string.h>

/* No workers: the parent reaches the model through the same hooks a worker would. */
static int stream_in_process(const struct run_options *opt, struct strategy_state *state,
                             struct record_reader *reader, struct sink *sink, struct error *err)
{
    const struct strategy *s = opt->strategy;
    void *ctx = state;
    if (s->attach && s->attach(state, &ctx, err) != 0)
        return -1;
    struct classifier c;
    int rc = s->resolve(ctx, NULL, 0, &c, err);
    for (uint64_t taken = 0; rc == 0 && (opt->limit == 0 || taken < opt->limit); taken++) {
        struct record rec;
        struct rejection rej;
        enum record_status st = record_reader_next(reader, &rec, &rej, err);
        if (st == RECORD_END)
            break;
        if (st == RECORD_ERROR) {
            rc = -1;
        } else if (st == RECORD_REJECTED) {
            sink_rejected(sink, &rej);
        } else {
            struct result res;
            classify(&c, &rec, &res);
            rc = sink_result(sink, &res, err);
        }
    }
    if (s->release)
        s->release(ctx, &c);
    if (s->detach)
        s->detach(ctx);
    return rc;
}

static int stream_through_pool(const struct run_options *opt, struct strategy_state *state,
                               struct record_reader *reader, struct sink *sink,
                               struct run_stats *stats, struct error *err)
{
    struct pool_options po = {.workers = opt->workers,
                              .chunk = opt->chunk,
                              .want_lines = opt->output_path != NULL,
                              .limit = opt->limit};
    struct pool *pool = pool_start(&po, opt->strategy, state, err);
    if (pool == NULL)
        return -1;
    stats->start_seconds = pool_stats(pool)->start_seconds;
    int rc = pool_run(pool, reader, sink, err);
    const struct pool_stats *ps = pool_stats(pool);
    stats->first_result_seconds = ps->first_result_seconds;
    stats->chunks = ps->chunks;
    stats->bytes_shipped = ps->payload_bytes;
    /* The first error is the one worth reporting: keep it if stopping fails too. */
    struct error stop_err;
    if (pool_stop(pool, rc == 0 ? err : &stop_err) != 0)
        rc = -1;
    return rc;
}

static enum run_result stream(const struct run_options *opt, struct strategy_state *state,
                              struct run_stats *stats, struct error *err)
{
    struct record_reader *reader = record_reader_open(opt->input_path, opt->field_limit, err);
    if (reader == NULL)
        return RUN_BAD_INPUT;
    struct sink sink;
    if (sink_open(&sink, record_reader_name(reader), opt->output_path, err) != 0) {
        record_reader_close(reader);
        return RUN_BAD_INPUT;
    }
    double started = now_seconds();
    int rc = opt->strategy->kind == STRATEGY_IN_PROCESS
                 ? stream_in_process(opt, state, reader, &sink, err)
                 : stream_through_pool(opt, state, reader, &sink, stats, err);
    if (rc == 0)
        rc = sink_commit(&sink, err);
    else
        sink_discard(&sink);
    stats->seconds = now_seconds() - started - stats->start_seconds;
    stats->rows = sink.sum.count;
    stats->checksum = sink.sum.sum;
    stats->rejected = sink.rejected;
    stats->bytes = record_reader_bytes(reader);
    record_reader_close(reader);
    return rc == 0 ? RUN_OK : RUN_FAILED;
}

enum run_result run(const struct run_options *opt, struct run_stats *stats, struct error *err)
{
    memset(stats, 0, sizeof *stats);
    stats->workers = opt->strategy->kind == STRATEGY_IN_PROCESS ? 0 : opt->workers;
    struct spec spec;
    if (spec_load(opt->spec_path, &spec, err) != 0)
        return RUN_BAD_INPUT;
    stats->model_bytes = model_estimate_bytes(&spec);
    struct model_source source = {.spec = &spec};
    const struct strategy *strategy = opt->strategy;
    struct strategy_state *state = NULL;
    double t0 = now_seconds();
    enum run_result rc = RUN_OK;
    if (strategy->prepare && strategy->prepare(&source, &state, err) != 0)
        rc = RUN_FAILED;
    stats->build_seconds = source.build_seconds;
    stats->prepare_seconds = now_seconds() - t0 - source.build_seconds;
    if (rc == RUN_OK) {
        rc = stream(opt, state, stats, err);
        if (strategy->teardown)
            strategy->teardown(state);
    }
    model_free(source.model);
    spec_free(&spec);
    return rc;
}

void run_summary(const struct run_options *opt, const struct run_stats *stats, struct summary *sm)
{
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)stats->checksum);
    double secs = stats->seconds > 0 ? stats->seconds : 1e-9;
    summary_str(sm, "strategy", opt->strategy->name);
    summary_u64(sm, "workers", stats->workers);
    summary_u64(sm, "chunk", stats->workers ? opt->chunk : 0);
    summary_u64(sm, "rows", stats->rows);
    summary_u64(sm, "rejected", stats->rejected);
    summary_str(sm, "checksum", hex);
    summary_f64(sm, "seconds", stats->seconds);
    summary_f64(sm, "rows_per_s", (double)stats->rows / secs);
    summary_f64(sm, "mb_per_s", (double)stats->bytes / 1e6 / secs);
    summary_u64(sm, "input_bytes", stats->bytes);
    summary_f64(sm, "setup_seconds",
                stats->build_seconds + stats->prepare_seconds + stats->start_seconds);
    summary_f64(sm, "build_s", stats->build_seconds);
    summary_f64(sm, "prepare_s", stats->prepare_seconds);
    summary_f64(sm, "start_s", stats->start_seconds);
    summary_f64(sm, "first_result_s", stats->first_result_seconds);
    summary_u64(sm, "chunks", stats->chunks);
    summary_u64(sm, "bytes_shipped", stats->bytes_shipped);
    summary_f64(sm, "model_mb", (double)stats->model_bytes / 1e6);
}
