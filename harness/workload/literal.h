/* literal.h - the longest literal every match of a regular expression must contain.
 *
 * regexec() is general and slow; most subjects cannot match at all. If every string that
 * matches `(^| )zzqx( |$)` contains "zzqx", a memmem() that finds no "zzqx" proves there is
 * no match, and the regex need not run (grep does the same). The analysis reads the POSIX ERE
 * subset of docs/WORKLOAD.md and is conservative: on anything it does not understand it answers
 * "no literal", which only costs speed, never a wrong answer.
 */
#ifndef SHAREBENCH_LITERAL_H
#define SHAREBENCH_LITERAL_H

#include <stddef.h>

/* Write into out (cap bytes, NUL-terminated) the longest run of characters that every match
 * of the ERE pattern contains; returns its length, 0 when there is none. */
size_t regex_required_literal(const char *pattern, char *out, size_t cap);

#endif
