/* cli.c - see cli.h. */
#include "cli.h"

#include "util.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* "sharebench run" for a subcommand ("run"); a program of its own ("sharebench-mpi") as it is. */
static void print_command(const char *cmd)
{
    if (strncmp(cmd, "sharebench", strlen("sharebench")) == 0)
        fprintf(stderr, "%s", cmd);
    else
        fprintf(stderr, "sharebench %s", cmd);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    print_command(cmd);
    fputs(": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(see '", stderr);
    print_command(cmd);
    fputs(" --help')\n", stderr);
    return EXIT_USAGE;
}

static int out_of_range(const char *cmd, const char *flag, const char *value, uint64_t min,
                        uint64_t max)
{
    cli_usage_error(cmd, "--%s %s is out of range (%llu .. %llu)", flag, value,
                    (unsigned long long)min, (unsigned long long)max);
    return -1;
}

static int check_range(const char *cmd, const char *flag, const char *value, uint64_t v,
                       uint64_t min, uint64_t max)
{
    return v >= min && v <= max ? 0 : out_of_range(cmd, flag, value, min, max);
}

/* Only decimal digits (at least one), then, for a size, at most one K, M or G: a number that
 * failed to parse is then one too large for 64 bits, not something else. */
static bool is_decimal(const char *s, bool size_suffix)
{
    size_t digits = strspn(s, "0123456789");
    const char *rest = s + digits;
    if (size_suffix && *rest != '\0' && strchr("kKmMgG", *rest) != NULL)
        rest++;
    return digits > 0 && *rest == '\0';
}

int cli_count(const char *cmd, const char *flag, const char *value, uint64_t min, uint64_t max,
              uint64_t *out)
{
    if (parse_u64(value, out) == 0)
        return check_range(cmd, flag, value, *out, min, max);
    if (is_decimal(value, false))
        return out_of_range(cmd, flag, value, min, max);
    cli_usage_error(cmd, "--%s: '%s' is not a whole number", flag, value);
    return -1;
}

int cli_size(const char *cmd, const char *flag, const char *value, uint64_t min, uint64_t max,
             uint64_t *out)
{
    if (parse_size(value, out) == 0)
        return check_range(cmd, flag, value, *out, min, max);
    if (is_decimal(value, true))
        return out_of_range(cmd, flag, value, min, max);
    cli_usage_error(cmd, "--%s: '%s' is not a size (a number, optionally with K, M or G)", flag,
                    value);
    return -1;
}
