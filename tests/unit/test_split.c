/* test_split.c - byte-range splits of CSV files: for every number of parts, the parts start
 * on record boundaries (also when a raw split point falls inside a quoted field that holds a
 * line end, under LF, CRLF and lone-CR line ends), cover the file exactly, and read back the
 * very records and rejections, with the same line numbers, as one serial reader. The prefix
 * sums MPI does across ranks are done here in a loop. */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "records.h"
#include "split.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What a reader saw: a fingerprint of ids and lines, valid and rejected counts. */
struct seen {
    uint64_t valid, rejected, bad_quoting;
    uint64_t hash; /* order-independent: sum of mixes of (id, line) and (line, reason) */
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static void read_all(struct record_reader *r, struct seen *s, bool last_part)
{
    assert_non_null(r);
    struct record rec;
    struct rejection rej;
    struct error err;
    enum record_status st;
    while ((st = record_reader_next(r, &rec, &rej, &err)) != RECORD_END) {
        assert_int_not_equal(st, RECORD_ERROR);
        if (st == RECORD_VALID) {
            s->valid++;
            s->hash += mix((uint64_t)rec.id * 1000003u + rec.line);
        } else {
            s->rejected++;
            s->hash += mix(rej.line * 7919u + (uint64_t)strlen(rej.reason));
            if (rej.bad_quoting && !last_part)
                s->bad_quoting++;
        }
    }
    record_reader_close(r);
}

static char *write_temp(const char *text, size_t len)
{
    char *path = strdup("/tmp/sharebench-test-split-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

/* Split path into n parts as sharebench-mpi does, and read every part. Returns how many
 * parts held bytes. */
static unsigned read_split(const char *path, uint64_t size, unsigned n, struct seen *s)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct error err;
    uint64_t *start = calloc(n + 1, sizeof *start), *line = calloc(n, sizeof *line);
    assert_int_equal(split_plan(fd, size, n, start, line, &err), 0);
    unsigned filled = 0;
    for (unsigned i = 0; i < n; i++) {
        assert_true(start[i] <= start[i + 1]);
        filled += start[i + 1] > start[i];
        read_all(record_reader_open_range(path, start[i], start[i + 1] - start[i], line[i], 1 << 20,
                                          &err),
                 s, i + 1 == n);
    }
    free(start);
    free(line);
    close(fd);
    return filled;
}

/* Split text into 1 .. max_parts parts; up to full parts, every part must hold records (a
 * split that left all to one part would pass the other checks trivially). */
static void check_all_splits(const char *text, size_t len, unsigned max_parts, unsigned full)
{
    char *path = write_temp(text, len);
    struct seen serial = {0};
    struct error err;
    read_all(record_reader_open(path, 1 << 20, &err), &serial, true);
    for (unsigned n = 1; n <= max_parts; n++) {
        struct seen split = {0};
        unsigned filled = read_split(path, len, n, &split);
        if (n <= full)
            assert_int_equal(filled, n);
        assert_int_equal(split.valid, serial.valid);
        assert_int_equal(split.rejected, serial.rejected);
        assert_int_equal(split.hash, serial.hash);
        assert_int_equal(split.bad_quoting, 0);
    }
    unlink(path);
    free(path);
}

#define HEADER "id,user,country,amount,text"

/* A quoted field with line ends in it, placed so that it spans the middle of the file: the
 * raw split point of 2 parts (and of many others) falls inside it. */
static void test_split_inside_quoted_newline(void **state)
{
    (void)state;
    const char *ends[] = {"\n", "\r\n", "\r"};
    for (size_t e = 0; e < 3; e++) {
        const char *nl = ends[e];
        char text[4096];
        int n = snprintf(text, sizeof text,
                         HEADER "%s1,a,FR,1.5,short%s2,b,DE,2.5,\"a long text%s"
                                "with,commas%s%sand \"\"doubled\"\" quotes%s,%s,"
                                "spanning the middle of the file%s\"%s3,c,US,3.5,end%s",
                         nl, nl, nl, nl, nl, nl, nl, nl, nl, nl);
        size_t len = (size_t)n;
        const char *open_quote = strchr(text, '"');
        const char *close_quote = strrchr(text, '"');
        assert_true((size_t)(open_quote - text) < len / 2);
        assert_true((size_t)(close_quote - text) > len / 2); /* the middle is inside */
        check_all_splits(text, len, 40, 2);
    }
}

/* Every kind of record the conformance files hold, many times: splits land everywhere. */
static void test_split_many_records(void **state)
{
    (void)state;
    size_t cap = 1 << 20, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text, cap, HEADER "\r\n");
    for (int i = 0; i < 2000; i++) {
        const char *texts[] = {"plain words",         "\"quoted, with comma\"",
                               "\"two\nlines\"",      "\"a \"\"quote\"\" inside\"",
                               "\"cr\r\nlf inside\"", "\"\""};
        len += (size_t)snprintf(text + len, cap - len, "%d,u%d,FR,%d.25,%s%s", i, i % 7, i,
                                texts[i % 6], i % 5 ? "\r\n" : "\n");
        if (i % 97 == 0) /* a rejected record: four fields */
            len += (size_t)snprintf(text + len, cap - len, "%d,x,FR,1\n", -i);
    }
    check_all_splits(text, len, 17, 17);
    free(text);
}

/* Tiny files, more parts than bytes, no final line end, only a header. */
static void test_split_edges(void **state)
{
    (void)state;
    check_all_splits(HEADER "\n1,a,FR,1,x", strlen(HEADER) + 11, 64, 2);
    check_all_splits(HEADER "\n", strlen(HEADER) + 1, 64, 1);
    check_all_splits(HEADER, strlen(HEADER), 8, 1);
}

/* A stray quote in an unquoted field breaks the parity from there on: the reader flags it,
 * so the caller can refuse to trust the split. (Serial reading skips to the line end.) */
static void test_split_flags_bad_quoting(void **state)
{
    (void)state;
    const char *text = HEADER "\n1,a,FR,1,te\"xt\n2,b,FR,2,\"x\ny\"\n3,c,FR,3,z\n"
                              "4,d,FR,4,w\n5,e,FR,5,v\n6,f,FR,6,u\n";
    char *path = write_temp(text, strlen(text));
    struct seen s = {0};
    read_split(path, strlen(text), 3, &s);
    assert_true(s.bad_quoting > 0);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_inside_quoted_newline),
        cmocka_unit_test(test_split_many_records),
        cmocka_unit_test(test_split_edges),
        cmocka_unit_test(test_split_flags_bad_quoting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
