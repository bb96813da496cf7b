/* test_hooks.c - see test_hooks.h. */
#define _GNU_SOURCE
#include "test_hooks.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STOP_IDS_MAX 16

static bool poison_on;
static int64_t poison_id;
static unsigned stop_count;
static int64_t stop_ids[STOP_IDS_MAX];
static const char *stop_dir;
static pthread_once_t faults_once = PTHREAD_ONCE_INIT;
static _Thread_local classify_fn inner; /* what the wrapped classifier did */

static void read_faults(void)
{
    const char *v = getenv("SHAREBENCH_TEST_POISON");
    poison_on = v != NULL && *v != '\0';
    if (poison_on)
        poison_id = strtoll(v, NULL, 10);
    v = getenv("SHAREBENCH_TEST_STOP");
    stop_dir = getenv("SHAREBENCH_TEST_STOP_DIR");
    for (char *end; v && *v && stop_dir && stop_count < STOP_IDS_MAX; v = *end ? end + 1 : end)
        stop_ids[stop_count++] = strtoll(v, &end, 10);
}

static bool stops_at(int64_t id)
{
    for (unsigned i = 0; i < stop_count; i++)
        if (stop_ids[i] == id)
            return true;
    return false;
}

/* Claim DIR/stop-ID for this process: link() of a file already holding the pid claims it
 * whole and only once, so a test never reads a half-written pid. */
static bool claim_stop(int64_t id)
{
    char mine[PATH_MAX], claim[PATH_MAX];
    snprintf(mine, sizeof mine, "%s/.stop-%lld.%d", stop_dir, (long long)id, (int)getpid());
    snprintf(claim, sizeof claim, "%s/stop-%lld", stop_dir, (long long)id);
    FILE *f = fopen(mine, "we");
    if (f == NULL)
        return false;
    bool written = fprintf(f, "%d\n", (int)getpid()) > 0;
    bool claimed = fclose(f) == 0 && written && link(mine, claim) == 0;
    unlink(mine);
    return claimed;
}

static _Thread_local bool poison_here; /* this thread's classifier honours the poison */

static void classify_with_faults(const struct classifier *c, const struct record *rec,
                                 struct result *out)
{
    if (poison_here && rec->id == poison_id)
        raise(SIGKILL);
    if (stops_at(rec->id) && claim_stop(rec->id))
        raise(SIGSTOP);
    inner(c, rec, out);
}

void test_hooks_wrap(struct classifier *c, bool in_process)
{
    pthread_once(&faults_once, read_faults); /* once per process: worker threads share it */
    poison_here = poison_on && !in_process;
    if ((!poison_here && stop_count == 0) || c->classify == classify_with_faults)
        return;
    inner = c->classify;
    c->classify = classify_with_faults;
}

void test_hooks_pause(const char *point)
{
    const char *want = getenv("SHAREBENCH_TEST_PAUSE");
    if (want != NULL && strcmp(want, point) == 0)
        raise(SIGSTOP);
}
