/* baseline.c - see baseline.h. */
#define _GNU_SOURCE /* memfd_create */
#include "baseline.h"

#include "gen.h"
#include "selfspawn.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The files the baseline run is given: each lives in memory only (a memfd), so nothing is
 * left on disk however this process ends. The child opens one by the name /proc/PID/fd/N of
 * this process, not /proc/self/...: its exec'd workers read the spec too, and they inherit
 * none of our descriptors. */
struct memory_file {
    int fd;
    char name[64];
};

static int memory_file_open(struct memory_file *f, const char *what, struct error *err)
{
    f->fd = memfd_create(what, MFD_CLOEXEC);
    if (f->fd < 0)
        return error_errno(err, "baseline: memfd_create for the %s", what);
    snprintf(f->name, sizeof f->name, "/proc/%d/fd/%d", (int)getpid(), f->fd);
    return 0;
}

static void memory_file_close(struct memory_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

/* A spec like spec but with one token and no rules. */
static int write_empty_spec(const struct spec *spec, struct memory_file *f, struct error *err)
{
    if (memory_file_open(f, "empty spec", err) != 0)
        return -1;
    char text[128];
    int n = snprintf(text, sizeof text, "seed,%llu\nvocab,1\nclasses,%u\n",
                     (unsigned long long)spec->seed, spec->classes);
    return write_full(f->fd, text, (size_t)n, err);
}

/* Records generated for spec, in place of an input the run alone may read. */
static int write_synthetic_input(const struct spec *spec, uint64_t records, struct memory_file *f,
                                 struct error *err)
{
    if (memory_file_open(f, "generated records", err) != 0)
        return -1;
    struct gen_options go = {.rows = records, .seed = 1};
    struct gen_stats stats;
    return gen_write(f->fd, f->name, spec, &go, &stats, err);
}

const char *baseline_stream_kind(const char *input_path)
{
    struct stat st;
    if (strcmp(input_path, "-") == 0)
        return "standard input";
    if (stat(input_path, &st) != 0 || S_ISREG(st.st_mode))
        return NULL;
    return S_ISFIFO(st.st_mode)  ? "a pipe (FIFO)"
           : S_ISCHR(st.st_mode) ? "a character device"
           : S_ISDIR(st.st_mode) ? "a directory"
                                 : "not a regular file";
}

uint64_t baseline_records(const struct run_options *opt)
{
    uint64_t records = (uint64_t)opt->workers * BASELINE_RECORDS_PER_WORKER;
    if (records < BASELINE_RECORDS)
        records = BASELINE_RECORDS;
    return opt->limit && opt->limit < records ? opt->limit : records;
}

/* The baseline run's bytes per range (see baseline.h). */
static uint64_t baseline_range_bytes(const struct run_options *opt)
{
    uint64_t bytes = opt->range_bytes ? opt->range_bytes : RANGE_BYTES_DEFAULT;
    return bytes < BASELINE_RANGE_BYTES ? bytes : BASELINE_RANGE_BYTES;
}

/* The last line the child wrote to its standard error (why it failed), or "". */
static const char *last_line(int fd, char *out, size_t cap)
{
    struct stat st;
    off_t from =
        fstat(fd, &st) == 0 && st.st_size > (off_t)cap - 1 ? st.st_size - (off_t)cap + 1 : 0;
    ssize_t n = pread(fd, out, cap - 1, from);
    out[n > 0 ? n : 0] = '\0';
    while (n > 0 && out[n - 1] == '\n')
        out[--n] = '\0';
    char *nl = strrchr(out, '\n');
    return nl ? nl + 1 : out;
}

/* The empty-model run: the same options, over spec and input; its peak PSS, or -1. */
static double measure(const struct run_options *opt, const char *spec, const char *input,
                      bool synthetic, struct memory_file *errors, struct error *err)
{
    char workers[16], chunk[16], limit[32], sample[16], range_bytes[32];
    snprintf(range_bytes, sizeof range_bytes, "%llu",
             (unsigned long long)baseline_range_bytes(opt));
    snprintf(workers, sizeof workers, "%u", opt->workers);
    snprintf(chunk, sizeof chunk, "%u", opt->chunk);
    snprintf(limit, sizeof limit, "%llu", (unsigned long long)baseline_records(opt));
    snprintf(sample, sizeof sample, "%u", opt->sample_ms);
    char *argv[] = {"sharebench",
                    "run",
                    "--spec",
                    (char *)spec,
                    "--input",
                    (char *)input,
                    "--strategy",
                    (char *)opt->strategy->name,
                    "--workers",
                    workers,
                    "--chunk",
                    chunk,
                    "--range-bytes",
                    range_bytes,
                    "--limit",
                    limit,
                    "--sample-ms",
                    sample,
                    "--no-baseline",
                    "--start",
                    (char *)(opt->start_method ? opt->start_method
                             : opt->start_exec ? "exec"
                                               : "fork"),
                    NULL,
                    NULL,
                    NULL,
                    NULL,
                    NULL,
                    NULL};
    size_t n = sizeof argv / sizeof argv[0] - 6; /* the first NULL: optional flags go there */
    if (opt->feed != RUN_FEED_AUTO || synthetic) {
        /* A stream's run takes records, whatever the generated file could take. */
        argv[n++] = "--feed";
        argv[n++] =
            (char *)run_feed_name(opt->feed != RUN_FEED_AUTO ? opt->feed : RUN_FEED_RECORDS);
    }
    if (opt->touch)
        argv[n++] = "--touch";
    if (opt->scratch_dir) {
        argv[n++] = "--scratch-dir";
        argv[n++] = (char *)opt->scratch_dir;
    }
    char out[8192];
    int status = spawn_self(argv, out, sizeof out, errors->name, err);
    if (status < 0)
        return -1;
    char value[64], why[1024];
    double pss =
        summary_lookup(out, "pss_peak_mb", value, sizeof value) == 0 ? strtod(value, NULL) : -1;
    if (status != 0 || !(pss >= 0))
        return error_set(err, "baseline: the empty-model run failed (status %d): %s", status,
                         last_line(errors->fd, why, sizeof why));
    return pss;
}

double baseline_measure(const struct run_options *opt, struct error *err)
{
    struct spec spec;
    if (spec_load(opt->spec_path, &spec, err) != 0)
        return -1;
    struct memory_file empty = {.fd = -1}, input = {.fd = -1}, errors = {.fd = -1};
    bool synthetic = baseline_stream_kind(opt->input_path) != NULL;
    double pss = -1;
    if (write_empty_spec(&spec, &empty, err) == 0 &&
        (!synthetic || write_synthetic_input(&spec, baseline_records(opt), &input, err) == 0) &&
        memory_file_open(&errors, "baseline errors", err) == 0)
        pss = measure(opt, empty.name, synthetic ? input.name : opt->input_path, synthetic, &errors,
                      err);
    memory_file_close(&empty);
    memory_file_close(&input);
    memory_file_close(&errors);
    spec_free(&spec);
    return pss;
}
