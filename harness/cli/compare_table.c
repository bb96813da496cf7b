/* compare_table.c - what `sharebench compare` prints at the end: per configuration the median
 * and range of records/s, memory, model copies and setup over its runs, and a warning for a
 * configuration whose runs varied too much, or ran with too much CPU stolen, to be trusted.
 */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int by_value(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Median, min and max of n values (NaNs left out). */
static void spread(const double *v, unsigned n, double *med, double *min, double *max)
{
    double s[64];
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++)
        if (!isnan(v[i]))
            s[k++] = v[i];
    if (k == 0) {
        *med = *min = *max = NAN;
        return;
    }
    qsort(s, k, sizeof *s, by_value);
    *med = k % 2 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
    *min = s[0];
    *max = s[k - 1];
}

void compare_print_table(const struct matrix *m)
{
    printf("\n%-18s %6s %7s %7s %6s %5s %25s %10s %20s %8s\n", "strategy", "start", "feed",
           "workers", "chunk", "touch", "rows/s median [min-max]", "pss MB", "model copies",
           "setup s");
    for (unsigned i = 0; i < m->nconfigs; i++) {
        const struct config *c = &m->configs[i];
        double r, rmin, rmax, p, pmin, pmax, k, kmin, kmax, s, smin, smax;
        spread(c->rows_per_s, c->done, &r, &rmin, &rmax);
        spread(c->pss_mb, c->done, &p, &pmin, &pmax);
        spread(c->copies, c->done, &k, &kmin, &kmax);
        spread(c->setup_s, c->done, &s, &smin, &smax);
        bool serial = c->strategy->kind == STRATEGY_IN_PROCESS;
        char name[64];
        snprintf(name, sizeof name, "%s%s%.1s%s", c->strategy->name, c->twin ? " (" : "", &c->twin,
                 c->twin ? ")" : "");
        printf("%-18s %6s %7s %7u %6u %5s %9.0f [%6.0f-%6.0f] %10.1f %6.2f [%5.2f-%5.2f] %8.3f%s\n",
               name, compare_config_start(c), run_feed_name(c->feed), serial ? 0 : c->workers,
               serial || c->feed == RUN_FEED_RANGES ? 0 : c->chunk, c->touch ? "yes" : "no", r,
               rmin, rmax, p, k, kmin, kmax, s, c->limit ? " (limited)" : "");
    }
}

/* Name the configurations whose figures a reader should not trust, and why. */
void compare_warn_noisy(const struct matrix *m)
{
    for (unsigned i = 0; i < m->nconfigs; i++) {
        const struct config *c = &m->configs[i];
        double sum = 0, sq = 0;
        unsigned n = 0;
        for (unsigned k = 0; k < c->done; k++)
            if (!isnan(c->rows_per_s[k])) {
                sum += c->rows_per_s[k];
                n++;
            }
        double mean = n ? sum / n : NAN;
        for (unsigned k = 0; k < c->done; k++)
            if (!isnan(c->rows_per_s[k]))
                sq += (c->rows_per_s[k] - mean) * (c->rows_per_s[k] - mean);
        double cv = n > 1 && mean > 0 ? sqrt(sq / (n - 1)) / mean : 0;
        if (cv >= WARN_CV || c->steal_max >= WARN_STEAL)
            fprintf(stderr,
                    "sharebench compare: warning: %s%s%.1s feed=%s workers=%u chunk=%u: records/s "
                    "vary by %.0f%% (coefficient of variation), CPU steal up to %.1f%%: noisy, "
                    "do not trust its figures\n",
                    c->strategy->name, c->twin ? " twin " : "", &c->twin, run_feed_name(c->feed),
                    c->strategy->kind == STRATEGY_IN_PROCESS ? 0 : c->workers,
                    c->feed == RUN_FEED_RECORDS ? c->chunk : 0, cv * 100, c->steal_max);
    }
}
