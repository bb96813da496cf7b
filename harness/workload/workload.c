/* workload.c - see workload.h and docs/WORKLOAD.md. */
#include "workload.h"

#include <stdio.h>
#include <string.h>

size_t token_spell(uint32_t i, char *out)
{
    /* Multiplying by an odd constant is a bijection of 2^32: every index gets its own word,
     * and neighbouring indices get unrelated ones. */
    uint32_t x = i * 2654435761u;
    size_t n = 0;
    do {
        out[n++] = (char)('a' + x % 26);
        x /= 26;
    } while (x > 0);
    return n;
}

double token_weight(uint64_t seed, uint32_t classes, uint32_t i, uint32_t k)
{
    uint64_t h = mix64(seed ^ mix64((uint64_t)i * classes + k));
    return -1.0 - 9.0 * unit(h);
}

double class_prior(uint64_t seed, uint32_t k)
{
    return -1.0 - unit(mix64(seed ^ mix64(0xFFFFFFFF00000000u + k)));
}

uint64_t fnv1a64(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3u;
    }
    return h;
}

size_t result_format(const struct result *r, char *out)
{
    int n =
        snprintf(out, RESULT_LINE_MAX, "%lld,%u,%.17g", (long long)r->id, r->class_index, r->score);
    return (size_t)n;
}

void checksum_add(struct checksum *c, const struct result *r)
{
    char line[RESULT_LINE_MAX];
    size_t n = result_format(r, line);
    checksum_add_line(c, line, n);
}
