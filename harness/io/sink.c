/* sink.c - see sink.h. */
#define _POSIX_C_SOURCE 200809L
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sink_open(struct sink *s, const char *input_name, const char *output_path, struct error *err)
{
    memset(s, 0, sizeof *s);
    s->input_name = input_name;
    s->out.fd = -1;
    if (output_path == NULL)
        return 0;
    if (outfile_open(&s->out, output_path, err) != 0)
        return -1;
    /* stdio closes what it wraps: a duplicate leaves the outfile its descriptor to commit. */
    int fd = fcntl(s->out.fd, F_DUPFD_CLOEXEC, 0);
    s->file = fd < 0 ? NULL : fdopen(fd, "w");
    if (s->file == NULL) {
        error_errno(err, "%s: cannot write", output_path);
        if (fd >= 0)
            close(fd);
        outfile_discard(&s->out);
        return -1;
    }
    if (fputs("id,class,score\n", s->file) == EOF) {
        error_errno(err, "%s: write failed", output_path);
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
        return error_errno(err, "%s: write failed", s->out.name);
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
        return error_errno(err, "%s: write failed", s->out.name);
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

static void report_counts(const struct sink *s)
{
    if (s->rejected > REJECTIONS_SHOWN)
        fprintf(stderr, "%s: ... and %llu more rejected records\n", s->input_name,
                (unsigned long long)(s->rejected - REJECTIONS_SHOWN));
    if (s->failed > REJECTIONS_SHOWN)
        fprintf(stderr, "%s: ... and %llu more failed records\n", s->input_name,
                (unsigned long long)(s->failed - REJECTIONS_SHOWN));
}

/* Close the stream, where a write error that buffering delayed shows. */
static int close_file(struct sink *s, struct error *err)
{
    FILE *f = s->file;
    s->file = NULL;
    if (fclose(f) != 0) {
        error_errno(err, "%s: write failed", s->out.name);
        sink_discard(s);
        return -1;
    }
    return 0;
}

int sink_commit(struct sink *s, struct error *err)
{
    report_counts(s);
    if (s->file == NULL)
        return 0;
    if (close_file(s, err) != 0)
        return -1;
    return outfile_commit(&s->out, err);
}

int sink_keep_partial(struct sink *s, char *kept, size_t cap, struct error *err)
{
    report_counts(s);
    if (cap)
        kept[0] = '\0';
    if (s->file == NULL)
        return 0;
    if (close_file(s, err) != 0)
        return -1;
    return outfile_keep_partial(&s->out, kept, cap, err);
}

void sink_discard(struct sink *s)
{
    if (s->file)
        fclose(s->file);
    s->file = NULL;
    outfile_discard(&s->out);
}
