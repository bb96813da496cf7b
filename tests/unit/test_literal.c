/* test_literal.c - the required-literal prefilter never rules out a real match: for random
 * patterns of the ERE subset and random subjects, whenever regexec() matches, the literal is
 * in the subject. Plus the literals found for typical patterns. */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "literal.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

static void literal_is(const char *pattern, const char *want)
{
    char out[32];
    size_t n = regex_required_literal(pattern, out, sizeof out);
    if (strcmp(out, want) != 0 || n != strlen(want))
        fail_msg("pattern '%s': expected literal '%s', got '%s' (%zu)", pattern, want, out, n);
}

static void test_known_literals(void **state)
{
    (void)state;
    literal_is("(^| )zzqx( |$)", "zzqx");
    literal_is("^bot[0-9]+$", "bot");
    literal_is("a|b", "");
    literal_is("(a|b)cd", "cd");
    literal_is("ab*cde", "cde");
    literal_is("abc+d", "abc");
    literal_is("x?yz", "yz");
    literal_is("a{0,3}bc", "bc");
    literal_is("ab{2}cd", "ab");
    literal_is("\\.com", ".com");
    literal_is("\\w+foo", "");
    literal_is("[]a]bc", "bc");
    literal_is("[[:alpha:]]xyz", "xyz");
    literal_is(".*", "");
    literal_is("a**", "");
    literal_is("(unclosed", "");
}

static unsigned next(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

static size_t random_pattern(unsigned *seed, char *out, int depth)
{
    static const char *const atoms[] = {"a", "b", "c", ".", "[ab]", "[^a]", " ", "^", "$", "\\."};
    static const char *const quants[] = {"", "", "", "*", "+", "?", "{2}", "{0,1}", "{1,}"};
    size_t n = 0;
    int len = 1 + (int)(next(seed) % 5);
    for (int i = 0; i < len; i++) {
        unsigned pick = next(seed) % 13;
        if (pick >= 10 && depth < 2) {
            out[n++] = '(';
            n += random_pattern(seed, out + n, depth + 1);
            if (pick == 12) {
                out[n++] = '|';
                n += random_pattern(seed, out + n, depth + 1);
            }
            out[n++] = ')';
        } else {
            n += (size_t)sprintf(out + n, "%s", atoms[pick % 10]);
        }
        n += (size_t)sprintf(out + n, "%s", quants[next(seed) % 9]);
    }
    if (depth == 0 && next(seed) % 6 == 0) {
        out[n++] = '|';
        n += random_pattern(seed, out + n, 1);
    }
    out[n] = '\0';
    return n;
}

static void test_never_rules_out_a_match(void **state)
{
    (void)state;
    unsigned seed = 12345;
    int compiled = 0, checked = 0, matched = 0;
    for (int p = 0; p < 3000; p++) {
        char pattern[512], literal[32];
        random_pattern(&seed, pattern, 0);
        regex_t re;
        if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
            continue;
        compiled++;
        regex_required_literal(pattern, literal, sizeof literal);
        for (int s = 0; s < 60; s++) {
            char subject[16];
            int len = (int)(next(&seed) % 12);
            for (int i = 0; i < len; i++)
                subject[i] = "abc. "[next(&seed) % 5];
            subject[len] = '\0';
            if (regexec(&re, subject, 0, NULL, 0) == 0) {
                matched++;
                if (strstr(subject, literal) == NULL)
                    fail_msg("'%s' matches '%s' but lacks literal '%s'", subject, pattern, literal);
            }
            checked++;
        }
        regfree(&re);
    }
    print_message("%d patterns compiled, %d subjects checked, %d matched\n", compiled, checked,
                  matched);
    assert_true(compiled > 1000);
    assert_true(matched > 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_literals),
        cmocka_unit_test(test_never_rules_out_a_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
