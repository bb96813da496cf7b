/* cmd_gen.c - `sharebench gen`: write a records file for a spec. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "gen.h"

#include <fcntl.h>
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
           "write the same bytes. The file appears only when complete (written to a\n"
           "temporary name, then renamed).\n\n"
           "  --spec FILE     model spec (its vocab sets the words drawn)\n"
           "  --output FILE   where to write; '-' for standard output\n"
           "  --rows N        records to write (default 1000000)\n"
           "  --seed S        random seed (default 1)\n"
           "  --crlf          CRLF line ends (default LF)\n"
           "  --quiet         no progress on stderr\n");
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
    return 0;
}

/* Write to a temporary file beside the target and rename it when complete. */
static int write_file(const struct gen_args *a, const struct spec *spec, struct gen_stats *st,
                      struct error *err)
{
    if (strcmp(a->output, "-") == 0)
        return gen_write(STDOUT_FILENO, "<stdout>", spec, &a->opt, st, err);
    size_t n = strlen(a->output) + 16;
    char *tmp = xmalloc(n);
    snprintf(tmp, n, "%s.tmp%ld", a->output, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = fd < 0 ? error_errno(err, "%s: cannot create", tmp) : 0;
    if (rc == 0)
        rc = gen_write(fd, a->output, spec, &a->opt, st, err);
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = error_errno(err, "%s: write failed", tmp);
    if (rc == 0 && rename(tmp, a->output) != 0)
        rc = error_errno(err, "%s: cannot rename to %s", tmp, a->output);
    if (rc != 0 && fd >= 0)
        unlink(tmp);
    free(tmp);
    return rc;
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
    struct gen_stats st;
    rc = write_file(&a, &spec, &st, &err);
    spec_free(&spec);
    if (rc != 0) {
        fprintf(stderr, "sharebench gen: %s\n", err.msg);
        return EXIT_FAILURE_RUN;
    }
    if (!a.quiet)
        fprintf(stderr, "sharebench gen: wrote %llu rows, %llu bytes to %s in %.2f s (%.0f MB/s)\n",
                (unsigned long long)st.rows, (unsigned long long)st.bytes, a.output, st.seconds,
                st.seconds > 0 ? (double)st.bytes / 1e6 / st.seconds : 0.0);
    return EXIT_OK;
}
