/* Progress on stderr (see cli-progress.h). */
#include "cli-progress.h"

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "darkmap/monotonic-clock.h"

static bool line_open = false;
static double job_start = -1.0;  /* time of the job's first report */

/* "stage:  42% ETA m:ss", the time left extrapolated from the time so far. */
static void report(void *user_data, double fraction, const char *stage) {
  (void)user_data;
  double now = dm_monotonic_seconds();
  if (job_start < 0.0) job_start = now;
  fprintf(stderr, "\r%s: %3.0f%%", stage, 100.0 * fraction);
  if (fraction > 0.0 && fraction < 1.0) {
    long left = (long)((now - job_start) * (1.0 - fraction) / fraction + 0.5);
    fprintf(stderr, " ETA %ld:%02ld ", left / 60, left % 60);
  }
  fflush(stderr);
  line_open = true;
}

DmProgress cli_progress_init(void) {
  DmProgress progress = {NULL, NULL, NULL};
  if (isatty(STDERR_FILENO)) progress.report = report;
  job_start = -1.0;
  return progress;
}

void cli_progress_done(void) {
  if (line_open) fputc('\n', stderr);
  line_open = false;
  job_start = -1.0;
}
