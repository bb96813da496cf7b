/* cli.c - see cli.h. */
#include "cli.h"

#include "util.h"

#include <stdarg.h>
#include <stdio.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "sharebench %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'sharebench %s --help')\n", cmd);
    return EXIT_USAGE;
}

static int check_range(const char *cmd, const char *flag, const char *value, uint64_t v,
                       uint64_t min, uint64_t max)
{
    if (v >= min && v <= max)
        return 0;
    cli_usage_error(cmd, "--%s %s is out of range (%llu .. %llu)", flag, value,
                    (unsigned long long)min, (unsigned long long)max);
    return -1;
}

int cli_count(const char *cmd, const char *flag, const char *value, uint64_t min, uint64_t max,
              uint64_t *out)
{
    if (parse_u64(value, out) != 0) {
        cli_usage_error(cmd, "--%s: '%s' is not a whole number", flag, value);
        return -1;
    }
    return check_range(cmd, flag, value, *out, min, max);
}

int cli_size(const char *cmd, const char *flag, const char *value, uint64_t min, uint64_t max,
             uint64_t *out)
{
    if (parse_size(value, out) != 0) {
        cli_usage_error(cmd, "--%s: '%s' is not a size (a number, optionally with K, M or G)", flag,
                        value);
        return -1;
    }
    return check_range(cmd, flag, value, *out, min, max);
}
