/* baseline.c - see baseline.h. */
#define _GNU_SOURCE
#include "baseline.h"

#include "selfspawn.h"
#include "wire.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write a spec like path's but with one token and no rules; its name goes to out. */
static int write_empty_spec(const char *spec_path, char *out, size_t cap, struct error *err)
{
    struct spec spec;
    if (spec_load(spec_path, &spec, err) != 0)
        return -1;
    snprintf(out, cap, "/tmp/sharebench-empty-spec-XXXXXX");
    int fd = mkstemp(out);
    if (fd < 0) {
        spec_free(&spec);
        return error_errno(err, "baseline: mkstemp");
    }
    char text[128];
    int n = snprintf(text, sizeof text, "seed,%llu\nvocab,1\nclasses,%u\n",
                     (unsigned long long)spec.seed, spec.classes);
    spec_free(&spec);
    int rc = write_full(fd, text, (size_t)n, err);
    close(fd);
    if (rc != 0)
        unlink(out);
    return rc;
}

double baseline_measure(const struct run_options *opt, struct error *err)
{
    if (strcmp(opt->input_path, "-") == 0)
        return error_set(err, "baseline: standard input cannot be read twice");
    char spec_path[64];
    if (write_empty_spec(opt->spec_path, spec_path, sizeof spec_path, err) != 0)
        return -1;
    char workers[16], chunk[16], limit[32], sample[16], range_bytes[32];
    snprintf(range_bytes, sizeof range_bytes, "%llu",
             (unsigned long long)(opt->range_bytes ? opt->range_bytes : RANGE_BYTES_DEFAULT));
    snprintf(workers, sizeof workers, "%u", opt->workers);
    snprintf(chunk, sizeof chunk, "%u", opt->chunk);
    uint64_t records = opt->limit && opt->limit < BASELINE_RECORDS ? opt->limit : BASELINE_RECORDS;
    snprintf(limit, sizeof limit, "%llu", (unsigned long long)records);
    snprintf(sample, sizeof sample, "%u", opt->sample_ms);
    char *argv[] = {"sharebench",
                    "run",
                    "--spec",
                    spec_path,
                    "--input",
                    (char *)opt->input_path,
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
                    opt->start_exec ? "exec" : "fork",
                    NULL,
                    NULL,
                    NULL,
                    NULL,
                    NULL,
                    NULL};
    size_t n = sizeof argv / sizeof argv[0] - 6; /* the first NULL: optional flags go there */
    if (opt->feed != RUN_FEED_AUTO) {
        argv[n++] = "--feed";
        argv[n++] = (char *)run_feed_name(opt->feed);
    }
    if (opt->touch)
        argv[n++] = "--touch";
    if (opt->scratch_dir) {
        argv[n++] = "--scratch-dir";
        argv[n++] = (char *)opt->scratch_dir;
    }
    char out[8192];
    int status = spawn_self(argv, out, sizeof out, NULL, err);
    unlink(spec_path);
    if (status < 0)
        return -1;
    char value[64];
    double pss =
        summary_lookup(out, "pss_peak_mb", value, sizeof value) == 0 ? strtod(value, NULL) : -1;
    if (status != 0 || !(pss >= 0))
        return error_set(err, "baseline: the empty-model run failed (status %d)", status);
    return pss;
}
