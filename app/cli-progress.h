/* A one-line progress display on stderr for darkmap-cli (only when stderr
 * is a terminal, so logs stay clean). */
#ifndef DARKMAP_CLI_PROGRESS_H
#define DARKMAP_CLI_PROGRESS_H

#include "darkmap/progress.h"

DmProgress cli_progress_init(void);

/* Ends the progress line, if one was drawn. */
void cli_progress_done(void);

#endif
