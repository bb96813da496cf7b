/* image.h - the model flattened into one position-independent block of bytes.
 *
 * The native model is pointers all the way down; pointers mean nothing in another address
 * space, in a file, or on the wire. The image holds the same model with offsets instead:
 *
 *   header    magic "SHBIMAGE", version, total size, seed, V, K, and where each part is
 *   priors    K doubles
 *   slots     an open-addressing hash table (linear probing): per slot the token's letters
 *             packed in 8 bytes (0 = empty) and the index of its weights
 *   weights   V rows of K doubles
 *   rules     per rule: field, class, and where its pattern is
 *   patterns  the rule patterns, NUL-terminated (compiled regexes are not flat: each process
 *             compiles its own from these)
 *
 * Every part starts at an offset aligned to 64 bytes. The same bytes work at any address, in
 * shared memory, in a file, or in a message; image_open checks them before anything trusts
 * them, so a corrupt or truncated image is an error, not a crash.
 */
#ifndef SHAREBENCH_IMAGE_H
#define SHAREBENCH_IMAGE_H

#include "classify.h"
#include "model.h"
#include "rules.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAGIC   "SHBIMAGE"
#define IMAGE_VERSION 1

struct image_header {
    char magic[8];
    uint32_t version;
    uint32_t header_size;
    uint64_t total_size;
    uint64_t seed;
    uint32_t vocab;
    uint32_t classes;
    uint64_t slot_count; /* a power of two, more than vocab */
    uint64_t priors_off;
    uint64_t slots_off;
    uint64_t weights_off;
    uint64_t rules_off;
    uint64_t rule_count;
    uint64_t patterns_off;
    uint64_t patterns_len;
};

struct image_slot {
    token_key key;  /* the token's letters (see token_key_of); 0 marks an empty slot */
    uint64_t entry; /* its row in the weights */
};

struct image_rule {
    uint32_t field; /* enum rule_field */
    uint32_t class_index;
    uint32_t pattern_off; /* from the start of the patterns */
    uint32_t pattern_len; /* without the NUL */
};

/* A checked view of an image; valid while its bytes are. */
struct image_view {
    const struct image_header *header;
    const double *priors;
    const struct image_slot *slots;
    uint64_t slot_mask;
    const double *weights;
    const struct image_rule *rules;
    const char *patterns;
};

/* Bytes the image of a model of this spec takes (no model needed). */
size_t image_size_for_spec(const struct spec *spec);

/* Bytes the image of m takes. */
size_t image_size(const struct model *m);

/* Write the image of m into dst (image_size(m) bytes, 8-byte aligned). */
void image_write(const struct model *m, void *dst);

/* Write the image of the model spec describes into dst (image_size_for_spec bytes, 8-byte
 * aligned), computing it directly: no pointer-rich model is built on the way, so the peak
 * memory is one copy, not two. Classifies exactly as image_write of the built model. */
void image_write_from_spec(const struct spec *spec, void *dst);

/* Check len bytes at mem as an image and fill view. Returns -1 with err (saying what is
 * wrong) for anything that is not a complete, consistent image. */
int image_open(struct image_view *view, const void *mem, size_t len, struct error *err);

/* Compile the image's rules (each process that classifies needs its own). */
int image_compile_rules(const struct image_view *view, struct rule_set *rules, struct error *err);

/* A classifier over the image, with rules compiled from it (both must outlive it). */
void image_classifier(const struct image_view *view, const struct rule_set *rules,
                      struct classifier *out);

/* Rebuild the native, pointer-rich model from an image (what unpickling does). */
struct model *image_to_model(const struct image_view *view, struct error *err);

#endif
