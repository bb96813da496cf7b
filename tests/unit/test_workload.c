/* test_workload.c - docs/WORKLOAD.md section 6's known answers; classify on a tiny model. */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "model.h"
#include "records.h"
#include "workload.h"

#include <stdio.h>
#include <string.h>

static void spelled(uint32_t i, const char *want)
{
    char buf[TOKEN_MAX_LEN + 1];
    size_t n = token_spell(i, buf);
    buf[n] = '\0';
    assert_string_equal(buf, want);
}

static void test_spellings(void **state)
{
    (void)state;
    spelled(0, "a");
    spelled(1, "ddeskpi");
    spelled(2, "kiwsihd");
    spelled(3, "nlaltwl");
    spelled(4, "uqslrog");
    spelled(5, "bwkmpgb");
    spelled(999, "fvmkjuf");
    spelled(4294967295u, "tuhzbif");
}

static void printed(double v, const char *want)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", v);
    assert_string_equal(buf, want);
}

static void test_weights_and_priors(void **state)
{
    (void)state;
    printed(token_weight(42, 16, 0, 0), "-3.7283511210919564");
    printed(token_weight(42, 16, 1, 3), "-7.5275427300693831");
    printed(token_weight(42, 16, 999, 15), "-7.1551422481957614");
    printed(class_prior(42, 0), "-1.9943930147772531");
    printed(class_prior(42, 15), "-1.1689760980030526");
}

static void test_fnv_and_result_line(void **state)
{
    (void)state;
    assert_int_equal(fnv1a64("0,3,-12.5", 9), 0x2d8da3f32cbc8bf7u);
    struct result r = {.id = 0, .class_index = 3, .score = -12.5};
    char line[RESULT_LINE_MAX];
    size_t n = result_format(&r, line);
    assert_string_equal(line, "0,3,-12.5");
    assert_int_equal(n, 9);
    struct checksum c = {0};
    checksum_add(&c, &r);
    assert_int_equal(c.sum, 0x2d8da3f32cbc8bf7u);
    assert_int_equal(c.count, 1);
}

static void test_checksum_is_order_independent(void **state)
{
    (void)state;
    struct result a = {.id = 1, .class_index = 2, .score = -3.25};
    struct result b = {.id = -7, .class_index = 0, .score = 0.0};
    struct checksum ab = {0}, ba = {0};
    checksum_add(&ab, &a);
    checksum_add(&ab, &b);
    checksum_add(&ba, &b);
    checksum_add(&ba, &a);
    assert_int_equal(ab.sum, ba.sum);
    assert_int_equal(ab.count, 2);
}

static void test_extreme_ids_print_canonically(void **state)
{
    (void)state;
    char line[RESULT_LINE_MAX];
    struct result r = {.id = INT64_MIN, .class_index = 255, .score = -0.1};
    result_format(&r, line);
    assert_string_equal(line, "-9223372036854775808,255,-0.10000000000000001");
    int64_t id;
    assert_int_equal(parse_record_id("007", 3, &id), 0);
    assert_int_equal(id, 7);
    assert_int_equal(parse_record_id("-0", 2, &id), 0);
    assert_int_equal(id, 0);
    assert_int_equal(parse_record_id("9223372036854775808", 19, &id), -1);
    assert_int_equal(parse_record_id("-9223372036854775809", 20, &id), -1);
    assert_int_equal(parse_record_id("-", 1, &id), -1);
    assert_int_equal(parse_record_id("", 0, &id), -1);
}

/* A record over fields given as strings. */
static struct record make_record(int64_t id, const char *user, const char *text)
{
    struct record rec = {.id = id, .line = 1};
    const char *values[RECORD_FIELDS] = {"", user, "de", "1", text};
    for (int i = 0; i < RECORD_FIELDS; i++)
        rec.field[i] = (struct csv_field){values[i], strlen(values[i])};
    return rec;
}

static void test_classify_by_hand(void **state)
{
    (void)state;
    struct spec spec = {.seed = 42, .vocab = 1000, .classes = 16};
    struct spec_rule rules[] = {{RULE_FIELD_USER, 0, "^bot[0-9]+$"},
                                {RULE_FIELD_TEXT, 1, "(^| )zzqx( |$)"}};
    spec.rules = rules;
    spec.nrules = 2;
    struct error err;
    struct model *m = model_build(&spec, &err);
    assert_non_null(m);
    struct classifier c;
    model_classifier(m, &c);
    struct result r;

    struct record bot = make_record(5, "bot12", "a ddeskpi");
    classify(&c, &bot, &r);
    assert_int_equal(r.class_index, 0);
    assert_true(r.score == 0.0);

    struct record rule_word = make_record(6, "user1", "x zzqx y");
    classify(&c, &rule_word, &r);
    assert_int_equal(r.class_index, 1);

    /* Not the rule: zzqx must be a whole word. */
    struct record near = make_record(7, "bot12x", "azzqx  a  ddeskpi unknown UPPER");
    classify(&c, &near, &r);
    double want[16];
    uint32_t best = 0;
    for (uint32_t k = 0; k < 16; k++) {
        want[k] = class_prior(42, k) + token_weight(42, 16, 0, k) + token_weight(42, 16, 1, k);
        if (want[k] > want[best])
            best = k;
    }
    assert_int_equal(r.class_index, best);
    assert_true(r.score == want[best]);
    model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spellings),
        cmocka_unit_test(test_weights_and_priors),
        cmocka_unit_test(test_fnv_and_result_line),
        cmocka_unit_test(test_checksum_is_order_independent),
        cmocka_unit_test(test_extreme_ids_print_canonically),
        cmocka_unit_test(test_classify_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
