/* range_feed.h - the parent's side of the range feed: plan byte ranges, take their results
 * back in input order.
 *
 * In the range feed the parent never parses a record. It cuts the input into record-aligned
 * ranges of about range_bytes (split.h, memchr speed), and each worker reads and parses its own
 * ranges (worker.c). Results come back in any order; the feed commits them to the sink in
 * input order, so rejections are printed in file order with the lines serial reading gives,
 * the results file is in input order, and --limit N can stop at exactly the Nth record: the
 * range that holds it is sent again with a cap on its records, and the ranges after it are
 * dropped. Results that arrive ahead of their turn wait in a window of a fixed number of
 * ranges, so the parent's memory is flat whatever the input size.
 */
#ifndef SHAREBENCH_RANGE_FEED_H
#define SHAREBENCH_RANGE_FEED_H

#include "sink.h"
#include "util.h"
#include "wire.h"

#include <stdbool.h>
#include <stdint.h>

struct range_feed;

/* A feed over the first size bytes of fd (named name in messages), in ranges of about
 * range_bytes, stopping after limit records (0: all). window is how many ranges may be
 * planned ahead of the oldest one not yet committed. */
struct range_feed *range_feed_open(int fd, const char *name, uint64_t size, uint64_t range_bytes,
                                   uint64_t limit, size_t field_limit, unsigned window);
void range_feed_close(struct range_feed *f);

/* Is there room in the window for another range, and input left to plan? */
bool range_feed_can_plan(const struct range_feed *f);

/* Plan the next range into *body with its sequence number. Returns 1, 0 when the input is
 * all planned, -1 on a read error. */
int range_feed_next(struct range_feed *f, struct range_body *body, uint64_t *seq,
                    struct error *err);

/* Is the range still wanted? (not once --limit has been met before it) */
bool range_feed_wants(const struct range_feed *f, uint64_t seq);

/* A range's result came back (text: lines_len bytes of result lines, then its rejections).
 * Commits every range that is now next in input order. Returns 0; 1 when a range must be sent
 * again with a cap on its records (*resend and *resend_seq filled); -1 with err if the sink
 * cannot be written. */
int range_feed_result(struct range_feed *f, uint64_t seq, const struct result_header *h,
                      const char *text, struct sink *sink, struct range_body *resend,
                      uint64_t *resend_seq, struct error *err);

/* A range killed worker after worker: its records are reported as failed, in their turn (the
 * parent reads the range for their lines; that is the only parsing it ever does). Same
 * returns as range_feed_result. */
int range_feed_failed(struct range_feed *f, uint64_t seq, const char *reason, struct sink *sink,
                      struct range_body *resend, uint64_t *resend_seq, struct error *err);

/* Every planned range is committed and nothing is left to plan. */
bool range_feed_done(const struct range_feed *f);

/* Bytes of the input in committed ranges. */
uint64_t range_feed_bytes(const struct range_feed *f);

#endif
