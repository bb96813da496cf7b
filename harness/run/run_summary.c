/* run_summary.c - what a run reports (run.h): its summary line, key by key in a fixed order
 * (the columns of compare's results), with the figures derived from the stats: speeds over
 * the stream and end to end, setup, model copies over the baseline, CPU per record, and the
 * per-worker lists.
 */
#include "run.h"

#include "noise.h"

#include <math.h>
#include <stdio.h>

const char *run_feed_name(enum run_feed feed)
{
    return feed == RUN_FEED_RANGES ? "ranges" : feed == RUN_FEED_RECORDS ? "records" : "none";
}

const char *run_start_name(const struct run_options *opt)
{
    switch (opt->strategy->kind) {
    case STRATEGY_IN_PROCESS:
        return "none";
    case STRATEGY_THREADS:
        return "thread";
    default:
        return opt->start_exec ? "exec" : "fork";
    }
}

double run_model_copies(const struct run_options *opt, const struct run_stats *stats)
{
    if (opt->baseline_mb < 0 || stats->mem.samples == 0 || stats->model_bytes == 0)
        return NAN;
    return ((double)stats->mem.pss_peak / 1e6 - opt->baseline_mb) /
           ((double)stats->model_bytes / 1e6);
}

static double mb(uint64_t bytes)
{
    return (double)bytes / 1e6;
}

/* Per-worker figures as one value: "a/b/c" (a slash list keeps the summary one token). */
static const char *per_worker_uss(const struct run_stats *stats, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < stats->mem.workers && n + 16 < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%.3f", i ? "/" : "",
                              mb(stats->mem.uss_worker_peak[i]));
    return out;
}

static const char *per_worker_faults(const struct run_stats *stats, char *out, size_t cap)
{
    size_t n = 0;
    unsigned workers = stats->workers < 64 ? stats->workers : 64;
    out[0] = '\0';
    for (unsigned i = 0; i < workers && n + 24 < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%llu", i ? "/" : "",
                              (unsigned long long)stats->worker_minor_faults[i]);
    return out;
}

void run_summary(const struct run_options *opt, const struct run_stats *stats, struct summary *sm)
{
    char list[128];
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)stats->checksum);
    double secs = stats->seconds > 0 ? stats->seconds : 1e-9;
    bool sampled = stats->mem.samples > 0;
    /* The process that classifies holds the USS that matters: a worker, or the parent. */
    uint64_t uss = stats->mem.workers ? stats->mem.uss_worker_peak_max : stats->mem.uss_parent_peak;
    summary_str(sm, "strategy", opt->strategy->name);
    summary_str(sm, "start", run_start_name(opt));
    summary_str(sm, "feed", run_feed_name(stats->feed));
    summary_u64(sm, "workers", stats->workers);
    summary_u64(sm, "chunk", stats->feed == RUN_FEED_RECORDS ? opt->chunk : 0);
    summary_u64(sm, "range_bytes", stats->feed == RUN_FEED_RANGES ? run_range_bytes(opt) : 0);
    summary_u64(sm, "touch", opt->touch);
    summary_u64(sm, "rows", stats->rows);
    summary_u64(sm, "rejected", stats->rejected);
    summary_u64(sm, "failed", stats->failed);
    summary_u64(sm, "worker_restarts", stats->worker_restarts);
    summary_str(sm, "checksum", hex);
    summary_f64(sm, "seconds", stats->seconds);
    summary_f64(sm, "rows_per_s", (double)stats->rows / secs);
    /* Streaming alone: from every worker ready to the last result (a worker's own setup,
     * such as per_worker_copy's build, left out), and end to end: from the start of the
     * model build to the last result. */
    double workers_setup = stats->ready_seconds > stats->start_seconds
                               ? stats->ready_seconds - stats->start_seconds
                               : 0.0;
    double stream = stats->seconds - workers_setup;
    double e2e =
        stats->build_seconds + stats->prepare_seconds + stats->start_seconds + stats->seconds;
    summary_f64(sm, "stream_seconds", stream);
    summary_f64(sm, "stream_rows_per_s", (double)stats->rows / (stream > 0 ? stream : 1e-9));
    summary_f64(sm, "e2e_rows_per_s", (double)stats->rows / (e2e > 0 ? e2e : 1e-9));
    summary_f64(sm, "mb_per_s", (double)stats->bytes / 1e6 / secs);
    summary_u64(sm, "input_bytes", stats->bytes);
    /* Setup ends when every worker can take tasks: a worker's own setup (an exec, a build,
     * a mapping) counts, not only the parent's. */
    double workers_up = stats->ready_seconds > 0 ? stats->ready_seconds : stats->start_seconds;
    summary_f64(sm, "setup_seconds", stats->build_seconds + stats->prepare_seconds + workers_up);
    summary_f64(sm, "build_s", stats->build_seconds);
    summary_f64(sm, "prepare_s", stats->prepare_seconds);
    summary_f64(sm, "start_s", stats->start_seconds);
    summary_f64(sm, "ready_s", stats->ready_seconds);
    summary_f64(sm, "first_result_s", stats->first_result_seconds);
    summary_u64(sm, "chunks", stats->chunks);
    summary_u64(sm, "bytes_shipped", stats->bytes_shipped);
    summary_f64(sm, "bytes_per_chunk",
                stats->chunks ? (double)stats->bytes_shipped / (double)stats->chunks : 0.0);
    summary_f64(sm, "model_mb", mb(stats->model_bytes));
    summary_f64(sm, "image_mb", mb(stats->image_bytes));
    summary_f64(sm, "pss_peak_mb", sampled ? mb(stats->mem.pss_peak) : NAN);
    summary_f64(sm, "pss_anon_mb", sampled ? mb(stats->mem.pss_anon) : NAN);
    summary_f64(sm, "pss_file_mb", sampled ? mb(stats->mem.pss_file) : NAN);
    summary_f64(sm, "pss_shmem_mb", sampled ? mb(stats->mem.pss_shmem) : NAN);
    summary_f64(sm, "uss_peak_mb", sampled ? mb(uss) : NAN);
    summary_f64(sm, "uss_parent_mb", sampled ? mb(stats->mem.uss_parent_peak) : NAN);
    summary_f64(sm, "baseline_mb", opt->baseline_mb >= 0 ? opt->baseline_mb : NAN);
    summary_f64(sm, "model_copies", run_model_copies(opt, stats));
    summary_u64(sm, "minor_faults", stats->minor_faults);
    summary_u64(sm, "major_faults", stats->major_faults);
    summary_f64(sm, "worker_cpu_s", stats->worker_cpu_seconds);
    summary_f64(sm, "parent_cpu_s", stats->parent_cpu_seconds);
    summary_f64(sm, "sampler_cpu_s", stats->mem.cpu_seconds);
    uint64_t records = stats->rows + stats->rejected + stats->failed;
    summary_f64(sm, "cpu_us_per_record",
                records ? (stats->parent_cpu_seconds + stats->worker_cpu_seconds) * 1e6 /
                              (double)records
                        : NAN);
    summary_str(sm, "uss_workers_mb", per_worker_uss(stats, list, sizeof list));
    summary_str(sm, "minor_faults_workers", per_worker_faults(stats, list, sizeof list));
    summary_u64(sm, "mem_samples", stats->mem.samples);
    summary_f64(sm, "nivcsw_workers", stats->worker_nivcsw);
    noise_summary(sm);
}
