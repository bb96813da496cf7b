/* workload.h - the arithmetic of the sharebench workload (docs/WORKLOAD.md sections 2 and 5).
 *
 * Everything here is pure: the same inputs give the same bits on every machine, provided the
 * code is compiled without floating-point contraction (-ffp-contract=off). These are the
 * functions an independent implementation must reproduce exactly.
 */
#ifndef SHAREBENCH_WORKLOAD_H
#define SHAREBENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* The longest token spelling: 2^32 < 26^7, so at most 7 letters. */
#define TOKEN_MAX_LEN 7

/* The largest number of classes a spec may ask for. */
#define CLASSES_MAX 256

/* SplitMix64's finaliser: a strong 64-bit mixer. */
static inline uint64_t mix64(uint64_t x)
{
    uint64_t z = x + 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* The top 53 bits of h as a double in [0, 1), exactly. */
static inline double unit(uint64_t h)
{
    return (double)(h >> 11) * 0x1.0p-53;
}

/* Spell token i into out (at least TOKEN_MAX_LEN bytes, not NUL-terminated); returns its
 * length (1..7). Token 0 is "a". */
size_t token_spell(uint32_t i, char *out);

/* Weight of token i for class k of K classes, under the spec's seed. */
double token_weight(uint64_t seed, uint32_t classes, uint32_t i, uint32_t k);

/* Prior of class k under the spec's seed. */
double class_prior(uint64_t seed, uint32_t k);

/* FNV-1a, 64 bits, over len bytes. */
uint64_t fnv1a64(const void *data, size_t len);

/* A result of classify(): the record's id, its class and the winning score. */
struct result {
    int64_t id;
    uint32_t class_index;
    double score;
};

/* Longest result line: 20 (id) + 1 + 3 (class) + 1 + 24 (%.17g) + NUL, rounded up. */
#define RESULT_LINE_MAX 64

/* Write "id,class,score" (score as %.17g) into out with a NUL; returns its length. */
size_t result_format(const struct result *r, char *out);

/* The order-independent checksum: the wrapping sum of FNV-1a-64 over each result line. */
struct checksum {
    uint64_t sum;
    uint64_t count;
};

/* Add one result to the checksum. */
void checksum_add(struct checksum *c, const struct result *r);

/* Add a result whose line is already formatted (len bytes, no newline). */
static inline void checksum_add_line(struct checksum *c, const char *line, size_t len)
{
    c->sum += fnv1a64(line, len);
    c->count++;
}

/* Merge partial checksums (from workers): the sum is order-independent by design. */
static inline void checksum_merge(struct checksum *into, const struct checksum *part)
{
    into->sum += part->sum;
    into->count += part->count;
}

#endif
