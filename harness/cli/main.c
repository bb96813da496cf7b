/* main.c - the sharebench command line: one binary, one subcommand per job.
 *
 *   sharebench gen   write a records file for a spec
 *   sharebench run   classify a records file with one strategy and print the summary
 *   sharebench compare  the matrix of strategies x workers x chunks, repeated, as one CSV
 *   sharebench list  the strategies, one line each
 *   sharebench check  grade one strategy against the conformance cases (the autograder)
 *   sharebench predict  make the runs a predictions file names; predicted against measured
 *   sharebench clean  remove what runs killed with SIGKILL left in a scratch directory
 *   sharebench worker  one exec-started worker (the pool runs it, for --start exec)
 */
#include "cli.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"gen", cmd_gen, "write a records file for a model spec (deterministic)"},
    {"run", cmd_run, "classify a records file with one strategy; print the summary"},
    {"compare", cmd_compare, "run strategies x workers x chunks, repeated; write a results CSV"},
    {"list", cmd_list, "list the sharing strategies"},
    {"check", cmd_check, "grade a strategy: conformance, exec, a killed worker, memory"},
    {"predict", cmd_predict, "make the runs of a predictions file; predicted against measured"},
    {"clean", cmd_clean, "remove the files runs killed with SIGKILL left in a scratch directory"},
    {"worker", cmd_worker, "(internal) one worker of a pool started with --start exec"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: sharebench COMMAND [OPTIONS]\n\n"
                 "Compares the ways worker processes can share one large read-only model.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'sharebench COMMAND --help' describes each command.\n"
                 "Exit status: 0 success, 1 the run failed, 2 bad usage or unusable input.\n");
}

/* Run the command argv[1] names, which becomes util_command() for messages. */
static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *arg = argv[1];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(arg, "--version") == 0) {
        printf("sharebench " SHAREBENCH_VERSION "\n");
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(arg, commands[i].name) == 0) {
            static char command[32];
            snprintf(command, sizeof command, "sharebench %s", arg);
            util_set_command(command);
            return commands[i].fn(argc - 1, argv + 1);
        }
    fprintf(stderr, "sharebench: unknown command '%s'\n\n", arg);
    usage(stderr);
    return EXIT_USAGE;
}

/* Standard output is buffered: a full disk or a closed pipe shows only when it is flushed,
 * after the command has finished. Flush and close both streams and fail if either lost
 * anything, as coreutils' close_stdout does, so that a lost summary is not exit 0. */
static int close_standard_streams(int rc)
{
    bool lost = ferror(stdout) != 0;
    int why = 0;
    if (fflush(stdout) != 0 || fclose(stdout) != 0) {
        lost = true;
        why = errno;
    }
    if (lost)
        fprintf(stderr, "%s: cannot write standard output%s%s\n", util_command(), why ? ": " : "",
                why ? strerror(why) : "");
    if (ferror(stderr) || fclose(stderr) != 0)
        lost = true; /* nowhere left to say so: the exit status must */
    return lost && rc == EXIT_OK ? EXIT_FAILURE_RUN : rc;
}

int main(int argc, char **argv)
{
    /* Past a file size limit (ulimit -f), a write fails with EFBIG and the writer says which
     * file, instead of the process dying of SIGXFSZ without a word. Inherited by workers. */
    signal(SIGXFSZ, SIG_IGN);
    return close_standard_streams(dispatch(argc, argv));
}
