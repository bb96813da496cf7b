/* python_watch.c - see python_watch.h. */
#define _GNU_SOURCE
#include "python_watch.h"

#include "interrupt.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TICK_MS       100 /* how often the watch looks at the process group */
#define GRACE_SECONDS 5.0 /* from one way of stopping the program to the next */

/* ---- stopping it ----------------------------------------------------------------------- */

/* Is pid multiprocessing's resource tracker? It unlinks the shared memory blocks and named
 * semaphores a program leaves behind when the program's last descriptor to it closes: killed
 * with the rest, it would leave them in /dev/shm. */
static bool is_resource_tracker(pid_t pid)
{
    char path[64], cmd[512];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, cmd, sizeof cmd - 1);
    close(fd);
    for (ssize_t i = 0; i < n; i++)
        cmd[i] = cmd[i] ? cmd[i] : ' ';
    cmd[n > 0 ? n : 0] = '\0';
    return strstr(cmd, "multiprocessing.resource_tracker") != NULL;
}

/* SIGKILL the processes of the group but the resource tracker, and the leader too if asked.
 * Returns whether the tracker is still there. */
static bool kill_members(pid_t pgid, bool leader_too)
{
    struct procgroup_member m[PYTHON_MEMBERS_MAX];
    int n = procgroup_scan(pgid, m, PYTHON_MEMBERS_MAX, NULL);
    if (leader_too)
        kill(pgid, SIGKILL);
    bool spared = false;
    for (int i = 0; i < n && i < PYTHON_MEMBERS_MAX; i++) {
        if (m[i].state == 'Z')
            continue;
        if (is_resource_tracker(m[i].pid))
            spared = true;
        else
            kill(m[i].pid, SIGKILL);
    }
    return spared;
}

/* SIGKILL every process of the group, the resource tracker last: it is spared while others
 * are left (it ends by itself once they are gone, after its clean-up). */
static void kill_group(pid_t pgid)
{
    struct procgroup_member m[PYTHON_MEMBERS_MAX];
    int n = procgroup_scan(pgid, m, PYTHON_MEMBERS_MAX, NULL);
    int running = kill(pgid, 0) == 0;
    for (int i = 0; i < n && i < PYTHON_MEMBERS_MAX; i++)
        running += m[i].state != 'Z';
    if (kill_members(pgid, true) && running <= 1)
        kill(-pgid, SIGKILL); /* the tracker alone, and still there: it had its time */
}

/* ---- watching it ------------------------------------------------------------------------ */

/* Ask the program to stop: sig (SIGTERM, or the SIGINT the run got) to its main process,
 * which ends its pool and removes what it created (a results file, a shared memory block, a
 * mapped file), as when interrupted. If it is still there after grace seconds, its pool's
 * join is stuck on a worker (one stopped, say): SIGKILL the workers, so that it can finish;
 * GRACE_SECONDS later, SIGKILL what is left of the group. */
static void stop_program(struct python_program *p, int sig, double grace)
{
    if (p->stage != 0)
        return;
    if (kill(p->pid, sig) != 0 && errno != ESRCH)
        fprintf(stderr, "sharebench run: kill %d: %s\n", (int)p->pid, strerror(errno));
    p->stage = 1;
    p->next_stage_at = now_seconds() + grace;
}

static void escalate(struct python_program *p)
{
    if (p->stage == 0 || now_seconds() < p->next_stage_at)
        return;
    if (p->stage == 1)
        kill_members(p->pid, false);
    else
        kill_group(p->pid);
    p->stage = 2;
    p->next_stage_at = now_seconds() + GRACE_SECONDS;
}

void python_stop(struct python_program *p, const char *fmt, ...)
{
    if (p->stopped[0] || p->forwarded)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->stopped, sizeof p->stopped, fmt, ap);
    va_end(ap);
    stop_program(p, SIGTERM, GRACE_SECONDS);
}

static struct procgroup_member *find_member(struct procgroup_member *m, unsigned n, pid_t pid)
{
    for (unsigned i = 0; i < n; i++)
        if (m[i].pid == pid)
            return &m[i];
    return NULL;
}

/* Follow the group's other processes: their last readings (faults, CPU), new ones added.
 * Returns one that has ended since it was seen, or 0. */
static pid_t follow_group(struct python_program *p)
{
    struct procgroup_member seen[PYTHON_MEMBERS_MAX];
    int n = procgroup_scan(p->pid, seen, PYTHON_MEMBERS_MAX, NULL);
    unsigned nseen = n < 0 ? 0 : n > PYTHON_MEMBERS_MAX ? PYTHON_MEMBERS_MAX : (unsigned)n;
    pid_t gone = 0;
    for (unsigned i = 0; i < p->nmembers; i++) {
        struct procgroup_member *now = find_member(seen, nseen, p->members[i].pid);
        if (now && now->state != 'Z')
            p->members[i] = *now;
        else
            gone = p->members[i].pid;
    }
    for (unsigned i = 0; i < nseen; i++)
        if (seen[i].state != 'Z' && !find_member(p->members, p->nmembers, seen[i].pid) &&
            p->nmembers < PYTHON_MEMBERS_MAX)
            p->members[p->nmembers++] = seen[i];
    return gone;
}

static void read_progress(struct python_program *p)
{
    char events[4096];
    ssize_t got;
    while ((got = read(p->progress, events, sizeof events)) > 0)
        for (ssize_t i = 0; i < got; i++) {
            if (events[i] == 'u' || events[i] == 'r') {
                p->results += events[i] == 'r';
                /* The peaks are the pool's at work: from when it is up, and again once there
                 * were as many results as workers (by then each has started: a Python worker
                 * coming up moves pages faster than the sampler reads them). */
                bool settled = !p->up || (events[i] == 'r' && p->results == p->settle_after);
                if (settled && p->sampler)
                    memsampler_restart_peaks(p->sampler);
                p->up = true;
                p->last_event = now_seconds();
            } else if (events[i] == 'd' && !p->done) {
                follow_group(p); /* the last readings: the work is done */
                p->done = true;
                if (p->sampler)
                    memsampler_freeze(p->sampler);
            }
        }
}

/* Until every result is in: a process of the group that ends (Python's Pool would replace a
 * worker, but the task it held is lost and the pool would wait for it for ever), or no result
 * for task_timeout seconds, stops the run. The program says 'd' before its workers may end,
 * so a process gone is checked against the events not yet read. */
static void look_at_group(struct python_program *p)
{
    pid_t gone = follow_group(p);
    if (gone)
        read_progress(p);
    if (gone && !p->done)
        python_stop(p,
                    "process %d of the Python run ended before the run was done (killed?): "
                    "Python's Pool waits for ever for the task it held",
                    (int)gone);
    if (p->up && !p->done && p->task_timeout && now_seconds() - p->last_event > p->task_timeout)
        python_stop(p,
                    "no result for %u s (--task-timeout): a worker is stuck, or died and "
                    "Python's Pool waits for ever for its task",
                    p->task_timeout);
}

static void read_stdout(struct python_program *p)
{
    ssize_t got;
    do {
        char *to = buf_reserve(&p->text, 4096);
        got = read(p->out, to, 4096);
        if (got > 0)
            p->text.len += (size_t)got;
    } while (got > 0);
}

static void watch_step(struct python_program *p)
{
    struct pollfd fds[2] = {{.fd = p->out, .events = POLLIN},
                            {.fd = p->progress, .events = POLLIN}};
    if (poll(fds, 2, TICK_MS) < 0 && errno != EINTR)
        fprintf(stderr, "sharebench run: poll: %s\n", strerror(errno));
    read_stdout(p);
    read_progress(p);
    /* SIGINT or SIGTERM: to the program's main process, which ends its pool as Python does
     * when interrupted (its workers ignore SIGINT); the group goes if it does not. */
    if (interrupt_signal() && !p->forwarded && !p->stopped[0]) {
        p->forwarded = interrupt_signal();
        stop_program(p, p->forwarded, 2 * GRACE_SECONDS);
    }
    if (waitpid(p->pid, &p->status, WNOHANG) == p->pid)
        p->ended = true;
    else if (!p->done)
        look_at_group(p);
    escalate(p);
}

/* Reap what is ours of the group (its processes are reparented here when the program ends:
 * this process is their subreaper); the number of members still running. */
static int reap_group(pid_t pgid)
{
    while (waitpid(-pgid, NULL, WNOHANG) > 0) {
    }
    struct procgroup_member m[PYTHON_MEMBERS_MAX];
    int n = procgroup_scan(pgid, m, PYTHON_MEMBERS_MAX, NULL), running = 0;
    for (int i = 0; i < n && i < PYTHON_MEMBERS_MAX; i++)
        running += m[i].state != 'Z';
    return running;
}

void python_end_group(pid_t pgid)
{
    double until = now_seconds() + GRACE_SECONDS;
    while (reap_group(pgid) > 0 && now_seconds() < until)
        usleep(20000);
    for (int round = 0; round < 2 && reap_group(pgid) > 0; round++) {
        kill_group(pgid);
        until = now_seconds() + GRACE_SECONDS;
        while (reap_group(pgid) > 0 && now_seconds() < until)
            usleep(20000);
    }
}

void python_watch(struct python_program *p)
{
    while (!p->ended)
        watch_step(p);
    read_stdout(p);
    buf_append(&p->text, "", 1);
}
