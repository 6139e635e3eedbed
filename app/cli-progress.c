/* Progress on stderr (see cli-progress.h). */
#include "cli-progress.h"

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

static bool line_open = false;

static void report(void *user_data, double fraction, const char *stage) {
  (void)user_data;
  fprintf(stderr, "\r%s: %3.0f%%", stage, 100.0 * fraction);
  fflush(stderr);
  line_open = true;
}

DmProgress cli_progress_init(void) {
  DmProgress progress = {NULL, NULL, NULL};
  if (isatty(STDERR_FILENO)) progress.report = report;
  return progress;
}

void cli_progress_done(void) {
  if (line_open) fputc('\n', stderr);
  line_open = false;
}
