/* test_csv.c - the streaming reader: RFC 4180 quoting, line numbers under every kind of line
 * end, field limits with bounded buffering, malformed rows, and the same rows whether the
 * input comes in one block or through the read buffer in pieces. */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "csv_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct csv_stream *from(const char *text, size_t limit)
{
    return csv_stream_open_memory("t.csv", text, strlen(text), limit);
}

static void next_row(struct csv_stream *s, struct csv_row *row)
{
    struct error err;
    assert_int_equal(csv_stream_next(s, row, &err), 1);
}

static void at_end(struct csv_stream *s)
{
    struct csv_row row;
    struct error err;
    assert_int_equal(csv_stream_next(s, &row, &err), 0);
    assert_int_equal(csv_stream_next(s, &row, &err), 0);
}

static void test_quoting(void **state)
{
    (void)state;
    struct csv_stream *s = from("a,\"b,c\",\"say \"\"hi\"\"\",\"x\r\ny\nz\", d \n", 100);
    struct csv_row row;
    next_row(s, &row);
    assert_int_equal(row.line, 1);
    assert_int_equal(row.nfields, 5);
    assert_int_equal(row.flags, 0);
    assert_string_equal(row.field[0].data, "a");
    assert_string_equal(row.field[1].data, "b,c");
    assert_string_equal(row.field[2].data, "say \"hi\"");
    assert_string_equal(row.field[3].data, "x\r\ny\nz");
    assert_string_equal(row.field[4].data, " d "); /* spaces are kept */
    at_end(s);
    csv_stream_close(s);
}

static void test_line_numbers(void **state)
{
    (void)state;
    /* LF, CRLF, lone CR, blank lines, and line ends inside quotes all count. */
    const char *text = "h\n\"a\nb\"\r\n\r\nc\rd\r\n\n\"e\r\nf\rg\"\nlast";
    struct csv_stream *s = from(text, 100);
    uint64_t want[] = {1, 2, 5, 6, 8, 11};
    struct csv_row row;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        next_row(s, &row);
        assert_int_equal(row.line, want[i]);
    }
    assert_string_equal(row.field[0].data, "last");
    at_end(s);
    csv_stream_close(s);
}

static void test_bytes_and_nul(void **state)
{
    (void)state;
    static const char text[] = "\xff\xfe,caf\xe9\nx,a\0b\n";
    struct csv_stream *s = csv_stream_open_memory("t.csv", text, sizeof text - 1, 100);
    struct csv_row row;
    next_row(s, &row);
    assert_int_equal(row.flags, 0);
    assert_string_equal(row.field[0].data, "\xff\xfe");
    next_row(s, &row);
    assert_int_equal(row.flags, CSV_ROW_NUL);
    assert_int_equal(row.line, 2);
    at_end(s);
    assert_int_equal(csv_stream_bytes(s), sizeof text - 1);
    csv_stream_close(s);
}

static void test_field_limit(void **state)
{
    (void)state;
    static char text[8192];
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    /* An unquoted and a quoted oversize field (with a line end and a doubled quote inside),
     * each followed by a normal field that must still parse right. */
    snprintf(text, sizeof text, "%s,after\n\"%s\"\"\n\",next\nok,row\n", big, big);
    struct csv_stream *s = from(text, 10);
    struct csv_row row;
    next_row(s, &row);
    assert_int_equal(row.flags, CSV_ROW_OVERSIZE);
    assert_int_equal(row.longest, sizeof big - 1);
    assert_int_equal(row.nfields, 2);
    assert_string_equal(row.field[1].data, "after");
    next_row(s, &row);
    assert_int_equal(row.flags, CSV_ROW_OVERSIZE);
    assert_int_equal(row.longest, sizeof big - 1 + 2);
    assert_string_equal(row.field[1].data, "next");
    assert_int_equal(row.line, 2);
    next_row(s, &row);
    assert_int_equal(row.flags, 0);
    assert_int_equal(row.line, 4);
    at_end(s);
    csv_stream_close(s);
}

static void test_malformed_then_recovers(void **state)
{
    (void)state;
    struct csv_stream *s = from("\"ab\"c,d\nx\"y,z\nfine,row\n\"open\nquote", 100);
    struct csv_row row;
    next_row(s, &row);
    assert_int_equal(row.flags, CSV_ROW_MALFORMED);
    assert_int_equal(row.line, 1);
    next_row(s, &row);
    assert_int_equal(row.flags, CSV_ROW_MALFORMED);
    assert_int_equal(row.line, 2);
    next_row(s, &row);
    assert_int_equal(row.flags, 0);
    assert_string_equal(row.field[1].data, "row");
    next_row(s, &row);
    assert_int_equal(row.flags, CSV_ROW_UNTERMINATED);
    assert_int_equal(row.line, 4);
    at_end(s);
    csv_stream_close(s);
}

static void test_many_fields_counted(void **state)
{
    (void)state;
    struct csv_stream *s = from("1,2,3,4,5,6,7,8,9,10,11,12\n", 100);
    struct csv_row row;
    next_row(s, &row);
    assert_int_equal(row.nfields, 12);
    assert_string_equal(row.field[CSV_ROW_KEEP - 1].data, "8");
    csv_stream_close(s);
}

/* Rows with quoted line ends of every kind, long enough that the 256 KiB read buffer splits
 * rows, quotes and CRLF pairs: reading the file must give what reading the block gives. */
static char *make_text(size_t *len)
{
    size_t cap = 3 * 1024 * 1024, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    unsigned seed = 7;
    static const char *const pieces[] = {
        "plain", "\"q,\"\"x\"\"\r\ny\"", "\"a\rb\"", "", "\"\"", "sp ace", "\"\n\n\""};
    while (n < cap - 1024) {
        for (int f = 0; f < 3; f++) {
            seed = seed * 1103515245u + 12345u;
            n += (size_t)sprintf(text + n, "%s%s", f ? "," : "", pieces[(seed >> 16) % 7]);
        }
        seed = seed * 1103515245u + 12345u;
        const char *end = (seed >> 16) % 3 == 0 ? "\r\n" : (seed >> 16) % 3 == 1 ? "\n" : "\r";
        n += (size_t)sprintf(text + n, "%s", end);
        if ((seed >> 20) % 50 == 0)
            n += (size_t)sprintf(text + n, "\n");
    }
    *len = n;
    return text;
}

static void test_file_equals_memory(void **state)
{
    (void)state;
    size_t len;
    char *text = make_text(&len);
    char path[] = "/tmp/test_csv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    struct error err;
    struct csv_stream *a = csv_stream_open_memory("m", text, len, 1 << 20);
    struct csv_stream *b = csv_stream_open(path, 1 << 20, &err);
    assert_non_null(b);
    struct csv_row ra, rb;
    size_t rows = 0;
    for (;;) {
        int ga = csv_stream_next(a, &ra, &err), gb = csv_stream_next(b, &rb, &err);
        assert_int_equal(ga, gb);
        if (ga == 0)
            break;
        rows++;
        assert_int_equal(ra.line, rb.line);
        assert_int_equal(ra.nfields, rb.nfields);
        assert_int_equal(ra.flags, 0);
        assert_int_equal(rb.flags, 0);
        for (size_t i = 0; i < ra.nfields && i < CSV_ROW_KEEP; i++)
            assert_memory_equal(ra.field[i].data, rb.field[i].data, ra.field[i].len + 1);
    }
    assert_true(rows > 50000);
    assert_int_equal(csv_stream_bytes(b), len);
    csv_stream_close(a);
    csv_stream_close(b);
    unlink(path);
    free(text);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct error err;
    assert_null(csv_stream_open("/nonexistent/x.csv", 10, &err));
    assert_non_null(strstr(err.msg, "/nonexistent/x.csv: cannot open"));
    struct csv_stream *s = csv_stream_open("/", 10, &err); /* a directory: read fails */
    if (s) {
        struct csv_row row;
        assert_int_equal(csv_stream_next(s, &row, &err), -1);
        assert_non_null(strstr(err.msg, "/: read failed"));
        csv_stream_close(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_line_numbers),
        cmocka_unit_test(test_bytes_and_nul),
        cmocka_unit_test(test_field_limit),
        cmocka_unit_test(test_malformed_then_recovers),
        cmocka_unit_test(test_many_fields_counted),
        cmocka_unit_test(test_file_equals_memory),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
