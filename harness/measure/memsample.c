/* memsample.c - see memsample.h. */
#define _GNU_SOURCE
#include "memsample.h"

#include "interrupt.h"
#include "outfile.h"
#include "procgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct memsampler {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    unsigned interval_ms;
    double started;
    pid_t group; /* 0: this process and the workers it names; else a process group's members */
    pid_t workers[MEMSAMPLE_WORKERS_MAX];
    unsigned nworkers;
    unsigned columns;
    struct mem_summary sum;
    FILE *timeline;              /* writes to timeline_out, committed when the sampler stops */
    struct outfile timeline_out; /* opened as every output is (io/outfile.h) */
    char *timeline_path;
    bool write_failed;
    bool frozen;            /* the run's work is done: the timeline goes on, the peaks stay */
    uint64_t resident_high; /* the highest resident total (RSS) at a sample so far */
};

static double mb(uint64_t bytes)
{
    return (double)bytes / 1e6;
}

/* Keep the peaks of one sample (not once the run's work is done: see memsampler_freeze). */
static void keep_peaks(struct memsampler *s, const struct mem_reading *parent,
                       const struct mem_reading *total)
{
    struct mem_summary *sum = &s->sum;
    sum->samples++;
    if (parent->uss > sum->uss_parent_peak)
        sum->uss_parent_peak = parent->uss;
    if (total->pss > sum->pss_peak) {
        sum->pss_peak = total->pss;
        sum->pss_anon = total->pss_anon;
        sum->pss_file = total->pss_file;
        sum->pss_shmem = total->pss_shmem;
    }
}

/* In group mode, the workers are every member of the group but its leader: add those that
 * appeared since the last sample (a worker keeps its column once seen, even after it ends). */
static void follow_group_locked(struct memsampler *s)
{
    struct procgroup_member m[MEMSAMPLE_WORKERS_MAX];
    int n = procgroup_scan(s->group, m, MEMSAMPLE_WORKERS_MAX, NULL);
    for (int i = 0; i < n && i < MEMSAMPLE_WORKERS_MAX; i++) {
        bool known = m[i].state == 'Z';
        for (unsigned k = 0; k < s->nworkers && !known; k++)
            known = s->workers[k] == m[i].pid;
        if (!known && s->nworkers < MEMSAMPLE_WORKERS_MAX)
            s->workers[s->nworkers++] = m[i].pid;
    }
    if (s->nworkers > s->sum.workers)
        s->sum.workers = s->nworkers;
}

/* One sample: the parent and every worker, summed; the caller holds the lock. */
static void sample_locked(struct memsampler *s)
{
    struct mem_reading parent, w[MEMSAMPLE_WORKERS_MAX];
    if (s->group && !s->frozen)
        follow_group_locked(s);
    if (mem_read(s->group, &parent) != 0)
        return;
    struct mem_reading total = parent;
    for (unsigned i = 0; i < s->nworkers; i++) {
        if (mem_read(s->workers[i], &w[i]) != 0) {
            memset(&w[i], 0, sizeof w[i]); /* it has ended */
            continue;
        }
        total.pss += w[i].pss;
        total.pss_anon += w[i].pss_anon;
        total.pss_file += w[i].pss_file;
        total.pss_shmem += w[i].pss_shmem;
        if (!s->frozen && w[i].uss > s->sum.uss_worker_peak[i])
            s->sum.uss_worker_peak[i] = w[i].uss;
    }
    if (!s->frozen)
        keep_peaks(s, &parent, &total);
    if (s->timeline) {
        fprintf(s->timeline, "%.3f,%.3f,%.3f", now_seconds() - s->started, mb(total.pss),
                mb(parent.pss));
        for (unsigned i = 0; i < s->columns; i++)
            fprintf(s->timeline, i < s->nworkers ? ",%.3f" : ",", mb(w[i].pss));
        fputc('\n', s->timeline);
    }
}

static double thread_cpu_seconds(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0)
        return 0;
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The wait after work that cost cpu_seconds that keeps it within fraction of the sampler's
 * CPU share (SAMPLER_CPU_SHARE of one core). */
static double wait_for_share_ms(double cpu_seconds, double fraction)
{
    return cpu_seconds * 1e3 / (SAMPLER_CPU_SHARE * fraction);
}

/* How long to wait before the next sample. A sample walks the page tables of every process
 * it reads, in proportion to the memory they map, and on a machine with as many workers as cores
 * every millisecond the sampler takes is taken from a worker it measures. So: every
 * interval_ms at first, at most 50 samples per doubling of the run's length, and never more
 * than three quarters of SAMPLER_CPU_SHARE of one core, by what the last sample cost (the
 * rest is for the looks at the resident total between samples). Not for a process group (a
 * Python program): its pool takes hundreds of milliseconds to start, its baseline run is as
 * short, and both need samples as dense as at first to see every worker up; its interpreters
 * spend ten times the CPU per record that the sampler's share is measured against. */
static unsigned next_wait_ms(const struct memsampler *s, double sample_cpu_seconds)
{
    double elapsed_ms = (now_seconds() - s->started) * 1e3;
    double wait_ms = s->interval_ms;
    if (elapsed_ms / 50 > wait_ms)
        wait_ms = elapsed_ms / 50;
    double budget_ms = wait_for_share_ms(sample_cpu_seconds, 0.75);
    if (s->group == 0 && budget_ms > wait_ms)
        wait_ms = budget_ms;
    return wait_ms < 60e3 ? (unsigned)wait_ms : 60000u;
}

/* The resident memory of the parent and the workers, summed: counters, no page-table walk. */
static uint64_t resident_total(const struct memsampler *s)
{
    uint64_t total = mem_resident(s->group);
    for (unsigned i = 0; i < s->nworkers; i++)
        total += mem_resident(s->workers[i]);
    return total;
}

/* Wait until next, the time the schedule gives the next sample, but look at the resident
 * total on the way (every interval_ms, or less often if a look costs more than a quarter of
 * the sampler's share): once it has grown past the highest it had at a sample (by 2 %, and
 * at least 1 MB) and then stopped growing, return. A peak that comes and goes between two
 * scheduled samples (a worker rebuilding its model for each task, say) is then sampled when
 * it comes, at a cost bounded by how often memory reaches a new high. Not while it climbs:
 * a sample reads one process after another, and pages moving between them meanwhile (copied
 * on write, say) would be counted twice. The caller holds the lock; the wait releases it. */
static void wait_for_next_sample(struct memsampler *s, double next)
{
    double look_ms = s->interval_ms;
    uint64_t last = 0;
    bool rising = false;
    while (!s->stopping) {
        double left_ms = (next - now_seconds()) * 1e3;
        if (left_ms <= 0)
            return;
        unsigned wait_ms = left_ms < look_ms ? (unsigned)left_ms + 1 : (unsigned)look_ms;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        until.tv_sec += wait_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (!s->stopping && pthread_cond_timedwait(&s->wake, &s->lock, &until) != ETIMEDOUT) {
        }
        if (s->stopping)
            return;
        double cpu_before = thread_cpu_seconds();
        uint64_t resident = resident_total(s);
        double budget_ms = wait_for_share_ms(thread_cpu_seconds() - cpu_before, 0.25);
        if (budget_ms > look_ms)
            look_ms = budget_ms;
        uint64_t grown = s->resident_high / 50 > 1000000 ? s->resident_high / 50 : 1000000;
        if (rising && resident <= last + grown)
            return; /* the climb has stopped: sample the new high */
        rising = rising || resident > s->resident_high + grown;
        last = resident;
    }
}

static void *sampler_main(void *arg)
{
    struct memsampler *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        double cpu_before = thread_cpu_seconds();
        sample_locked(s);
        uint64_t resident = resident_total(s);
        if (resident > s->resident_high)
            s->resident_high = resident;
        double next = now_seconds() + next_wait_ms(s, thread_cpu_seconds() - cpu_before) * 1e-3;
        wait_for_next_sample(s, next);
    }
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) == 0)
        s->sum.cpu_seconds += (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
                              (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* The sampling thread takes no signals: they are for the main thread (interrupt.h). */
static int start_thread(struct memsampler *s)
{
    sigset_t old;
    interrupt_block(&old);
    int rc = pthread_create(&s->thread, NULL, sampler_main, s);
    interrupt_restore(&old);
    return rc;
}

/* The timeline goes where every output goes (a new or replaced file appears whole when the
 * sampler stops; links another user made are not followed); stdio writes a duplicate of the
 * outfile's descriptor, which the outfile then commits. */
static int open_timeline(struct memsampler *s, struct error *err)
{
    if (outfile_open(&s->timeline_out, s->timeline_path, err) != 0)
        return -1;
    int fd = fcntl(s->timeline_out.fd, F_DUPFD_CLOEXEC, 0);
    s->timeline = fd < 0 ? NULL : fdopen(fd, "w");
    if (s->timeline == NULL) {
        error_errno(err, "%s: cannot create timeline", s->timeline_path);
        if (fd >= 0)
            close(fd);
        outfile_discard(&s->timeline_out);
        return -1;
    }
    return 0;
}

static struct memsampler *start_sampler(unsigned interval_ms, const char *timeline_path,
                                        unsigned columns, pid_t group,
                                        enum memsampler_failure *failure, struct error *err)
{
    enum memsampler_failure ignored;
    if (failure == NULL)
        failure = &ignored;
    struct memsampler *s = xcalloc(1, sizeof *s);
    s->group = group;
    s->interval_ms = interval_ms ? interval_ms : 20;
    s->columns = columns < MEMSAMPLE_WORKERS_MAX ? columns : MEMSAMPLE_WORKERS_MAX;
    s->started = now_seconds();
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (timeline_path) {
        s->timeline_path = xstrdup(timeline_path);
        if (open_timeline(s, err) != 0) {
            *failure = MEMSAMPLER_TIMELINE;
            free(s->timeline_path);
            free(s);
            return NULL;
        }
        fprintf(s->timeline, "t_s,total_pss_mb,parent_pss_mb");
        for (unsigned i = 0; i < s->columns; i++)
            fprintf(s->timeline, ",w%u_pss_mb", i);
        fputc('\n', s->timeline);
    }
    int rc = start_thread(s);
    if (rc != 0) {
        errno = rc;
        error_cannot_start(err, "cannot start the memory sampler's thread: pthread_create");
        *failure = MEMSAMPLER_THREAD;
        if (s->timeline) {
            fclose(s->timeline);
            outfile_discard(&s->timeline_out);
        }
        free(s->timeline_path);
        free(s);
        return NULL;
    }
    return s;
}

struct memsampler *memsampler_start(unsigned interval_ms, const char *timeline_path,
                                    unsigned columns, enum memsampler_failure *failure,
                                    struct error *err)
{
    return start_sampler(interval_ms, timeline_path, columns, 0, failure, err);
}

struct memsampler *memsampler_start_group(unsigned interval_ms, const char *timeline_path,
                                          unsigned columns, pid_t pgid, struct error *err)
{
    return start_sampler(interval_ms, timeline_path, columns, pgid, NULL, err);
}

void memsampler_pause(struct memsampler *s)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
}

int memsampler_resume(struct memsampler *s, struct error *err)
{
    s->stopping = false;
    int rc = start_thread(s);
    if (rc != 0) {
        errno = rc;
        s->stopping = true; /* no thread: stop must not join one */
        return error_cannot_start(err,
                                  "cannot restart the memory sampler's thread: pthread_create");
    }
    return 0;
}

void memsampler_set_workers(struct memsampler *s, const pid_t *pids, unsigned n)
{
    pthread_mutex_lock(&s->lock);
    s->nworkers = n < MEMSAMPLE_WORKERS_MAX ? n : MEMSAMPLE_WORKERS_MAX;
    if (s->nworkers)
        memcpy(s->workers, pids, s->nworkers * sizeof *pids);
    if (s->nworkers > s->sum.workers)
        s->sum.workers = s->nworkers;
    if (s->nworkers)
        sample_locked(s);
    pthread_mutex_unlock(&s->lock);
}

void memsampler_restart_peaks(struct memsampler *s)
{
    pthread_mutex_lock(&s->lock);
    struct mem_summary *sum = &s->sum;
    sum->pss_peak = sum->pss_anon = sum->pss_file = sum->pss_shmem = 0;
    sum->uss_parent_peak = 0;
    memset(sum->uss_worker_peak, 0, sizeof sum->uss_worker_peak);
    sample_locked(s);
    pthread_mutex_unlock(&s->lock);
}

void memsampler_freeze(struct memsampler *s)
{
    pthread_mutex_lock(&s->lock);
    sample_locked(s);
    s->frozen = true;
    pthread_mutex_unlock(&s->lock);
}

void memsampler_sample(struct memsampler *s)
{
    pthread_mutex_lock(&s->lock);
    sample_locked(s);
    pthread_mutex_unlock(&s->lock);
}

int memsampler_stop(struct memsampler *s, struct mem_summary *out, struct error *err)
{
    if (!s->stopping) /* a failed resume left no thread */
        memsampler_pause(s);
    for (unsigned i = 0; i < s->sum.workers; i++)
        if (s->sum.uss_worker_peak[i] > s->sum.uss_worker_peak_max)
            s->sum.uss_worker_peak_max = s->sum.uss_worker_peak[i];
    *out = s->sum;
    int rc = 0;
    if (s->timeline) {
        bool failed = (fflush(s->timeline) | ferror(s->timeline) | fclose(s->timeline)) != 0;
        if (failed) {
            rc = error_errno(err, "%s: write failed", s->timeline_path);
            outfile_discard(&s->timeline_out);
        } else {
            rc = outfile_commit(&s->timeline_out, err);
        }
    }
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s->timeline_path);
    free(s);
    return rc;
}
