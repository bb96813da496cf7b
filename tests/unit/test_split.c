/* test_split.c - byte-range splits of CSV files: whatever the cut sizes, ranges start on
 * record boundaries (also when a raw cut falls inside a quoted field that holds a line end,
 * under LF, CRLF and lone-CR line ends, and after malformed quoting), cover the file exactly,
 * and read back the very records and rejections, with the same line numbers, as one serial
 * reader. Both plans are checked: N parts (sharebench-mpi) and ranges of about B bytes (the
 * pool's range feed). */
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
    uint64_t valid, rejected;
    uint64_t hash; /* order-independent: sum of mixes of (id, line) and (line, reason) */
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static void read_all(struct record_reader *r, struct seen *s)
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

/* Read every range of a plan; check that they follow each other and cover the file. Returns
 * how many held bytes. */
static unsigned read_ranges(const char *path, uint64_t size, const struct split_range *r, size_t n,
                            struct seen *s)
{
    struct error err;
    unsigned filled = 0;
    uint64_t at = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(r[i].offset, at);
        at += r[i].length;
        filled += r[i].length > 0;
        read_all(record_reader_open_range(path, r[i].offset, r[i].length, r[i].first_line, 1 << 20,
                                          &err),
                 s);
    }
    assert_int_equal(at, size);
    return filled;
}

/* Split path into n parts as sharebench-mpi does, and read every part. */
static unsigned read_parts(const char *path, uint64_t size, unsigned n, struct seen *s)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct error err;
    struct split_range *parts = calloc(n, sizeof *parts);
    assert_int_equal(split_plan(fd, size, n, parts, &err), 0);
    unsigned filled = read_ranges(path, size, parts, n, s);
    free(parts);
    close(fd);
    return filled;
}

/* Cut path into ranges of about bytes each as the pool's range feed does, and read them. */
static size_t read_sized(const char *path, uint64_t size, uint64_t bytes, struct seen *s)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct error err;
    struct split_planner *p = split_planner_open(fd, size);
    size_t n = 0, cap = 16;
    struct split_range *r = malloc(cap * sizeof *r);
    int got;
    while ((got = split_planner_next(p, split_planner_offset(p) + bytes, &r[n], &err)) == 1) {
        assert_true(r[n].length > 0);
        assert_true(r[n].length >= bytes || r[n].offset + r[n].length == size);
        if (++n == cap)
            r = realloc(r, (cap *= 2) * sizeof *r);
    }
    assert_int_equal(got, 0);
    split_planner_close(p);
    read_ranges(path, size, r, n, s);
    free(r);
    close(fd);
    return n;
}

static void expect_same(const struct seen *got, const struct seen *serial)
{
    assert_int_equal(got->valid, serial->valid);
    assert_int_equal(got->rejected, serial->rejected);
    assert_int_equal(got->hash, serial->hash);
}

/* Split text into 1 .. max_parts parts, and into ranges of 1 .. max_parts bytes and a few
 * larger sizes; up to full parts, every part must hold records (a split that left all to one
 * part would pass the other checks trivially). */
static void check_all_splits(const char *text, size_t len, unsigned max_parts, unsigned full)
{
    char *path = write_temp(text, len);
    struct seen serial = {0};
    struct error err;
    read_all(record_reader_open(path, 1 << 20, &err), &serial);
    for (unsigned n = 1; n <= max_parts; n++) {
        struct seen split = {0};
        unsigned filled = read_parts(path, len, n, &split);
        if (n <= full)
            assert_int_equal(filled, n);
        expect_same(&split, &serial);
    }
    const uint64_t sizes[] = {97, 4096, 1 << 20};
    for (unsigned i = 0; i < max_parts + 3; i++) {
        struct seen sized = {0};
        read_sized(path, len, i < max_parts ? i + 1 : sizes[i - max_parts], &sized);
        expect_same(&sized, &serial);
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
    /* Empty lines before the header: the first range must still hold the header. */
    check_all_splits("\r\n\r" HEADER "\n1,a,FR,1,x\n", strlen(HEADER) + 15, 16, 1);
}

/* Malformed quoting of every kind (a stray quote in an unquoted field, a byte after a closing
 * quote, a quote left open at the end): the reader skips to the line end and the planner
 * knows it, so splits stay exact. */
static void test_split_malformed_quoting(void **state)
{
    (void)state;
    const char *text = HEADER "\n1,a,FR,1,te\"xt \"a\n2,b,FR,2,\"x\ny\"\n3,c,FR,3,\"z\"q,\"\n"
                              "4,d,FR,4,w\"\r\n5,e,FR,5,v\n6,f,FR,6,\"u\n7,g,FR,7,\"open";
    check_all_splits(text, strlen(text), 24, 1);
}

/* Random files over the bytes that matter to quoting and lines: every plan reads back as the
 * serial reader does. */
static void test_split_random_bytes(void **state)
{
    (void)state;
    const char alphabet[] = "\",\r\n\"a1,\n";
    uint64_t x = 12345;
    char text[600];
    for (int round = 0; round < 300; round++) {
        size_t len = (size_t)snprintf(text, sizeof text, HEADER "\n");
        size_t body = 20 + (size_t)(round * 7 % 500);
        for (size_t i = 0; i < body && len < sizeof text - 1; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            text[len++] = alphabet[(x >> 33) % (sizeof alphabet - 1)];
        }
        check_all_splits(text, len, 9, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_inside_quoted_newline),
        cmocka_unit_test(test_split_many_records),
        cmocka_unit_test(test_split_edges),
        cmocka_unit_test(test_split_malformed_quoting),
        cmocka_unit_test(test_split_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
