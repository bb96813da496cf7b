/* outfile.h - an output file that appears whole or not at all.
 *
 * What outfile_open does depends on what the path names:
 *   - a regular file, or nothing yet: the contents go to an unnamed file (O_TMPFILE) in the
 *     same directory, linked into place by outfile_commit, which replaces the old file in one
 *     rename. Until then the old file is untouched, and a process killed at any instant (even
 *     by SIGKILL) leaves nothing behind: an unnamed file vanishes with its last descriptor.
 *   - a symbolic link: followed; the file it names is replaced and the link stays.
 *   - a character or block device, a FIFO, a socket, or a descriptor (/dev/stdout,
 *     /dev/fd/N): written directly. They cannot be replaced, and what is written stays.
 *
 * Where the filesystem has no O_TMPFILE, the contents go to a named temporary, FILE.tmpPID,
 * removed by outfile_discard (failure, interrupt) or renamed by outfile_commit. A crash or a
 * SIGKILL leaves it; the next outfile_open of the same FILE removes the temporaries of
 * processes that no longer exist (FILE.tmpPID and FILE.partial.tmpPID). (Replacing an existing file
 * with O_TMPFILE also passes through that name for the instant between linkat and rename: linkat
 * cannot replace.) Tests take the named-temporary path everywhere with
 * SHAREBENCH_TEST_NO_TMPFILE=1.
 */
#ifndef SHAREBENCH_OUTFILE_H
#define SHAREBENCH_OUTFILE_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>

struct outfile {
    int fd;         /* write here; -1 once committed or discarded */
    char *name;     /* the path as given, for messages */
    char *target;   /* the file replaced at commit (links followed); NULL if written directly */
    char *tmp_path; /* the named temporary when there is no O_TMPFILE, else NULL */
};

/* Open path for writing as described above. Returns -1 with err ("PATH: cannot create: ...")
 * if it cannot be: a missing or read-only directory, a directory as path, a loop of links. */
int outfile_open(struct outfile *o, const char *path, struct error *err);

/* What outfile_open would refuse before opening anything (another user's link or file in a
 * shared directory, a directory, a loop of links), without opening: for a FIFO or a device,
 * whose opening blocks or is itself the write. Returns 0, or -1 with err as outfile_open. */
int outfile_check(const char *path, struct error *err);

/* Whether writing output would write over the regular file that input names: the same file
 * by device and inode, whatever the names say (a link, a hard link, /dev/fd/N, "./x").
 * Commands check every output against every input before doing any work; NULL never
 * matches, and "-" is the file on standard output (an output) or standard input (an input).
 * Two paths that name nothing yet match if they would create one file (a link to the other,
 * DIR/../NAME). */
bool outfile_same_file(const char *output, const char *input);

/* Whether every symbolic link on the way to the directory dir, dir itself included, is ours
 * or root's, as for an output's (a folder reached through another user's link in a shared
 * directory is theirs to point anywhere): 0, or -1 with err. */
int outfile_check_dir_links(const char *dir, struct error *err);

/* Whether the output is written directly (nothing to commit or discard). */
bool outfile_is_direct(const struct outfile *o);

/* Put what was written in place of the target and close. Returns -1 with err on failure,
 * the temporary removed and the target as it was. */
int outfile_commit(struct outfile *o, struct error *err);

/* Put what was written so far beside the target as FILE.partial (replacing an older one) and
 * close: what an interrupted run keeps. The target stays as it was. placed receives the path
 * of what was kept (for a direct output, the output itself). Returns -1 with err on failure,
 * the temporary removed. */
int outfile_keep_partial(struct outfile *o, char *placed, size_t cap, struct error *err);

/* Give up: close, remove the temporary, leave the target as it was. Safe after commit. */
void outfile_discard(struct outfile *o);

#endif
