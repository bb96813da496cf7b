/* baseline.c - see baseline.h. */
#define _GNU_SOURCE
#include "baseline.h"

#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

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

/* Run argv with stdout into a buffer (stderr discarded); returns its exit status or -1. */
static int run_capture(char *const argv[], char *out, size_t cap, struct error *err)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return error_errno(err, "baseline: pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        errno = rc;
        return error_errno(err, "baseline: spawning %s", argv[0]);
    }
    size_t len = 0;
    ssize_t got;
    while ((got = read(pipefd[0], out + len, cap - 1 - len)) > 0 || (got < 0 && errno == EINTR))
        if (got > 0)
            len += (size_t)got;
    out[len] = '\0';
    close(pipefd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static double summary_value(const char *text, const char *key)
{
    char needle[64];
    snprintf(needle, sizeof needle, " %s=", key);
    const char *at = strstr(text, needle);
    return at ? strtod(at + strlen(needle), NULL) : -1;
}

double baseline_measure(const struct run_options *opt, struct error *err)
{
    if (strcmp(opt->input_path, "-") == 0)
        return error_set(err, "baseline: standard input cannot be read twice");
    char spec_path[64];
    if (write_empty_spec(opt->spec_path, spec_path, sizeof spec_path, err) != 0)
        return -1;
    char workers[16], chunk[16], limit[32], sample[16];
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
                    "--limit",
                    limit,
                    "--sample-ms",
                    sample,
                    "--no-baseline",
                    opt->touch ? "--touch" : NULL,
                    NULL};
    char out[8192];
    int status = run_capture(argv, out, sizeof out, err);
    unlink(spec_path);
    if (status < 0)
        return -1;
    double pss = summary_value(out, "pss_peak_mb");
    if (status != 0 || pss < 0)
        return error_set(err, "baseline: the empty-model run failed (status %d)", status);
    return pss;
}
