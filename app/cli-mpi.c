/* The MPI helpers of the commands that run over ranks (cli-mpi.h). */
#include "cli-mpi.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { MESSAGE_BYTES = 2048 };  /* an error's message as it travels between ranks */

void cli_mpi_init(CliRanks *ranks) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) MPI_Init(NULL, NULL);
  MPI_Comm_rank(MPI_COMM_WORLD, &ranks->rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks->size);
}

bool cli_mpi_agree(const CliRanks *ranks, bool ok, DmError **error) {
  int failed = ok ? ranks->size : ranks->rank, first = ranks->size;
  MPI_Allreduce(&failed, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first == ranks->size) return true;
  int code = DM_ERROR_INVALID_ARGUMENT;
  char message[MESSAGE_BYTES] = "failed for an unknown reason.";
  if (ranks->rank == first && *error) {
    code = (int)(*error)->code;
    snprintf(message, sizeof message, "%s", (*error)->message);
  }
  MPI_Bcast(&code, 1, MPI_INT, first, MPI_COMM_WORLD);
  MPI_Bcast(message, sizeof message, MPI_CHAR, first, MPI_COMM_WORLD);
  dm_error_free(*error);
  *error = NULL;
  if (first == 0) return dm_error_set(error, (DmErrorCode)code, 0, "%s", message);
  return dm_error_set(error, (DmErrorCode)code, 0, "Rank %d of %d: %s", first, ranks->size,
                      message);
}

/* This rank's place among the ranks of its node, and their count. */
static void node_rank(int *rank, int *size) {
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, rank);
  MPI_Comm_size(node, size);
  MPI_Comm_free(&node);
}

int cli_mpi_node_threads(void) {
  int rank = 0, size = 1;
  node_rank(&rank, &size);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores / size > 1 ? (int)(cores / size) : 1;
}

void cli_mpi_choose_gpu(void) {
  int rank = 0, size = 1;
  node_rank(&rank, &size);
  if (getenv("CUDA_VISIBLE_DEVICES")) return;
  int devices = 0;
  for (char path[32];; devices++) {
    snprintf(path, sizeof path, "/dev/nvidia%d", devices);
    if (access(path, F_OK) != 0) break;
  }
  if (devices == 0) return;
  char index[16];
  snprintf(index, sizeof index, "%d", rank % devices);
  setenv("CUDA_VISIBLE_DEVICES", index, 1);
}
