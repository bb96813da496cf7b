/* python_run.c - `sharebench run --strategy py:NAME`: the Python program, started, watched
 * and measured as a C run is (python_run.h). */
#define _GNU_SOURCE
#include "python_run.h"

#include "buf.h"
#include "input_id.h"
#include "interrupt.h"
#include "memsample.h"
#include "outfile.h"
#include "python_watch.h"
#include "scratch.h"
#include "selfspawn.h"
#include "summary.h"
#include "test_hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* The descriptors the program is given, beside its stdout. */
#define PROGRESS_FD 3  /* it writes its progress events here */
#define OUTPUT_FD   4  /* the results file the harness opened (with --output) */
#define INPUT_FD    5  /* the records file the harness opened (not for standard input) */
#define SOURCE_MIN  10 /* the descriptors they are copied from sit above them all */

extern char **environ;

/* ---- starting it ------------------------------------------------------------------------ */

struct program_argv {
    char workers[16], chunk[16], limit[32], field_limit[32], progress[8], output[8], input[8];
    char *argv[56];
};

/* The files the harness holds for the program. It opens the input, so that the program reads
 * the very file whose identity was taken and a change during the run is found as in a C run
 * (input_id.h), and the results file (outfile.h), which the program writes and the harness
 * commits only once the program has finished and the input is found unchanged: a py: run's
 * outputs and inputs keep every promise a C run's do, because it is the same code. */
struct program_files {
    int input; /* -1: the program reads the standard input it inherits */
    struct input_id input_at_start;
    struct outfile out; /* out.fd -1: no --output */
};

/* Python's start method for the run: fork, or what --start named (exec means spawn). */
static const char *start_method(const struct run_options *o)
{
    return o->start_method ? o->start_method : o->start_exec ? "spawn" : "fork";
}

static void build_argv(const struct run_options *o, const struct program_files *files,
                       struct program_argv *p)
{
    snprintf(p->workers, sizeof p->workers, "%u", o->workers);
    snprintf(p->chunk, sizeof p->chunk, "%u", o->chunk);
    snprintf(p->limit, sizeof p->limit, "%" PRIu64, o->limit);
    snprintf(p->field_limit, sizeof p->field_limit, "%zu", o->field_limit);
    snprintf(p->progress, sizeof p->progress, "%d", PROGRESS_FD);
    snprintf(p->output, sizeof p->output, "%d", OUTPUT_FD);
    snprintf(p->input, sizeof p->input, "%d", INPUT_FD);
    const char *flags[][2] = {{"--strategy", python_strategy_idiom(o->strategy)},
                              {"--model", python_strategy_model(o->strategy)},
                              {"--spec", o->spec_path},
                              {"--input", o->input_path},
                              {"--input-fd", files->input >= 0 ? p->input : NULL},
                              {"--workers", p->workers},
                              {"--chunk", p->chunk},
                              {"--start", start_method(o)},
                              {"--field-limit", p->field_limit},
                              {"--progress-fd", p->progress},
                              {"--limit", o->limit ? p->limit : NULL},
                              {"--output", o->output_path},
                              {"--output-fd", files->out.fd >= 0 ? p->output : NULL},
                              {"--scratch-dir", o->scratch_dir}};
    size_t n = 0;
    p->argv[n++] = (char *)python_interpreter(); /* a path: Python finds its own through it */
    p->argv[n++] = (char *)python_script();
    p->argv[n++] = "run";
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (flags[i][1]) {
            p->argv[n++] = (char *)flags[i][0];
            p->argv[n++] = (char *)flags[i][1];
        }
    p->argv[n] = NULL;
}

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* A descriptor the program is given: from (at or above SOURCE_MIN, close-on-exec) becomes
 * to in the program. The sources sit above every target, so no dup2 can close a source
 * another one still needs, and none is dup2'ed onto itself (which would leave it
 * close-on-exec). */
struct child_fd {
    int from, to;
};

/* Start the program in a process group of its own (the group is how its processes are found
 * and stopped), signals at their defaults, with the descriptors fds; stderr is the run's (the
 * rejection lines, the program's messages). */
static int spawn_in_group(char *const argv[], const struct child_fd *fds, size_t nfds, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    for (size_t i = 0; i < nfds; i++)
        posix_spawn_file_actions_adddup2(&fa, fds[i].from, fds[i].to);
    sigset_t defaults, none;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGHUP);
    sigaddset(&defaults, SIGPIPE);
    sigemptyset(&none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &none);
    int rc = posix_spawn(pid, python_interpreter(), &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return rc;
}

/* The descriptors the program is given: its stdout and progress pipes' write ends, and the
 * files the harness holds, each copied to a source above the targets (child_fd). Returns how
 * many, or -1 (errno set; the copies made are closed). */
static int child_fds(int out_w, int progress_w, const struct program_files *files,
                     struct child_fd fds[4])
{
    int given[][2] = {{out_w, STDOUT_FILENO},
                      {progress_w, PROGRESS_FD},
                      {files->out.fd, OUTPUT_FD},
                      {files->input, INPUT_FD}};
    int n = 0;
    for (size_t i = 0; i < sizeof given / sizeof given[0]; i++) {
        if (given[i][0] < 0)
            continue;
        fds[n] = (struct child_fd){fcntl(given[i][0], F_DUPFD_CLOEXEC, SOURCE_MIN), given[i][1]};
        if (fds[n].from < 0) {
            int saved = errno;
            while (n-- > 0)
                close(fds[n].from);
            errno = saved;
            return -1;
        }
        n++;
    }
    return n;
}

static int start_program(const struct run_options *o, const struct program_files *files,
                         struct python_program *p, struct error *err)
{
    int out[2], progress[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return error_errno(err, "pipe");
    if (pipe2(progress, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return error_errno(err, "pipe");
    }
    struct program_argv args;
    build_argv(o, files, &args);
    struct child_fd fds[4];
    int nfds = child_fds(out[1], progress[1], files, fds);
    int rc = nfds < 0 ? errno : spawn_in_group(args.argv, fds, (size_t)nfds, &p->pid);
    close(out[1]);
    close(progress[1]);
    for (int i = 0; i < nfds; i++)
        close(fds[i].from);
    if (rc != 0 || set_nonblocking(out[0]) != 0 || set_nonblocking(progress[0]) != 0) {
        close(out[0]);
        close(progress[0]);
        errno = rc ? rc : errno;
        return error_cannot_start(err, "cannot start %s %s", python_interpreter(), python_script());
    }
    p->out = out[0];
    p->progress = progress[0];
    p->last_event = now_seconds();
    return 0;
}

/* ---- the files it reads and writes ------------------------------------------------------ */

/* Open the input and the results file for the program. Returns 0, or -1 with err (the input
 * cannot be opened, the results file cannot be created: bad usage, as for a C run). */
static int open_files(const struct run_options *o, struct program_files *files, struct error *err)
{
    *files = (struct program_files){.input = -1, .out = {.fd = -1}};
    input_id_take(o->input_path, &files->input_at_start);
    if (strcmp(o->input_path, "-") != 0) {
        files->input = open(o->input_path, O_RDONLY | O_CLOEXEC);
        if (files->input < 0)
            return error_errno(err, "%s: cannot open", o->input_path);
    }
    if (o->output_path && outfile_open(&files->out, o->output_path, err) != 0) {
        if (files->input >= 0)
            close(files->input);
        files->input = -1;
        return -1;
    }
    return 0;
}

/* The program has finished: if the input is as it was, put its results in place. SIGINT and
 * SIGTERM wait meanwhile, so a signal comes before (the program would not have finished) or
 * after (the run has finished). Returns 0, or -1 with err (nothing committed). */
static int commit_files(const struct run_options *o, struct program_files *files, struct error *err)
{
    sigset_t old_mask;
    interrupt_block(&old_mask);
    int rc = input_id_check(o->input_path, &files->input_at_start, err);
    if (rc == 0 && files->out.fd >= 0)
        rc = outfile_commit(&files->out, err);
    interrupt_restore(&old_mask);
    if (rc == 0 && o->output_path)
        test_hooks_pause("committed");
    return rc;
}

/* Close what is left: the input, and a results file not committed (discarded). */
static void close_files(struct program_files *files)
{
    if (files->input >= 0)
        close(files->input);
    files->input = -1;
    outfile_discard(&files->out);
}

/* ---- one run, measured ------------------------------------------------------------------ */

/* Run the program under the sampler until it and its group have ended. Returns 0 (its wait
 * status in p->status), or -1 with err if it could not be started. */
static int run_program(const struct run_options *o, const struct program_files *files,
                       struct python_program *p, struct mem_summary *mem, struct error *err)
{
    bool workers = o->strategy->kind != STRATEGY_IN_PROCESS;
    *p = (struct python_program){.task_timeout = o->task_timeout,
                                 .settle_after = workers ? o->workers : 1};
    if (start_program(o, files, p, err) != 0)
        return -1;
    unsigned columns = o->strategy->kind == STRATEGY_PROCESSES ? o->workers + 2 : 0;
    struct error sampler_err;
    if (o->sample_ms)
        p->sampler =
            memsampler_start_group(o->sample_ms, o->timeline_path, columns, p->pid, &sampler_err);
    if (o->sample_ms && p->sampler == NULL)
        python_stop(p, "%s", sampler_err.msg);
    python_watch(p);
    python_end_group(p->pid);
    close(p->out);
    close(p->progress);
    if (p->sampler && memsampler_stop(p->sampler, mem, &sampler_err) != 0 && !p->stopped[0])
        snprintf(p->stopped, sizeof p->stopped, "%s", sampler_err.msg);
    return 0;
}

/* ---- the figures ------------------------------------------------------------------------ */

/* The program's summary keys, and where each goes. */
static const struct {
    const char *key;
    size_t offset;
    enum { U64, F64 } type;
} program_figures[] = {
    {"rows", offsetof(struct run_stats, rows), U64},
    {"rejected", offsetof(struct run_stats, rejected), U64},
    {"input_bytes", offsetof(struct run_stats, bytes), U64},
    {"chunks", offsetof(struct run_stats, chunks), U64},
    {"bytes_shipped", offsetof(struct run_stats, bytes_shipped), U64},
    {"seconds", offsetof(struct run_stats, seconds), F64},
    {"build_s", offsetof(struct run_stats, build_seconds), F64},
    {"prepare_s", offsetof(struct run_stats, prepare_seconds), F64},
    {"start_s", offsetof(struct run_stats, start_seconds), F64},
    {"ready_s", offsetof(struct run_stats, ready_seconds), F64},
    {"first_result_s", offsetof(struct run_stats, first_result_seconds), F64},
    {"parent_cpu_s", offsetof(struct run_stats, parent_cpu_seconds), F64},
};

/* What the program says about itself beyond struct run_stats. */
struct program_says {
    char start[16], model[16], python[32];
};

static int read_figures(const char *text, struct run_stats *st, struct program_says *says)
{
    char v[64];
    for (size_t i = 0; i < sizeof program_figures / sizeof program_figures[0]; i++) {
        if (summary_lookup(text, program_figures[i].key, v, sizeof v) != 0)
            return -1;
        char *at = (char *)st + program_figures[i].offset;
        if (program_figures[i].type == U64)
            *(uint64_t *)(void *)at = strtoull(v, NULL, 10);
        else
            *(double *)(void *)at = strtod(v, NULL);
    }
    if (summary_lookup(text, "checksum", v, sizeof v) != 0)
        return -1;
    st->checksum = strtoull(v, NULL, 16);
    if (summary_lookup(text, "model_mb", v, sizeof v) != 0)
        return -1;
    st->model_bytes = (size_t)(strtod(v, NULL) * 1e6);
    if (summary_lookup(text, "parent_minor_faults", v, sizeof v) == 0)
        st->minor_faults = strtoull(v, NULL, 10);
    if (summary_lookup(text, "start", says->start, sizeof says->start) != 0 ||
        summary_lookup(text, "model", says->model, sizeof says->model) != 0 ||
        summary_lookup(text, "python", says->python, sizeof says->python) != 0)
        return -1;
    return 0;
}

/* The workers' faults and CPU, from their last readings. A run without worker processes
 * keeps the program's own faults while streaming, as a C serial run does. */
static void add_workers(const struct python_program *p, struct run_stats *st)
{
    st->worker_nivcsw = NAN; /* not read from a Python program's processes */
    if (p->nmembers == 0)
        return;
    st->minor_faults = 0;
    for (unsigned i = 0; i < p->nmembers; i++) {
        st->minor_faults += p->members[i].minor_faults;
        st->major_faults += p->members[i].major_faults;
        st->worker_cpu_seconds += p->members[i].cpu_seconds;
        if (i < sizeof st->worker_minor_faults / sizeof st->worker_minor_faults[0])
            st->worker_minor_faults[i] = p->members[i].minor_faults;
    }
}

/* The keys of a C run (the start method is Python's), then model and python. */
static void fill_summary(const struct run_options *o, const struct run_stats *st,
                         const struct program_says *says, struct summary *sm)
{
    run_summary(o, st, sm);
    for (int i = 0; i < sm->n; i++)
        if (strcmp(sm->item[i].key, "start") == 0)
            snprintf(sm->item[i].s, sizeof sm->item[i].s, "%s", says->start);
    summary_str(sm, "model", says->model);
    summary_str(sm, "python", says->python);
}

/* ---- the command ------------------------------------------------------------------------ */

int python_check_options(const struct run_options *opt, struct error *err)
{
    const char *name = opt->strategy->name;
    if (opt->touch)
        return error_set(err,
                         "%s: --touch imitates in C the writes CPython's reference counts make; a "
                         "Python idiom makes them for real (compare its objects and numpy models)",
                         name);
    if (opt->feed == RUN_FEED_RANGES && opt->strategy->kind != STRATEGY_IN_PROCESS)
        return error_set(err,
                         "%s: --feed ranges is for C strategies; Python's Pool is the record feed "
                         "(the parent parses every record and ships chunks)",
                         name);
    return run_check_model_memory(opt, err);
}

/* The exit status for how the program ended, with a message where it printed none; -1 when
 * it was interrupted and did not say so (the caller does). */
static int program_outcome(const struct run_options *opt, const struct python_program *p,
                           bool parsed)
{
    const char *name = opt->strategy->name;
    /* A program that exited 0 with its summary had finished, its results committed, before a
     * signal could stop it (sbpy/run.py ignores them from then on): the run stands. */
    bool finished = parsed && WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0;
    if (p->forwarded && !finished) {
        bool said = WIFEXITED(p->status) && WEXITSTATUS(p->status) == 128 + p->forwarded;
        return said ? 128 + p->forwarded : -1;
    }
    if (p->stopped[0]) {
        fprintf(stderr,
                "sharebench run: %s: %s; stopped the Python run (SIGTERM, then SIGKILL to what "
                "lingers of its process group, %d)\n",
                name, p->stopped, (int)p->pid);
        return EXIT_FAILURE_RUN;
    }
    if (WIFSIGNALED(p->status)) {
        fprintf(stderr, "sharebench run: %s: the Python program was killed by signal %d (%s)\n",
                name, WTERMSIG(p->status), strsignal(WTERMSIG(p->status)));
        return EXIT_FAILURE_RUN;
    }
    int status = WEXITSTATUS(p->status);
    if (status == 0 && !parsed) {
        fprintf(stderr, "sharebench run: %s: the Python program printed no summary line\n", name);
        return EXIT_FAILURE_RUN;
    }
    /* Its own messages are on stderr already: usage and input errors (2), a failed run (1),
     * an interrupted one (128 + signal). */
    bool known = status <= EXIT_USAGE || status == 128 + SIGINT || status == 128 + SIGTERM;
    return known ? status : EXIT_FAILURE_RUN;
}

/* (An interrupted Python run keeps no results file: its results are discarded.) */
static int report_interrupted(const struct run_stats *st)
{
    fprintf(stderr,
            "sharebench run: interrupted by %s after %" PRIu64 " results and %" PRIu64
            " rejected records\n",
            strsignal(interrupt_signal()), st->rows, st->rejected);
    return 128 + interrupt_signal();
}

/* A file the program keeps in the scratch directory (memmap's image) when the group was
 * killed before the program could remove it: named after the program, which has ended. */
static void remove_scratch_files(const struct run_options *opt, const struct python_program *p)
{
    struct error err;
    if (scratch_sweep_owner(scratch_dir(opt->scratch_dir), p->pid, &err) < 0 && opt->scratch_dir)
        fprintf(stderr, "sharebench run: %s\n", err.msg);
}

/* How the program ended, as an exit status (program_outcome), its results committed when
 * it finished; -1: interrupted, not yet said. */
static int end_of_run(const struct run_options *opt, struct python_program *p,
                      struct program_files *files, struct run_stats *st, struct summary *sm)
{
    struct program_says says;
    bool parsed = read_figures(p->text.data, st, &says) == 0;
    buf_free(&p->text);
    if (p->stopped[0] || WIFSIGNALED(p->status))
        remove_scratch_files(opt, p);
    int status = program_outcome(opt, p, parsed);
    struct error err;
    if (status == EXIT_OK && commit_files(opt, files, &err) != 0) {
        fprintf(stderr, "sharebench run: %s\n", err.msg);
        status = EXIT_FAILURE_RUN;
    }
    close_files(files);
    if (status == EXIT_OK && interrupt_signal())
        fprintf(stderr, "sharebench run: signal %d (%s) came once the run had finished\n",
                interrupt_signal(), strsignal(interrupt_signal()));
    if (status == EXIT_OK) {
        add_workers(p, st);
        fill_summary(opt, st, &says, sm);
    }
    return status;
}

int python_run(const struct run_options *opt, struct summary *sm)
{
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        fprintf(stderr, "sharebench run: prctl(PR_SET_CHILD_SUBREAPER): %s\n", strerror(errno));
        return EXIT_FAILURE_RUN;
    }
    bool workers = opt->strategy->kind != STRATEGY_IN_PROCESS;
    struct run_stats st = {.workers = workers ? opt->workers : 0,
                           .feed = workers ? RUN_FEED_RECORDS : RUN_FEED_AUTO};
    if (interrupt_signal())
        return report_interrupted(&st);
    struct program_files files;
    struct error err;
    if (open_files(opt, &files, &err) != 0) {
        fprintf(stderr, "sharebench run: %s\n", err.msg);
        return EXIT_USAGE;
    }
    struct python_program p;
    if (run_program(opt, &files, &p, &st.mem, &err) != 0) {
        close_files(&files);
        fprintf(stderr, "sharebench run: %s\n", err.msg);
        return EXIT_FAILURE_RUN;
    }
    int status = end_of_run(opt, &p, &files, &st, sm);
    return status < 0 ? report_interrupted(&st) : status;
}
