/* run.c - see run.h. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "run.h"

#include "image.h"
#include "input_id.h"
#include "interrupt.h"
#include "pool.h"
#include "progress.h"
#include "records.h"
#include "sink.h"
#include "test_hooks.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* The records file as the range feed needs it: one descriptor, shared by every worker. */
struct run_input {
    int fd; /* -1 for the record feed */
    uint64_t size;
};

/* What one run holds while it streams. */
struct run_ctx {
    const struct run_options *opt;
    struct strategy_state *state;
    struct run_stats *stats;
    struct memsampler *sampler; /* NULL when not sampling */
    struct run_input input;
    struct input_id input_at_start; /* the input as it was when the run began */
    struct progress progress;
    struct record_reader *reader; /* while streaming */
    struct pool *pool;            /* while streaming through one */
    uint64_t results;             /* results in so far */
};

/* Input bytes behind the results so far: the parent's reader, or the ranges committed. */
static uint64_t bytes_so_far(const struct run_ctx *run)
{
    if (run->pool && run->input.fd >= 0)
        return pool_stats(run->pool)->input_bytes;
    return record_reader_bytes(run->reader);
}

static void count_results(void *arg, uint64_t seq, uint64_t count, uint64_t sum)
{
    struct run_ctx *run = arg;
    (void)seq, (void)sum;
    run->results += count;
    progress_update(&run->progress, run->results, bytes_so_far(run));
}

static uint64_t minor_faults_of_self(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)ru.ru_minflt;
}

/* CPU seconds (user + system) of the calling thread so far: the parent's own work, without
 * worker threads or the memory sampler's thread. */
static double cpu_of_this_thread(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* No workers: the parent reaches the model through the same hooks a worker would. */
static int stream_in_process(struct run_ctx *run, struct record_reader *reader, struct sink *sink,
                             struct error *err)
{
    const struct run_options *opt = run->opt;
    const struct strategy *s = opt->strategy;
    void *ctx = run->state;
    uint64_t faults_before = minor_faults_of_self();
    if (s->attach && s->attach(run->state, &ctx, err) != 0)
        return -1;
    struct classifier c;
    int rc = s->resolve(ctx, NULL, 0, &c, err);
    if (rc == 0)
        test_hooks_wrap(&c, true);
    for (uint64_t taken = 0; rc == 0 && (opt->limit == 0 || taken < opt->limit); taken++) {
        if (interrupt_signal()) {
            rc = error_set(err, "interrupted by %s", strsignal(interrupt_signal()));
            break;
        }
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
        if ((taken & 4095) == 0)
            progress_update(&run->progress, taken, record_reader_bytes(reader));
    }
    if (run->sampler)
        memsampler_sample(run->sampler);
    if (s->release)
        s->release(ctx, &c);
    if (s->detach)
        s->detach(ctx);
    run->stats->minor_faults = minor_faults_of_self() - faults_before;
    return rc;
}

static void pause_sampler(void *arg)
{
    memsampler_pause(arg);
}

static void resume_sampler(void *arg)
{
    struct error ignored; /* no sampling for the rest of the run is not worth failing it */
    memsampler_resume(arg, &ignored);
}

/* The arguments of `sharebench worker` for exec-started workers: the strategy, the spec file,
 * and what the strategy's handoff names. Nothing else will reach them. */
struct exec_plan {
    struct strategy_handoff handoff;
    char fd[16];
    const char *args[16];
};

static int plan_exec(const struct run_ctx *run, struct exec_plan *x, struct error *err)
{
    const struct run_options *opt = run->opt;
    const struct strategy *s = opt->strategy;
    x->handoff = (struct strategy_handoff){.fd = -1};
    if (s->handoff && s->handoff(run->state, &x->handoff, err) != 0)
        return -1;
    size_t n = 0;
    x->args[n++] = "worker";
    x->args[n++] = "--strategy";
    x->args[n++] = s->name;
    x->args[n++] = "--spec";
    x->args[n++] = opt->spec_path;
    if (opt->touch)
        x->args[n++] = "--touch";
    if (opt->output_path)
        x->args[n++] = "--lines";
    if (x->handoff.path[0]) {
        x->args[n++] = "--path";
        x->args[n++] = x->handoff.path;
    }
    if (x->handoff.fd >= 0) {
        snprintf(x->fd, sizeof x->fd, "%d", x->handoff.fd);
        x->args[n++] = "--fd";
        x->args[n++] = x->fd;
    }
    x->args[n] = NULL;
    return 0;
}

uint64_t run_range_bytes(const struct run_options *opt)
{
    return opt->range_bytes ? opt->range_bytes : RANGE_BYTES_DEFAULT;
}

static int stream_through_pool(struct run_ctx *run, struct record_reader *reader, struct sink *sink,
                               struct error *err)
{
    const struct run_options *opt = run->opt;
    struct run_stats *stats = run->stats;
    struct pool_options po = {.workers = opt->workers,
                              .chunk = opt->chunk,
                              .want_lines = opt->output_path != NULL,
                              .limit = opt->limit,
                              .task_timeout = opt->task_timeout,
                              .on_chunk = opt->progress ? count_results : NULL,
                              .on_chunk_arg = run,
                              .before_fork = run->sampler ? pause_sampler : NULL,
                              .after_fork = run->sampler ? resume_sampler : NULL,
                              .fork_arg = run->sampler,
                              .inherit_fd = -1,
                              .feed = stats->feed == RUN_FEED_RANGES ? POOL_FEED_RANGES
                                                                     : POOL_FEED_RECORDS,
                              .input_fd = run->input.fd,
                              .input_name = opt->input_path,
                              .input_size = run->input.size,
                              .range_bytes = run_range_bytes(opt),
                              .field_limit = opt->field_limit};
    struct exec_plan plan;
    if (opt->start_exec && opt->strategy->kind == STRATEGY_PROCESSES) {
        if (plan_exec(run, &plan, err) != 0)
            return -1;
        po.exec = true;
        po.exec_args = plan.args;
        po.inherit_fd = plan.handoff.fd;
    }
    if (run->sampler)
        memsampler_pause(run->sampler); /* fork from a single-threaded process only */
    struct pool *pool = pool_start(&po, opt->strategy, run->state, err);
    struct error resume_err;
    if (run->sampler && memsampler_resume(run->sampler, &resume_err) != 0 && pool) {
        *err = resume_err;
        pool_stop(pool, NULL, NULL);
        return -1;
    }
    if (pool == NULL)
        return -1;
    if (run->sampler) {
        pid_t pids[MEMSAMPLE_WORKERS_MAX];
        unsigned n = pool_worker_pids(pool, pids, MEMSAMPLE_WORKERS_MAX);
        memsampler_set_workers(run->sampler, pids, n);
    }
    run->pool = pool;
    int rc = pool_run(pool, reader, sink, err);
    run->pool = NULL;
    if (run->sampler) {
        memsampler_freeze(run->sampler); /* the peaks end here; the timeline goes on */
    }
    /* The first error is the one worth reporting: keep it if stopping fails too. */
    struct error stop_err;
    struct pool_stats ps;
    if (pool_stop(pool, &ps, rc == 0 ? err : &stop_err) != 0)
        rc = -1;
    stats->start_seconds = ps.start_seconds;
    stats->ready_seconds = ps.ready_seconds;
    stats->first_result_seconds = ps.first_result_seconds;
    stats->chunks = ps.chunks;
    stats->bytes_shipped = ps.payload_bytes;
    stats->minor_faults = ps.minor_faults;
    stats->worker_restarts = ps.worker_restarts;
    memcpy(stats->worker_minor_faults, ps.worker_minor_faults, sizeof ps.worker_minor_faults);
    stats->major_faults = ps.major_faults;
    stats->worker_cpu_seconds = ps.user_seconds + ps.system_seconds;
    stats->worker_nivcsw = (double)ps.nivcsw;
    if (stats->feed == RUN_FEED_RANGES)
        stats->bytes = ps.input_bytes;
    return rc;
}

/* Which feed: the one asked for, or ranges for a regular file and records otherwise (a pipe
 * or standard input cannot be cut into ranges). The range feed opens the input once: its
 * descriptor goes to every worker. Anything else is only looked at (stat), never opened
 * here: opening a FIFO pairs with its writer, and closing it again would leave the writer
 * writing to nobody (killed by SIGPIPE, its records lost, the run's own open waiting for ever). */
static enum run_result choose_feed(struct run_ctx *run, struct error *err)
{
    const struct run_options *opt = run->opt;
    struct stat st;
    bool is_stdin = strcmp(opt->input_path, "-") == 0;
    if (!is_stdin && stat(opt->input_path, &st) != 0) {
        error_errno(err, "%s: cannot open", opt->input_path);
        return RUN_BAD_INPUT;
    }
    bool regular = !is_stdin && S_ISREG(st.st_mode);
    run->stats->feed = opt->feed != RUN_FEED_AUTO ? opt->feed
                       : regular                  ? RUN_FEED_RANGES
                                                  : RUN_FEED_RECORDS;
    if (run->stats->feed != RUN_FEED_RANGES)
        return RUN_OK;
    int fd = regular ? open(opt->input_path, O_RDONLY | O_CLOEXEC) : -1;
    if (regular && fd < 0) {
        error_errno(err, "%s: cannot open", opt->input_path);
        return RUN_BAD_INPUT;
    }
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { /* not one, or no longer */
        if (fd >= 0)
            close(fd);
        error_set(err,
                  "%s: --feed ranges needs a regular file (a pipe or standard input cannot be "
                  "cut into byte ranges); use --feed records",
                  is_stdin ? "<stdin>" : opt->input_path);
        return RUN_BAD_INPUT;
    }
    run->input = (struct run_input){.fd = fd, .size = (uint64_t)st.st_size};
    return RUN_OK;
}

/* The records reader: for the range feed it only checks the header, on the workers' own
 * descriptor (so that they read the very file that was checked). */
static struct record_reader *open_reader(const struct run_ctx *run, struct error *err)
{
    const struct run_options *opt = run->opt;
    if (run->input.fd >= 0)
        return record_reader_open_fd_range(run->input.fd, opt->input_path, 0, run->input.size, 1,
                                           opt->field_limit, err);
    return record_reader_open(opt->input_path, opt->field_limit, err);
}

/* Only a complete run puts the results file in place. A run interrupted, or with records
 * that failed, keeps what it has as FILE.partial; any other failure leaves nothing. The run
 * has one answer: SIGINT and SIGTERM wait while it is decided and the results committed, so a
 * signal either comes first (the run is interrupted, FILE untouched) or after (the run is
 * finished, stats->finished, whatever the signal). */
static void finish_results(struct run_ctx *run, struct sink *sink, int *rc, struct error *err)
{
    struct run_stats *stats = run->stats;
    size_t cap = sizeof stats->results_path;
    sigset_t old_mask;
    interrupt_block(&old_mask);
    if (*rc == 0 && sink->failed == 0 && !interrupt_signal()) {
        *rc = sink_commit(sink, err);
        stats->finished = *rc == 0;
        if (*rc == 0 && run->opt->output_path)
            snprintf(stats->results_path, cap, "%s", run->opt->output_path);
    } else if (*rc == 0 || interrupt_signal()) {
        if (sink_keep_partial(sink, stats->results_path, cap, err) != 0)
            *rc = -1; /* err says why; an interrupted run reports it with the interruption */
    } else {
        sink_discard(sink);
    }
    interrupt_restore(&old_mask);
    if (stats->finished)
        test_hooks_pause("committed");
}

static enum run_result stream(struct run_ctx *run, struct error *err)
{
    const struct run_options *opt = run->opt;
    struct run_stats *stats = run->stats;
    bool in_process = opt->strategy->kind == STRATEGY_IN_PROCESS;
    if (!in_process && choose_feed(run, err) != RUN_OK)
        return RUN_BAD_INPUT;
    struct record_reader *reader = open_reader(run, err);
    if (reader == NULL)
        return RUN_BAD_INPUT;
    struct sink sink;
    if (sink_open(&sink, record_reader_name(reader), opt->output_path, err) != 0) {
        record_reader_close(reader);
        return RUN_BAD_INPUT;
    }
    run->reader = reader;
    progress_start(&run->progress, opt->progress);
    double started = now_seconds(), cpu_started = cpu_of_this_thread();
    int rc = in_process ? stream_in_process(run, reader, &sink, err)
                        : stream_through_pool(run, reader, &sink, err);
    stats->parent_cpu_seconds = cpu_of_this_thread() - cpu_started;
    progress_end(&run->progress);
    if (rc == 0)
        rc = input_id_check(opt->input_path, &run->input_at_start, err);
    finish_results(run, &sink, &rc, err);
    stats->seconds = now_seconds() - started - stats->start_seconds;
    stats->rows = sink.sum.count;
    stats->checksum = sink.sum.sum;
    stats->rejected = sink.rejected;
    stats->failed = sink.failed;
    if (stats->feed != RUN_FEED_RANGES)
        stats->bytes = record_reader_bytes(reader);
    record_reader_close(reader);
    return rc == 0 ? RUN_OK : RUN_FAILED;
}

/* Prepare, stream, tear down: the part of a run that the sampler watches. */
static enum run_result prepare_and_stream(struct run_ctx *run, struct spec *spec, struct error *err)
{
    const struct strategy *strategy = run->opt->strategy;
    struct run_stats *stats = run->stats;
    struct model_source source = {.spec = spec, .scratch_dir = run->opt->scratch_dir};
    double t0 = now_seconds();
    enum run_result rc = RUN_OK;
    if (strategy->prepare && strategy->prepare(&source, &run->state, err) != 0)
        rc = RUN_FAILED;
    stats->build_seconds = source.build_seconds;
    stats->prepare_seconds = now_seconds() - t0 - source.build_seconds;
    if (rc == RUN_OK) {
        rc = stream(run, err);
        if (strategy->teardown)
            strategy->teardown(run->state);
    }
    model_free(source.model);
    return rc;
}

/* MemAvailable from /proc/meminfo, in bytes; 0 if unknown. */
static uint64_t memory_available(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[128];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return (uint64_t)kb * 1024;
}

/* Refuse, before building anything, a model this machine cannot hold: one copy, or one per
 * worker for a strategy whose workers each build their own. */
static int check_memory(const struct run_options *opt, const struct spec *spec,
                        const struct run_stats *stats, struct error *err)
{
    uint64_t avail = memory_available();
    bool own_copies = opt->strategy->model_per_worker;
    double need = (double)stats->model_bytes * (own_copies ? opt->workers : 1);
    if (avail == 0 || need <= (double)avail)
        return 0;
    return error_set(err,
                     "%s: a model of %u tokens x %u classes takes %.0f MB%s, more than the "
                     "%.0f MB this machine has available: use a smaller vocab%s",
                     opt->spec_path, spec->vocab, spec->classes, need / 1e6,
                     own_copies ? " (one per worker)" : "", (double)avail / 1e6,
                     own_copies ? " or fewer workers" : "");
}

int run_check_model_memory(const struct run_options *opt, struct error *err)
{
    if (run_check_spec_is_file(opt->spec_path, err) != 0)
        return -1;
    struct spec spec;
    if (spec_load(opt->spec_path, &spec, err) != 0)
        return -1;
    struct run_stats stats = {.model_bytes = model_estimate_bytes(&spec)};
    int rc = check_memory(opt, &spec, &stats, err);
    spec_free(&spec);
    return rc;
}

enum run_result run(const struct run_options *opt, struct run_stats *stats, struct error *err)
{
    memset(stats, 0, sizeof *stats);
    if (run_check_options(opt, err) != 0)
        return RUN_BAD_INPUT;       /* refused before anything is built */
    struct input_id input_at_start; /* before the build: a change during it counts too */
    input_id_take(opt->input_path, &input_at_start);
    stats->workers = opt->strategy->kind == STRATEGY_IN_PROCESS ? 0 : opt->workers;
    struct spec spec;
    if (spec_load(opt->spec_path, &spec, err) != 0)
        return RUN_BAD_INPUT;
    spec.touch = opt->touch;
    stats->model_bytes = model_estimate_bytes(&spec);
    stats->image_bytes = image_size_for_spec(&spec);
    if (check_memory(opt, &spec, stats, err) != 0) {
        spec_free(&spec);
        return RUN_BAD_INPUT;
    }
    struct run_ctx run = {
        .opt = opt, .stats = stats, .input = {.fd = -1}, .input_at_start = input_at_start};
    if (opt->sample_ms) {
        unsigned columns = opt->strategy->kind == STRATEGY_PROCESSES ? opt->workers : 0;
        enum memsampler_failure failure;
        run.sampler = memsampler_start(opt->sample_ms, opt->timeline_path, columns, &failure, err);
        if (run.sampler == NULL) {
            spec_free(&spec);
            return failure == MEMSAMPLER_TIMELINE ? RUN_BAD_INPUT : RUN_FAILED;
        }
    }
    enum run_result rc = prepare_and_stream(&run, &spec, err);
    if (run.input.fd >= 0)
        close(run.input.fd);
    struct error sampler_err;
    if (run.sampler && memsampler_stop(run.sampler, &stats->mem, &sampler_err) != 0 &&
        rc == RUN_OK) {
        *err = sampler_err;
        rc = RUN_FAILED;
    }
    spec_free(&spec);
    return rc;
}
