/* fuzz_spec.c - any bytes as a model spec: refused with a message, or loaded; small loaded
 * specs are built and used, so a spec that parses is a spec that works. */
#include "classify.h"
#include "model.h"
#include "spec.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct spec spec;
    struct error err;
    if (spec_parse("fuzz", data, size, &spec, &err) != 0)
        return 0;
    if (spec.vocab <= 2000) {
        struct model *m = model_build(&spec, &err);
        if (m) {
            struct classifier c;
            model_classifier(m, &c);
            struct record rec = {.id = 1};
            const char *values[RECORD_FIELDS] = {"1", "bot12", "de", "1.0", "a ddeskpi zzqx"};
            for (int i = 0; i < RECORD_FIELDS; i++)
                rec.field[i] = (struct csv_field){values[i], strlen(values[i])};
            struct result res;
            classify(&c, &rec, &res);
            model_free(m);
        }
    }
    spec_free(&spec);
    return 0;
}
