/* test_spec.c - every rule of docs/WORKLOAD.md section 1: good specs load, each bad one is refused
 * with a message naming the line. */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "spec.h"

#include <string.h>

static void refused(const char *text, const char *message)
{
    struct spec spec;
    struct error err = {{0}};
    int rc = spec_parse("s.csv", text, strlen(text), &spec, &err);
    if (rc == 0 || strstr(err.msg, message) == NULL)
        fail_msg("spec:\n%s\nexpected refusal with '%s', got rc %d: '%s'", text, message, rc,
                 err.msg);
    assert_int_equal(spec.nrules, 0); /* nothing is built */
}

static void test_good_spec(void **state)
{
    (void)state;
    const char *text = "seed,42\r\nvocab,200000\nclasses,16\n\n"
                       "rule,user,0,^bot[0-9]+$\nrule,text,1,\"(^| )zzqx( |$)\"\n"
                       "rule,text,2,\"a,b\"\n";
    struct spec spec;
    struct error err;
    assert_int_equal(spec_parse("s.csv", text, strlen(text), &spec, &err), 0);
    assert_int_equal(spec.seed, 42);
    assert_int_equal(spec.vocab, 200000);
    assert_int_equal(spec.classes, 16);
    assert_int_equal(spec.nrules, 3);
    assert_int_equal(spec.rules[0].field, RULE_FIELD_USER);
    assert_string_equal(spec.rules[1].pattern, "(^| )zzqx( |$)");
    assert_string_equal(spec.rules[2].pattern, "a,b");
    assert_int_equal(spec.rules[2].class_index, 2);
    spec_free(&spec);
}

static void test_limits_accepted(void **state)
{
    (void)state;
    const char *text = "seed,18446744073709551615\nvocab,4294967295\nclasses,256\n";
    struct spec spec;
    struct error err;
    assert_int_equal(spec_parse("s.csv", text, strlen(text), &spec, &err), 0);
    assert_true(spec.seed == UINT64_MAX);
    assert_int_equal(spec.vocab, 4294967295u);
    assert_int_equal(spec.classes, 256);
    spec_free(&spec);
    /* Repetition of a group without one inside, or of an escaped parenthesis, is allowed. */
    text = "seed,1\nvocab,10\nclasses,2\nrule,user,0,\\((a+)\\)*(ab)*(c|d+)x\n";
    assert_int_equal(spec_parse("s.csv", text, strlen(text), &spec, &err), 0);
    spec_free(&spec);
    /* So is '?' on a group with a '|', and a '|' that is a member or escaped under a '*'; and
     * up to 256 ways through a pattern (3^5 here, and one way per branch of the last group). */
    text = "seed,1\nvocab,10\nclasses,2\nrule,text,0,(^| )(a|ab)?c([|]b)*(a\\|b)+\n";
    assert_int_equal(spec_parse("s.csv", text, strlen(text), &spec, &err), 0);
    spec_free(&spec);
    text = "seed,1\nvocab,10\nclasses,2\nrule,text,0,(a|b)?(a|b)?(a|b)?(a|b)?(a|b)?\\?\\?\\?\\?\\?"
           "[?|][?|][?|][?|]\nrule,text,1,(^| )(aa|bb|cc|dd|ee|ff|gg|hh|ii|jj|kk|ll|mm|nn|oo|pp|qq|"
           "rr|ss|tt|uu|vv|ww|xx|yy|zz)?( |$)\n";
    assert_int_equal(spec_parse("s.csv", text, strlen(text), &spec, &err), 0);
    spec_free(&spec);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("", "missing 'seed'");
    refused("seed,1\nclasses,2\n", "missing 'vocab'");
    refused("seed,1\nvocab,2\n", "missing 'classes'");
    refused("seed,1\nvocab,10\nclasses,2\ncolour,red\n", "s.csv:4: unknown key 'colour'");
    refused("seed,-1\nvocab,10\nclasses,2\n", "s.csv:1: seed: '-1' is not an unsigned");
    refused("seed,18446744073709551616\nvocab,10\nclasses,2\n", "s.csv:1: seed:");
    refused("seed,1\nvocab,0\nclasses,2\n", "s.csv:2: vocab: 0 is out of range");
    refused("seed,1\nvocab,4294967296\nclasses,2\n", "s.csv:2: vocab: 4294967296 is out");
    refused("seed,1\nvocab,10\nclasses,0\n", "s.csv:3: classes: 0 is out of range");
    refused("seed,1\nvocab,10\nclasses,257\n", "s.csv:3: classes: 257 is out of range");
    refused("seed,1\nvocab,1e3\nclasses,2\n", "s.csv:2: vocab: '1e3' is not");
    refused("seed,1\nvocab, 10\nclasses,2\n", "s.csv:2: vocab: ' 10' is not");
    refused("seed,1\nvocab,\nclasses,2\n", "s.csv:2: vocab: '' is not");
    refused("seed,1\nseed,2\nvocab,10\nclasses,2\n", "s.csv:2: 'seed' is given twice");
    refused("seed,1,2\nvocab,10\nclasses,2\n", "s.csv:1: 'seed' takes 2 fields, found 3");
    refused("seed,1\nvocab,10\nclasses,2\nrule,user,0\n", "s.csv:4: 'rule' takes 4 fields");
    refused("seed,1\nvocab,10\nclasses,2\nrule,country,0,x\n",
            "s.csv:4: rule field must be 'user' or 'text'");
    refused("seed,1\nvocab,10\nclasses,2\nrule,user,x,a\n", "s.csv:4: rule class 'x'");
    refused("seed,1\nvocab,10\nclasses,2\nrule,user,2,a\n", ":4: rule class 2 is not below");
    refused("rule,user,3,a\nseed,1\nvocab,10\nclasses,3\n", ":1: rule class 3 is not below");
    refused("seed,1\nvocab,10\nclasses,2\nrule,user,0,(unclosed\n",
            "s.csv:4: rule pattern '(unclosed' does not compile");
    refused("seed,1\nvocab,10\nclasses,2\nrule,user,0,a[\n", "s.csv:4: rule pattern");
    refused("seed,1\nvocab,10\nclasses,2\nrule,user,0,a++\n", "s.csv:4: rule pattern 'a++' uses a "
                                                              "quantifier right after another");
    refused("seed,1\nvocab,10\nclasses,2\nrule,user,0,x*?\n", "quantifier right after");
    refused("seed,1\nvocab,10\nclasses,2\nrule,text,0,a{2}\n", "uses an interval");
    refused("seed,1\nvocab,10\nclasses,2\nrule,user,0,^[[]++\n", "quantifier right after");
    refused("seed,1\nvocab,10\nclasses,2\nrule,user,0,[^]]++\n", "quantifier right after");
    refused("seed,1\nvocab,10\nclasses,2\nrule,text,0,a+b+c+d+e+f+g+h+i+\n", "more than 8 '+'");
    refused("seed,1\nvocab,10\nclasses,2\nrule,user,0,((x*)*)*y\n", "a quantifier on a group");
    refused("seed,1\nvocab,10\nclasses,2\nrule,user,0,(a|(b+))?c\n", "a quantifier on a group");
    refused("seed,1\nvocab,10\nclasses,2\nrule,text,0,(a|a)*b\n",
            "s.csv:4: rule pattern '(a|a)*b' uses a '*' or '+' on a group that holds a '|'");
    refused("seed,1\nvocab,10\nclasses,2\nrule,text,0,(.|a)+z\n", "on a group that holds a '|'");
    refused("seed,1\nvocab,10\nclasses,2\nrule,text,0,((a|ab)c)*d\n", "holds a '|'");
    refused(
        "seed,1\nvocab,10\nclasses,2\nrule,text,0,a?a?a?a?a?a?a?a?a?aaaaaaaaa\n",
        "s.csv:4: rule pattern 'a?a?a?a?a?a?a?a?a?aaaaaaaaa' uses more than 256 ways through it");
    refused(
        "seed,1\nvocab,10\nclasses,2\nrule,text,0,(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)\n",
        "more than 256 ways");
    refused("seed,1\nvocab,10\nclasses,2\nrule,text,0,(a|b|c)?(a|b|c)?(a|b|c)?(a|b|c)?a?x\n",
            "more than 256 ways"); /* 4^4 * 2 */

    refused("seed,\"1\nvocab,10\n", "s.csv:1: malformed quoting");
    refused("seed,1\"\nvocab,10\nclasses,2\n", "s.csv:1: malformed quoting");
}

static void test_load_missing_file(void **state)
{
    (void)state;
    struct spec spec;
    struct error err;
    assert_int_equal(spec_load("/nonexistent/spec.csv", &spec, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/spec.csv: cannot open spec"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_spec),
        cmocka_unit_test(test_limits_accepted),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_load_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
