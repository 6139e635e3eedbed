/* The peak memory line of darkmap-cli's samplers (cli-peak-memory.h). */
#include "cli-peak-memory.h"

#include <stdio.h>
#include <sys/resource.h>

#include "darkmap/memory-budget.h"

void cli_peak_memory_print(const DmReconstructStats *stats) {
  char peak[DM_MEMORY_TEXT_SIZE], bound[DM_MEMORY_TEXT_SIZE], process[DM_MEMORY_TEXT_SIZE];
  struct rusage usage;
  /* ru_maxrss is in KiB on Linux. */
  double resident = getrusage(RUSAGE_SELF, &usage) == 0 ? 1024.0 * (double)usage.ru_maxrss : 0.0;
  fprintf(stderr,
          "Peak memory: %s in the network engine (bound %s for batches of %d), %s for the "
          "process.\n",
          dm_memory_format(stats->peak_bytes, peak), dm_memory_format(stats->bound_bytes, bound),
          stats->batch, dm_memory_format(resident, process));
}
