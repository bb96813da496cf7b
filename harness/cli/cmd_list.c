/* cmd_list.c - `sharebench list`: every strategy's name and one-line summary. */
#include "cli.h"
#include "python_run.h"
#include "strategy.h"

#include <stdio.h>
#include <string.h>

int cmd_list(int argc, char **argv)
{
    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            printf("usage: sharebench list\n\nPrints every strategy's name and what it does, "
                   "one per line;\n[fork only] marks those that cannot run with --start exec.\n"
                   "Then the Python idioms (py:NAME), as the Python program lists them.\n");
            return EXIT_OK;
        }
        return cli_usage_error("list", "unexpected argument '%s'", argv[1]);
    }
    for (const struct strategy *const *s = strategy_table; *s; s++)
        printf("%-20s %s%s\n", (*s)->name, (*s)->summary,
               strategy_supports_exec(*s) ? "" : " [fork only]");
    struct error err;
    if (python_list(stdout, &err) != 0)
        fprintf(stderr, "sharebench list: no py: strategies: %s\n", err.msg);
    return EXIT_OK;
}
