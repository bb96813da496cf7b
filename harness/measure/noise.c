/* noise.c - the noise gauge: load average, CPU steal and involuntary context switches over a
 * run (noise.h says what each tells). */
#include "noise.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

struct cpu_times {
    unsigned long long total, steal;
};

static struct {
    bool started;
    double load1;
    bool have_cpu;
    struct cpu_times cpu;
    long nivcsw;
} gauge;

/* The first line of /proc/stat: "cpu user nice system idle iowait irq softirq steal ...",
 * in clock ticks since boot, summed over every CPU. Guest time is already inside user. */
static bool read_cpu_times(struct cpu_times *t)
{
    FILE *f = fopen("/proc/stat", "re");
    if (f == NULL)
        return false;
    unsigned long long v[8] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 8)
        return false;
    t->total = 0;
    for (int i = 0; i < 8; i++)
        t->total += v[i];
    t->steal = v[7];
    return true;
}

static long involuntary_switches(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_nivcsw : -1;
}

void noise_start(void)
{
    double load[1];
    gauge.load1 = getloadavg(load, 1) == 1 ? load[0] : NAN;
    gauge.have_cpu = read_cpu_times(&gauge.cpu);
    gauge.nivcsw = involuntary_switches();
    gauge.started = true;
}

void noise_summary(struct summary *sm)
{
    double steal = NAN, nivcsw = NAN;
    struct cpu_times now;
    if (gauge.started && gauge.have_cpu && read_cpu_times(&now) && now.total > gauge.cpu.total)
        steal =
            100.0 * (double)(now.steal - gauge.cpu.steal) / (double)(now.total - gauge.cpu.total);
    long switches = involuntary_switches();
    if (gauge.started && gauge.nivcsw >= 0 && switches >= gauge.nivcsw)
        nivcsw = (double)(switches - gauge.nivcsw);
    summary_f64(sm, "load_avg_1m", gauge.started ? gauge.load1 : NAN);
    summary_f64(sm, "steal_pct", steal);
    summary_f64(sm, "nivcsw_parent", nivcsw);
}
