/* What the commands that run over MPI ranks share (mosaic, train-score,
 * train-mmgan; built when MPI is found): whether a launcher started the
 * process, the ranks' agreement on a phase's success, each rank's share of
 * the node's cores and its GPU. */
#ifndef DARKMAP_CLI_MPI_H
#define DARKMAP_CLI_MPI_H

#include <stdbool.h>
#include <stdlib.h>

#include "darkmap/error.h"

/* Whether an MPI launcher started more than one process: Open MPI's mpirun
 * (OMPI_COMM_WORLD_SIZE), MPICH's and Slurm's PMI (PMI_SIZE), PMIx
 * (PMIX_RANK, assumed several).  Without MPI a command refuses to run so:
 * its processes would each write the same files. */
static inline bool cli_mpi_launched(void) {
  const char *size = getenv("OMPI_COMM_WORLD_SIZE");
  if (!size) size = getenv("PMI_SIZE");
  return size ? atoi(size) > 1 : getenv("PMIX_RANK") != NULL;
}

/* This process's rank as the launcher told it (0 without one), readable
 * before MPI_Init: lines every rank would print alike are rank 0's. */
static inline int cli_mpi_launcher_rank(void) {
  const char *rank = getenv("OMPI_COMM_WORLD_RANK");
  if (!rank) rank = getenv("PMI_RANK");
  if (!rank) rank = getenv("PMIX_RANK");
  return rank ? atoi(rank) : 0;
}

#if DARKMAP_MPI
typedef struct {
  int rank, size;
} CliRanks;

/* MPI_Init when not done yet; this process's rank and the world's size. */
void cli_mpi_init(CliRanks *ranks);

/* The ranks' agreement after a phase: true when every rank succeeded;
 * otherwise false on every rank, with *error the first failing rank's
 * error (its code and message, prefixed with that rank when it is not
 * rank 0).  Collective. */
bool cli_mpi_agree(const CliRanks *ranks, bool ok, DmError **error);

/* The threads a rank takes when the user gave none: the node's cores over
 * the node's ranks, at least 1.  Collective. */
int cli_mpi_node_threads(void);

/* One GPU per rank: when CUDA_VISIBLE_DEVICES is not set and the node has
 * NVIDIA devices (/dev/nvidia0, /dev/nvidia1, ...), sets it to the node-local
 * rank modulo their count, before any CUDA library is opened (the engine
 * opens them on first use).  Collective. */
void cli_mpi_choose_gpu(void);
#endif

#endif
