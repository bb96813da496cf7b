/* cmd_clean.c - `sharebench clean`: remove what killed runs left in a scratch directory.
 *
 * A run removes its files when it ends, however it ends, but for one case: killed by SIGKILL
 * (or with the machine), a mapped_file run whose workers were exec'd leaves its image's name,
 * sharebench-PID-N.img. The next mapped_file run in the same directory removes such files
 * silently; this command does it on demand and says what it removed. What is stale and what
 * is in use is decided as harness/support/scratch.h says: a file is removed only when the
 * process named in it no longer runs and nobody holds it locked.
 */
#include "cli.h"
#include "outfile.h"
#include "scratch.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void clean_help(void)
{
    printf("usage: sharebench clean [--scratch-dir DIR]\n\n"
           "Removes the files that runs killed with SIGKILL left in the scratch directory:\n"
           "mapped_file's images (sharebench-PID-N.img, and sharebench-PID-N.img.tmp if killed\n"
           "while writing one) and the folders of 'sharebench check' (sharebench-check-PID-*)\n"
           "whose process no longer runs. Files of runs still running are\n"
           "kept, and so are other users' files (even for root). Prints one line per file,\n"
           "removed or kept, then a total. The next mapped_file run in the same directory\n"
           "removes them too.\n\n"
           "  --scratch-dir DIR   the directory to clean (default $TMPDIR, else /tmp), as\n"
           "                      given to 'sharebench run --scratch-dir'\n\n"
           "Exit status: 0 success (nothing to remove included), 1 a file could not be\n"
           "removed, 2 bad usage or a directory that cannot be read.\n");
}

struct clean_totals {
    unsigned removed, failed;
    uint64_t bytes;
};

static void report_file(void *arg, const struct scratch_file *f)
{
    struct clean_totals *t = arg;
    double mb = (double)f->bytes / 1e6;
    if (f->removed) {
        t->removed++;
        t->bytes += f->bytes;
        bool runs = kill(f->owner, 0) == 0 || errno == EPERM;
        printf("removed %s (%.1f MB): process %d %s\n", f->path, mb, (int)f->owner,
               runs ? "runs but is not its owner (it holds no lock on it)" : "no longer runs");
    } else if (f->foreign) {
        printf("kept %s (%.1f MB): belongs to user %u\n", f->path, mb, f->uid);
    } else if (f->errnum == 0) {
        printf("kept %s (%.1f MB): in use by a run that is alive (process %d)\n", f->path, mb,
               (int)f->owner);
    } else {
        t->failed++;
        fprintf(stderr, "sharebench clean: cannot remove %s: %s\n", f->path, strerror(f->errnum));
    }
}

static int parse_clean_args(int argc, char **argv, const char **dir)
{
    static const struct option longopts[] = {{"scratch-dir", required_argument, NULL, 'D'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'D':
            *dir = optarg;
            break;
        case 'h':
            clean_help();
            return -1;
        case ':':
            return cli_usage_error("clean", "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("clean", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("clean", "unexpected argument '%s'", argv[optind]);
    return 0;
}

int cmd_clean(int argc, char **argv)
{
    const char *dir = NULL;
    int rc = parse_clean_args(argc, argv, &dir);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    dir = scratch_dir(dir);
    struct clean_totals totals = {0};
    struct error err;
    if (outfile_check_dir_links(dir, &err) != 0 ||
        scratch_sweep(dir, report_file, &totals, &err) < 0) {
        fprintf(stderr, "sharebench clean: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if (totals.removed || totals.failed)
        printf("sharebench clean: removed %u file%s (%.1f MB) from %s\n", totals.removed,
               totals.removed == 1 ? "" : "s", (double)totals.bytes / 1e6, dir);
    else
        printf("sharebench clean: nothing to remove in %s\n", dir);
    return totals.failed ? EXIT_FAILURE_RUN : EXIT_OK;
}
