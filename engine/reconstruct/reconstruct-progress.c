/* The progress of one segment of a reconstruction (reconstruct-private.h):
 * the inner work's fraction rescaled into the whole call's. */
#include <stdio.h>

#include "reconstruct/reconstruct-private.h"

static void segment_report(void *user_data, double fraction, const char *stage) {
  const DmProgressSegment *s = user_data;
  if (!s->outer || !s->outer->report) return;
  fraction = fraction < 0.0 ? 0.0 : fraction > 1.0 ? 1.0 : fraction;
  if (s->total <= 0) {
    dm_progress_report(s->outer, s->start + (s->end - s->start) * fraction,
                       s->what ? s->what : stage);
    return;
  }
  int done = s->done + (s->gradual ? (int)(fraction * s->count + 1e-9)
                                   : fraction >= 1.0 ? s->count : 0);
  char text[160];
  snprintf(text, sizeof text, "%s: %d of %d samples", s->what, done, s->total);
  dm_progress_report(s->outer, s->start + (s->end - s->start) * fraction, text);
}

void dm_progress_segment_init(DmProgressSegment *segment, const DmProgress *outer, double start,
                              double end, const char *what) {
  *segment = (DmProgressSegment){
      .progress = {segment_report, segment, outer ? outer->cancel : NULL},
      .outer = outer,
      .start = start,
      .end = end,
      .what = what,
  };
}

void dm_progress_segment_init_samples(DmProgressSegment *segment, const DmProgress *outer,
                                      double start, double end, const char *what, int done,
                                      int count, int total, bool gradual) {
  dm_progress_segment_init(segment, outer, start, end, what);
  segment->done = done;
  segment->count = count;
  segment->total = total;
  segment->gradual = gradual;
}
