/* cmd_list.c - `sharebench list`: every strategy's name and one-line summary. */
#include "cli.h"
#include "strategy.h"

#include <stdio.h>
#include <string.h>

int cmd_list(int argc, char **argv)
{
    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            printf("usage: sharebench list\n\nPrints every strategy's name and what it does, "
                   "one per line;\n[fork only] marks those that cannot run with --start exec.\n");
            return EXIT_OK;
        }
        return cli_usage_error("list", "unexpected argument '%s'", argv[1]);
    }
    for (const struct strategy *const *s = strategy_table; *s; s++)
        printf("%-20s %s%s\n", (*s)->name, (*s)->summary,
               strategy_supports_exec(*s) ? "" : " [fork only]");
    return EXIT_OK;
}
