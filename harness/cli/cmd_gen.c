/* cmd_gen.c - `sharebench gen`: write a records file for a spec. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "gen.h"
#include "interrupt.h"
#include "outfile.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void gen_help(void)
{
    printf("usage: sharebench gen --spec FILE --output FILE [--rows N] [--seed S] [--crlf]\n"
           "                      [--quiet]\n\n"
           "Writes a records file (id,user,country,amount,text) for the model spec: words drawn\n"
           "Zipf-like over token indices 0 .. 1.25*vocab, some quoted fields with commas,\n"
           "quotes and line breaks, some bytes that are not UTF-8. The same options always\n"
           "write the same bytes. A regular file appears only when complete: until then the\n"
           "old one stays as it was (a symbolic link is followed, the file it names replaced).\n"
           "A device, a FIFO or /dev/stdout is written directly.\n\n"
           "  --spec FILE     model spec (its vocab sets the words drawn)\n"
           "  --output FILE   where to write; '-' for standard output\n"
           "  --rows N        records to write (default 1000000)\n"
           "  --seed S        random seed (default 1)\n"
           "  --crlf          CRLF line ends (default LF)\n"
           "  --quiet         no progress on stderr\n\n"
           "Exit status: 0 success, 1 a write failed, 2 bad usage or unusable input (the spec,\n"
           "an output that cannot be created), 130/143 interrupted by SIGINT/SIGTERM.\n");
}

struct gen_args {
    const char *spec;
    const char *output;
    struct gen_options opt;
    bool quiet;
};

static int parse_gen_args(int argc, char **argv, struct gen_args *a)
{
    static const struct option longopts[] = {
        {"spec", required_argument, NULL, 's'}, {"output", required_argument, NULL, 'o'},
        {"rows", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 'S'},
        {"crlf", no_argument, NULL, 'c'},       {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    *a = (struct gen_args){.opt = {.rows = 1000000, .seed = 1}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            a->spec = optarg;
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'n':
            if (cli_count("gen", "rows", optarg, 0, UINT64_MAX / 2, &a->opt.rows) != 0)
                return EXIT_USAGE;
            break;
        case 'S':
            if (cli_count("gen", "seed", optarg, 0, UINT64_MAX, &a->opt.seed) != 0)
                return EXIT_USAGE;
            break;
        case 'c':
            a->opt.crlf = true;
            break;
        case 'q':
            a->quiet = true;
            break;
        case 'h':
            gen_help();
            return -1;
        case ':':
            return cli_usage_error("gen", "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("gen", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("gen", "unexpected argument '%s'", argv[optind]);
    if (a->spec == NULL || a->output == NULL)
        return cli_usage_error("gen", "--spec and --output are required");
    if (outfile_same_file(a->output, a->spec)) /* by identity: before the spec is read */
        return cli_usage_error("gen",
                               "--output %s is the same file as --spec %s: refused, it "
                               "would be destroyed",
                               a->output, a->spec);
    return 0;
}

static void report_interrupt(const struct gen_args *a, const struct outfile *out,
                             const struct gen_stats *st)
{
    const char *why = strsignal(interrupt_signal());
    if (outfile_is_direct(out))
        fprintf(stderr, "sharebench gen: interrupted by %s after writing %llu bytes to %s\n", why,
                (unsigned long long)st->bytes, a->output);
    else
        fprintf(stderr, "sharebench gen: interrupted by %s; %s not written\n", why, a->output);
}

/* Write the records to the output (outfile.h: a regular file appears only when complete, a
 * device or FIFO is written directly). Returns the exit status. */
static int write_output(const struct gen_args *a, const struct spec *spec, struct gen_stats *st)
{
    struct error err;
    struct outfile out;
    bool to_stdout = strcmp(a->output, "-") == 0;
    if (outfile_open(&out, to_stdout ? "/proc/self/fd/1" : a->output, &err) != 0) {
        fprintf(stderr, "sharebench gen: %s\n", err.msg);
        return EXIT_USAGE;
    }
    int rc = gen_write(out.fd, to_stdout ? "standard output" : a->output, spec, &a->opt, st, &err);
    if (rc == 0)
        rc = outfile_commit(&out, &err);
    if (rc == 0)
        return EXIT_OK;
    if (interrupt_signal())
        report_interrupt(a, &out, st);
    else
        fprintf(stderr, "sharebench gen: %s\n", err.msg);
    outfile_discard(&out);
    return interrupt_signal() ? 128 + interrupt_signal() : EXIT_FAILURE_RUN;
}

int cmd_gen(int argc, char **argv)
{
    struct gen_args a;
    int rc = parse_gen_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    struct error err;
    struct spec spec;
    if (spec_load(a.spec, &spec, &err) != 0) {
        fprintf(stderr, "sharebench gen: %s\n", err.msg);
        return EXIT_USAGE;
    }
    a.opt.progress = !a.quiet && isatty(STDERR_FILENO);
    interrupt_install();
    struct gen_stats st = {0};
    rc = write_output(&a, &spec, &st);
    spec_free(&spec);
    if (rc != EXIT_OK)
        return rc;
    if (!a.quiet)
        fprintf(stderr, "sharebench gen: wrote %llu rows, %llu bytes to %s in %.2f s (%.0f MB/s)\n",
                (unsigned long long)st.rows, (unsigned long long)st.bytes, a.output, st.seconds,
                st.seconds > 0 ? (double)st.bytes / 1e6 / st.seconds : 0.0);
    return EXIT_OK;
}
