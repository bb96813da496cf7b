/* python_idioms.c - the Python idioms as struct strategy, for `list`, `run` and `compare`
 * (python_run.h). The idioms are the Python program's: this file only reads its list. */
#define _GNU_SOURCE
#include "python_run.h"

#include "selfspawn.h"

#include <stdlib.h>
#include <string.h>

#define IDIOMS_MAX 32
/* sbpy/models.py's representations; which of them an idiom takes, the program says. */
#define MODEL_REPRESENTATIONS "objects,lists,numpy"

#ifndef SHAREBENCH_PY_SCRIPT
#define SHAREBENCH_PY_SCRIPT "strategies/python/sharebench_py.py"
#endif

const char *python_interpreter(void)
{
    const char *exe = getenv("SHAREBENCH_PYTHON");
    return exe && *exe ? exe : "/usr/bin/python3";
}

const char *python_script(void)
{
    const char *script = getenv("SHAREBENCH_PY");
    return script && *script ? script : SHAREBENCH_PY_SCRIPT;
}

/* One line of `sharebench_py.py list --tsv`. */
struct idiom_row {
    char name[48], kind[16], starts[48], models[32], counterpart[48];
    char fork_only[256], summary[256];
};

/* A strategy made for a name: the struct the harness sees comes first. */
struct python_strategy {
    struct strategy strategy;
    const struct idiom_row *row;
    char name[96]; /* "py:IDIOM", or "py:IDIOM:MODEL" for a model not the idiom's own */
    char model[16];
};

static struct {
    bool loaded;
    bool not_started; /* the listing failed because the program could not be started */
    unsigned n;
    struct idiom_row rows[IDIOMS_MAX];
    unsigned nmade;
    struct python_strategy made[IDIOMS_MAX];
} idioms;

/* Copy the next tab-separated field of *line into out (cap bytes) and step past it. */
static void next_field(char **line, char *out, size_t cap)
{
    size_t n = strcspn(*line, "\t");
    snprintf(out, cap, "%.*s", (int)n, *line);
    *line += n + ((*line)[n] == '\t');
}

static int parse_listing(char *text, struct error *err)
{
    idioms.n = 0;
    for (char *save, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (idioms.n == IDIOMS_MAX)
            return error_set(err, "more than %d Python idioms", IDIOMS_MAX);
        struct idiom_row *r = &idioms.rows[idioms.n++];
        next_field(&line, r->name, sizeof r->name);
        next_field(&line, r->kind, sizeof r->kind);
        next_field(&line, r->starts, sizeof r->starts);
        next_field(&line, r->models, sizeof r->models);
        next_field(&line, r->counterpart, sizeof r->counterpart);
        next_field(&line, r->fork_only, sizeof r->fork_only);
        next_field(&line, r->summary, sizeof r->summary);
    }
    return idioms.n ? 0 : error_set(err, "the Python program listed no idioms");
}

/* Ask the Python program for its idioms, once per process. */
static int load_idioms(struct error *err)
{
    if (idioms.loaded)
        return 0;
    char *argv[] = {(char *)python_interpreter(), (char *)python_script(), "list", "--tsv", NULL};
    static char out[16384];
    int status = spawn_capture(python_interpreter(), argv, out, sizeof out, NULL, err);
    idioms.not_started = status < 0;
    if (status < 0)
        return -1;
    if (status != 0)
        return error_set(err,
                         "cannot list the Python idioms: '%s %s list --tsv' exited with status %d "
                         "(scripts/install-deps installs python3 and python3-numpy)",
                         python_interpreter(), python_script(), status);
    if (parse_listing(out, err) != 0)
        return -1;
    idioms.loaded = true;
    return 0;
}

/* Is word one of the comma-separated words of list? */
static bool listed(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, word, n) == 0)
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

static const struct idiom_row *find_row(const char *name, size_t len)
{
    for (unsigned i = 0; i < idioms.n; i++)
        if (strlen(idioms.rows[i].name) == len && strncmp(idioms.rows[i].name, name, len) == 0)
            return &idioms.rows[i];
    return NULL;
}

/* adopt stands for "takes --start exec" (spawn) in strategy_supports_exec and compare; the C
 * pool never runs a py: strategy, so it is never called. */
static int never_adopted(const struct strategy_handoff *h, struct strategy_state **state,
                         struct error *err)
{
    (void)h;
    (void)state;
    return error_set(err, "a Python idiom runs in its own interpreter, not in the C pool");
}

static enum strategy_kind kind_of(const char *kind)
{
    return strcmp(kind, "serial") == 0    ? STRATEGY_IN_PROCESS
           : strcmp(kind, "threads") == 0 ? STRATEGY_THREADS
                                          : STRATEGY_PROCESSES;
}

static const struct strategy *make_strategy(const struct idiom_row *row, const char *model)
{
    char own_model[16];
    snprintf(own_model, sizeof own_model, "%.*s", (int)strcspn(row->models, ","), row->models);
    bool own = model == NULL || strcmp(model, own_model) == 0;
    char name[96];
    snprintf(name, sizeof name, PYTHON_PREFIX "%s%s%s", row->name, own ? "" : ":",
             own ? "" : model);
    for (unsigned i = 0; i < idioms.nmade; i++)
        if (strcmp(idioms.made[i].name, name) == 0)
            return &idioms.made[i].strategy;
    if (idioms.nmade == IDIOMS_MAX)
        return NULL;
    struct python_strategy *p = &idioms.made[idioms.nmade++];
    const struct strategy *c = strategy_find(row->counterpart);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->model, sizeof p->model, "%s", own ? own_model : model);
    p->row = row;
    p->strategy = (struct strategy){
        .name = p->name,
        .summary = row->summary,
        .kind = kind_of(row->kind),
        .model_per_worker = c && c->model_per_worker,
        .model_per_task = c && c->model_per_task,
        .adopt = listed(row->starts, "spawn") ? never_adopted : NULL,
        .fork_only = row->fork_only[0] ? row->fork_only : NULL,
    };
    return &p->strategy;
}

bool python_idioms_not_started(void)
{
    return idioms.not_started;
}

const struct strategy *python_strategy_find(const char *name, struct error *err)
{
    if (strncmp(name, PYTHON_PREFIX, strlen(PYTHON_PREFIX)) != 0) {
        error_set(err, "no strategy '%s' ('sharebench list' names them)", name);
        return NULL;
    }
    if (load_idioms(err) != 0)
        return NULL;
    const char *idiom = name + strlen(PYTHON_PREFIX);
    const char *model = strchr(idiom, ':');
    const struct idiom_row *row = find_row(idiom, model ? (size_t)(model - idiom) : strlen(idiom));
    if (row == NULL) {
        error_set(err, "no strategy '%s' ('sharebench list' names them)", name);
        return NULL;
    }
    if (model && !listed(MODEL_REPRESENTATIONS, model + 1)) {
        error_set(err, "%s: the model representation is objects, lists or numpy, not '%s'", name,
                  model + 1);
        return NULL;
    }
    const struct strategy *s = make_strategy(row, model ? model + 1 : NULL);
    if (s == NULL)
        error_set(err, "%s: too many py: strategies in one command", name);
    return s;
}

static const struct python_strategy *python_of(const struct strategy *s)
{
    for (unsigned i = 0; i < idioms.nmade; i++)
        if (s == &idioms.made[i].strategy)
            return &idioms.made[i];
    return NULL;
}

bool python_strategy_is(const struct strategy *s)
{
    return python_of(s) != NULL;
}

const char *python_strategy_idiom(const struct strategy *s)
{
    return python_of(s)->row->name;
}

const char *python_strategy_model(const struct strategy *s)
{
    return python_of(s)->model;
}

int python_list(FILE *out, struct error *err)
{
    if (load_idioms(err) != 0)
        return -1;
    for (unsigned i = 0; i < idioms.n; i++) {
        const struct idiom_row *r = &idioms.rows[i];
        char name[64];
        snprintf(name, sizeof name, PYTHON_PREFIX "%s", r->name);
        bool processes = strcmp(r->kind, "processes") == 0;
        const char *only = !processes || listed(r->starts, "spawn") ? ""
                           : strcmp(r->starts, "fork") == 0         ? " [fork only]"
                                                                    : " [forkserver only]";
        fprintf(out, "%-20s %s%s (models: %s; mirrors %s)\n", name, r->summary, only, r->models,
                r->counterpart);
    }
    return 0;
}

enum run_feed python_config_feed(const struct strategy *s, enum run_feed feed)
{
    return python_strategy_is(s) && s->kind != STRATEGY_IN_PROCESS ? RUN_FEED_RECORDS : feed;
}

bool python_config_exists(const struct strategy *s, unsigned feed_index, bool touch)
{
    return !python_strategy_is(s) || (feed_index == 0 && !touch);
}

int python_summary_keys(const struct strategy *const *strategies, unsigned n, const char **keys,
                        int max)
{
    static const char *const extra[] = {"model", "python"};
    bool any = false;
    for (unsigned i = 0; i < n && !any; i++)
        any = python_strategy_is(strategies[i]);
    int added = 0;
    for (size_t i = 0; any && i < sizeof extra / sizeof extra[0] && added < max; i++)
        keys[added++] = extra[i];
    return added;
}
