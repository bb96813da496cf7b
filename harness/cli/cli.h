/* cli.h - what the sharebench subcommands share: exit codes and option-value parsing. */
#ifndef SHAREBENCH_CLI_H
#define SHAREBENCH_CLI_H

#include "util.h" /* the exit codes */

#include <stdint.h>

/* Parse the value of --flag as an integer in [min, max]; prints why not (not a number, or out
 * of range, with the range) and returns -1. */
int cli_count(const char *cmd, const char *flag, const char *value, uint64_t min, uint64_t max,
              uint64_t *out);

/* Same for a size with an optional K/M/G suffix. */
int cli_size(const char *cmd, const char *flag, const char *value, uint64_t min, uint64_t max,
             uint64_t *out);

/* Print "sharebench CMD: message" and a hint to 'sharebench CMD --help'; returns EXIT_USAGE.
 * A cmd that is a program of its own ("sharebench-mpi") is named as it is. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_gen(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_predict(int argc, char **argv);

#endif
