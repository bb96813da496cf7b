/* gen.c - see gen.h. */
#define _POSIX_C_SOURCE 200809L
#include "gen.h"

#include "interrupt.h"
#include "records.h"
#include "workload.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_BUFFER_SIZE (1024 * 1024)
#define RECORD_MAX      2048 /* a generated record is far shorter: 32 tokens of 7 letters */

/* xoshiro256** (Blackman and Vigna): fast, and the same stream on every machine. */
struct rng {
    uint64_t s[4];
};

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void rng_seed(struct rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = mix64(seed + (uint64_t)i);
}

/* Uniform in [0, n). The tiny modulo bias does not matter for test data. */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
    return rng_next(r) % n;
}

/* True with probability per_mille / 1000. */
static bool rng_chance(struct rng *r, unsigned per_mille)
{
    return rng_below(r, 1000) < per_mille;
}

struct out {
    int fd;
    const char *name;
    char *buf;
    size_t len;
    uint64_t total;
};

static int out_flush(struct out *o, struct error *err)
{
    size_t done = 0;
    while (done < o->len) {
        ssize_t n = write(o->fd, o->buf + done, o->len - done);
        if (n < 0 && errno == EINTR && !interrupt_signal())
            continue;
        if (n < 0)
            return error_errno(err, "%s: write failed", o->name);
        done += (size_t)n;
    }
    o->total += o->len;
    o->len = 0;
    return 0;
}

static char *put_u64(char *p, uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = digits[--n];
    return p;
}

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

/* The generator's vocabulary: indices 0 .. 1.25 V, with P(i) falling as 1/(i+1). Drawn as
 * floor((M)^u) - 1 for u uniform, which is that log-uniform law in closed form. */
struct zipf {
    double log_m;
    uint64_t m;
};

static uint64_t zipf_draw(const struct zipf *z, struct rng *r)
{
    double u = unit(rng_next(r));
    uint64_t i = (uint64_t)exp(u * z->log_m) - 1;
    return i < z->m ? i : z->m - 1;
}

static const char *const countries[] = {"de", "fr", "us", "gb", "jp", "br", "in", "ng",
                                        "it", "es", "pl", "se", "ca", "au", "mx", "kr"};

/* The words of a text field. Returns the end of what it wrote, and says whether the field
 * must be quoted (it holds a comma, a quote or a line break). */
static char *put_text(char *p, const struct zipf *z, struct rng *r, bool *needs_quotes)
{
    unsigned words = 4 + (unsigned)rng_below(r, 29);
    for (unsigned w = 0; w < words; w++) {
        if (w)
            *p++ = ' ';
        if (rng_chance(r, 2)) {
            p = put_str(p, "zzqx"); /* triggers the default spec's text rule */
            continue;
        }
        p += token_spell((uint32_t)zipf_draw(z, r), p);
    }
    unsigned extra = (unsigned)rng_below(r, 1000);
    if (extra < 15) {
        p = put_str(p, " hello, \"world\"");
        *needs_quotes = true;
    } else if (extra < 25) {
        p = put_str(p, extra & 1 ? "\nbye" : "\r\nbye");
        *needs_quotes = true;
    } else if (extra < 30) {
        p = put_str(p, " caf\xe9 \xff\xfe"); /* Latin-1 and bytes that are never UTF-8 */
    } else if (extra < 40) {
        p = put_str(p, "  double  spaced ");
    }
    return p;
}

/* Copy text into p as a quoted CSV field, doubling quotes. */
static char *put_quoted(char *p, const char *text, size_t len)
{
    *p++ = '"';
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '"')
            *p++ = '"';
        *p++ = text[i];
    }
    *p++ = '"';
    return p;
}

static char *put_record(char *p, uint64_t id, const struct zipf *z, struct rng *r, bool crlf)
{
    p = put_u64(p, id);
    p = put_str(p, rng_chance(r, 5) ? ",bot" : ",user");
    p = put_u64(p, rng_below(r, 100000));
    *p++ = ',';
    p = put_str(p, countries[rng_below(r, sizeof countries / sizeof countries[0])]);
    *p++ = ',';
    uint64_t cents = rng_below(r, 100000);
    p = put_u64(p, cents / 100);
    *p++ = '.';
    *p++ = (char)('0' + cents / 10 % 10);
    *p++ = (char)('0' + cents % 10);
    *p++ = ',';
    char text[RECORD_MAX / 2];
    bool quoted = false;
    size_t len = (size_t)(put_text(text, z, r, &quoted) - text);
    if (quoted) {
        p = put_quoted(p, text, len);
    } else {
        memcpy(p, text, len);
        p += len;
    }
    return put_str(p, crlf ? "\r\n" : "\n");
}

static void report_progress(const struct gen_options *opt, uint64_t rows, uint64_t bytes,
                            double started)
{
    double elapsed = now_seconds() - started;
    fprintf(stderr, "\rgen: %llu/%llu rows (%.0f%%), %.0f MB, %.0f MB/s   ",
            (unsigned long long)rows, (unsigned long long)opt->rows,
            100.0 * (double)rows / (double)(opt->rows ? opt->rows : 1), (double)bytes / 1e6,
            elapsed > 0 ? (double)bytes / 1e6 / elapsed : 0.0);
}

int gen_write(int fd, const char *name, const struct spec *spec, const struct gen_options *opt,
              struct gen_stats *stats, struct error *err)
{
    struct rng r;
    rng_seed(&r, opt->seed);
    uint64_t m = (uint64_t)spec->vocab + spec->vocab / 4;
    struct zipf z = {.m = m, .log_m = log((double)m + 1.0)};
    struct out o = {.fd = fd, .name = name, .buf = xmalloc(OUT_BUFFER_SIZE)};
    double started = now_seconds(), last_report = started;
    int rc = 0;

    o.len = (size_t)(put_str(o.buf, opt->crlf ? RECORD_HEADER "\r\n" : RECORD_HEADER "\n") - o.buf);
    for (uint64_t id = 0; id < opt->rows && rc == 0; id++) {
        if (o.len + RECORD_MAX > OUT_BUFFER_SIZE) {
            rc = out_flush(&o, err);
            if (rc == 0 && interrupt_signal())
                rc = error_set(err, "interrupted by %s", strsignal(interrupt_signal()));
            if (opt->progress && now_seconds() - last_report > 0.5) {
                last_report = now_seconds();
                report_progress(opt, id, o.total, started);
            }
        }
        o.len = (size_t)(put_record(o.buf + o.len, id, &z, &r, opt->crlf) - o.buf);
    }
    if (rc == 0)
        rc = out_flush(&o, err);
    if (opt->progress)
        fprintf(stderr, "\n");
    stats->rows = opt->rows;
    stats->bytes = o.total;
    stats->seconds = now_seconds() - started;
    free(o.buf);
    return rc;
}
