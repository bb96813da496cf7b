/* gen.h - the records generator (docs/WORKLOAD.md section 3).
 *
 * Writes a records file for a spec: `id,user,country,amount,text` with unique ids, text drawn
 * from a Zipf-like distribution over token indices 0 .. 1.25 V (so some words are unknown to
 * the model), some quoted fields holding commas, doubled quotes and line breaks, some bytes
 * that are not UTF-8, and some users and words that trigger the default spec's rules
 * (`bot<N>` users, the word `zzqx`). The same options always give the same bytes.
 */
#ifndef SHAREBENCH_GEN_H
#define SHAREBENCH_GEN_H

#include "spec.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct gen_options {
    uint64_t rows;
    uint64_t seed;
    bool crlf;     /* CRLF line ends instead of LF */
    bool progress; /* report progress on stderr */
};

struct gen_stats {
    uint64_t rows;
    uint64_t bytes;
    double seconds;
};

/* Write the records for spec to fd. Returns -1 with err on a write error, or when SIGINT or
 * SIGTERM arrived (interrupt.h), what was written so far being a part of the file. */
int gen_write(int fd, const char *name, const struct spec *spec, const struct gen_options *opt,
              struct gen_stats *stats, struct error *err);

#endif
