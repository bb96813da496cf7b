/* run_checks.c - what is checked before a run builds or measures anything (run.h): options
 * that cannot work together, a spec that does not load, a records file that does not open or
 * lacks its header, a scratch directory that is none, a results file that cannot be created.
 * Saying so first spares the build of a model, and the baseline run, that would be thrown away.
 */
#include "run.h"

#include "outfile.h"
#include "records.h"

#include <string.h>
#include <sys/stat.h>

int run_check_options(const struct run_options *opt, struct error *err)
{
    if (opt->start_exec && !strategy_supports_exec(opt->strategy)) {
        char why[1024];
        return error_set(err, "%s", strategy_exec_refusal(opt->strategy, why, sizeof why));
    }
    return 0;
}

/* Whether an output (the results file, the timeline) can be created, said before the
 * baseline and the model build (and a py: run's program) rather than after them. A regular
 * file (or none yet) is tried as the run will open it, and the trial leaves nothing; a FIFO or
 * a device is only checked (outfile_check): opening one can block, or is the write itself. */
static int check_output(const char *path, struct error *err)
{
    struct stat st;
    if (path == NULL)
        return 0;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return outfile_check(path, err);
    struct outfile trial;
    if (outfile_open(&trial, path, err) != 0)
        return -1;
    outfile_discard(&trial);
    return 0;
}

/* A --scratch-dir that is not a directory is said before the build, as bad usage (exit 2),
 * rather than by the strategy that needs it once the model is built. */
static int check_scratch_dir(const char *dir, struct error *err)
{
    struct stat st;
    if (dir == NULL)
        return 0;
    if (stat(dir, &st) != 0)
        return error_errno(err, "--scratch-dir %s", dir);
    if (!S_ISDIR(st.st_mode))
        return error_set(err, "--scratch-dir %s: not a directory", dir);
    return 0;
}

int run_check_spec_is_file(const char *path, struct error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return error_set(err,
                         "%s: --spec must be a regular file: a run reads it more than once (its "
                         "workers and the Python program too), and a FIFO or a device gives its "
                         "text once",
                         path);
    return 0;
}

int run_check_inputs(const struct run_options *opt, struct error *err)
{
    if (run_check_spec_is_file(opt->spec_path, err) != 0)
        return -1;
    struct spec spec;
    if (spec_load(opt->spec_path, &spec, err) != 0)
        return -1;
    spec_free(&spec);
    /* Open what can be opened twice: a missing path, a directory or a regular file (opening
     * says what is wrong with it). A pipe, a FIFO or a device would lose what is read. */
    struct stat st;
    bool openable = strcmp(opt->input_path, "-") != 0 &&
                    (stat(opt->input_path, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
    struct record_reader *reader =
        openable ? record_reader_open(opt->input_path, opt->field_limit, err) : NULL;
    if (reader)
        record_reader_close(reader);
    if (openable && reader == NULL)
        return -1;
    if (check_scratch_dir(opt->scratch_dir, err) != 0)
        return -1;
    if (check_output(opt->output_path, err) != 0)
        return -1;
    return check_output(opt->timeline_path, err);
}
