/* The peak memory line that darkmap-cli's samplers print at the end. */
#ifndef DARKMAP_CLI_PEAK_MEMORY_H
#define DARKMAP_CLI_PEAK_MEMORY_H

#include "darkmap/reconstruct.h"

/* On stderr: "Peak memory: 70.2 MiB in the network engine (bound 74.5 MiB
 * for batches of 1), 231.0 MiB for the process." — the engine's count and
 * its bound from stats (darkmap/reconstruct.h), and the process's largest
 * resident set (getrusage: the libraries, the posterior and the files' buffers
 * too). */
void cli_peak_memory_print(const DmReconstructStats *stats);

#endif
