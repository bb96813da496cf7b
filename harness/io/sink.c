/* sink.c - see sink.h. */
#define _POSIX_C_SOURCE 200809L
#include "sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sink_open(struct sink *s, const char *input_name, const char *output_path, struct error *err)
{
    memset(s, 0, sizeof *s);
    s->input_name = input_name;
    if (output_path == NULL)
        return 0;
    s->path = xstrdup(output_path);
    size_t n = strlen(output_path) + 16;
    s->tmp_path = xmalloc(n);
    snprintf(s->tmp_path, n, "%s.tmp%ld", output_path, (long)getpid());
    s->file = fopen(s->tmp_path, "we");
    if (s->file == NULL) {
        error_errno(err, "%s: cannot create results file", s->tmp_path);
        sink_discard(s);
        return -1;
    }
    if (fputs("id,class,score\n", s->file) == EOF) {
        error_errno(err, "%s: write failed", s->tmp_path);
        sink_discard(s);
        return -1;
    }
    return 0;
}

int sink_result_line(struct sink *s, const char *line, size_t len, struct error *err)
{
    checksum_add_line(&s->sum, line, len);
    if (s->file == NULL)
        return 0;
    if (fwrite(line, 1, len, s->file) != len || putc('\n', s->file) == EOF)
        return error_errno(err, "%s: write failed", s->tmp_path);
    return 0;
}

int sink_result(struct sink *s, const struct result *r, struct error *err)
{
    char line[RESULT_LINE_MAX];
    size_t len = result_format(r, line);
    return sink_result_line(s, line, len, err);
}

int sink_chunk(struct sink *s, uint64_t count, uint64_t sum, const char *lines, size_t len,
               struct error *err)
{
    struct checksum part = {.sum = sum, .count = count};
    checksum_merge(&s->sum, &part);
    if (s->file == NULL || len == 0)
        return 0;
    if (fwrite(lines, 1, len, s->file) != len)
        return error_errno(err, "%s: write failed", s->tmp_path);
    return 0;
}

void sink_rejected(struct sink *s, const struct rejection *rej)
{
    if (s->rejected++ < REJECTIONS_SHOWN)
        fprintf(stderr, "%s:%llu: rejected: %s\n", s->input_name, (unsigned long long)rej->line,
                rej->reason);
}

void sink_rejected_count(struct sink *s, uint64_t n)
{
    s->rejected += n;
}

void sink_failed(struct sink *s, uint64_t line, const char *reason)
{
    if (s->failed++ < REJECTIONS_SHOWN)
        fprintf(stderr, "%s:%llu: failed: %s\n", s->input_name, (unsigned long long)line, reason);
}

int sink_commit(struct sink *s, struct error *err)
{
    if (s->rejected > REJECTIONS_SHOWN)
        fprintf(stderr, "%s: ... and %llu more rejected records\n", s->input_name,
                (unsigned long long)(s->rejected - REJECTIONS_SHOWN));
    if (s->failed > REJECTIONS_SHOWN)
        fprintf(stderr, "%s: ... and %llu more failed records\n", s->input_name,
                (unsigned long long)(s->failed - REJECTIONS_SHOWN));
    if (s->file == NULL)
        return 0;
    FILE *f = s->file;
    s->file = NULL;
    if (fclose(f) != 0) {
        error_errno(err, "%s: write failed", s->tmp_path);
        sink_discard(s);
        return -1;
    }
    if (rename(s->tmp_path, s->path) != 0) {
        error_errno(err, "%s: cannot rename to %s", s->tmp_path, s->path);
        sink_discard(s);
        return -1;
    }
    free(s->tmp_path);
    free(s->path);
    s->tmp_path = s->path = NULL;
    return 0;
}

void sink_discard(struct sink *s)
{
    if (s->file)
        fclose(s->file);
    s->file = NULL;
    if (s->tmp_path)
        unlink(s->tmp_path);
    free(s->tmp_path);
    free(s->path);
    s->tmp_path = s->path = NULL;
}
