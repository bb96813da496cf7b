/* fuzz_image.c - any bytes as a flat model image (what a worker receives with every task in
 * per_task_serialize): refused, or opened, rebuilt and used without a crash. */
#include "classify.h"
#include "image.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void *mem = aligned_alloc(64, (size + 64) / 64 * 64); /* the pool aligns payloads */
    memcpy(mem, data, size);
    struct image_view view;
    struct error err;
    if (image_open(&view, mem, size, &err) == 0) {
        struct model *m = view.header->vocab <= 100000 ? image_to_model(&view, &err) : NULL;
        model_free(m);
        struct rule_set rules;
        if (image_compile_rules(&view, &rules, &err) == 0) {
            struct classifier c;
            image_classifier(&view, &rules, &c);
            struct record rec = {.id = 7};
            const char *values[RECORD_FIELDS] = {"7", "user1", "de", "1.0", "a ddeskpi x"};
            for (int i = 0; i < RECORD_FIELDS; i++)
                rec.field[i] = (struct csv_field){values[i], strlen(values[i])};
            struct result res;
            classify(&c, &rec, &res);
            rules_free(&rules);
        }
    }
    free(mem);
    return 0;
}
