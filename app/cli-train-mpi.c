/* darkmap-cli train-score and train-mmgan under an MPI launcher (mpirun -np
 * N, srun): one data-parallel training (darkmap/data-parallel.h) whose ranks
 * each take batch / N of every step's maps, their gradients summed here
 * over MPI before each update, rank 0 writing the checkpoint, model and card
 * and printing the reports.
 *
 * The sum is a reduction to rank 0 and a broadcast of its result, not an
 * all-reduce: MPI lets an all-reduce give ranks sums in different orders,
 * and ranks whose weights drifted apart by a rounding would no longer be
 * one training.
 *
 * Failures: the request is checked on every rank and the ranks agree on it
 * before any work (a bad batch or path fails on all of them with one
 * message).  A rank that fails later (a full disk, a lost file) cannot tell
 * the others, which may be waiting for it in an exchange: it prints its
 * error and ends the run (MPI_Abort).  A cancellation (Ctrl+C or SIGUSR1 on
 * any rank) is agreed between steps: every rank stops after the same step
 * and rank 0 saves it. */
#include <limits.h>
#include <mpi.h>
#include <stdio.h>

#include "cli-commands.h"
#include "cli-mpi.h"
#include "cli-train.h"

/* DmAllReduceSumFunc over MPI_COMM_WORLD, in pieces whose counts fit an
 * int. */
static bool sum_over_ranks(void *user_data, float *values, size_t n, DmError **error) {
  (void)user_data;
  enum { PIECE = 1 << 28 };
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (size_t at = 0; at < n; at += PIECE) {
    int count = (int)(n - at < PIECE ? n - at : PIECE);
    int status = MPI_Reduce(rank == 0 ? MPI_IN_PLACE : values + at, values + at, count,
                            MPI_FLOAT, MPI_SUM, 0, MPI_COMM_WORLD);
    if (status == MPI_SUCCESS)
      status = MPI_Bcast(values + at, count, MPI_FLOAT, 0, MPI_COMM_WORLD);
    if (status != MPI_SUCCESS) {
      char message[MPI_MAX_ERROR_STRING];
      int length = 0;
      MPI_Error_string(status, message, &length);
      return dm_error_set(error, DM_ERROR_FAILED, 0, "MPI: %.*s", length, message);
    }
  }
  return true;
}

int cli_train_mpi_run(const char *command, const DmTrainRequest *request) {
  CliRanks ranks;
  cli_mpi_init(&ranks);
  cli_mpi_choose_gpu();
  DmTrainRequest r = *request;
  int threads = cli_mpi_node_threads();
  if (r.threads == 0) r.threads = threads;
  DmDataParallel parallel = {.rank = ranks.rank, .ranks = ranks.size, .sum = sum_over_ranks};
  r.parallel = &parallel;
  DmError *error = NULL;
  bool checked = cli_mpi_agree(&ranks, dm_train_check(&r, &error), &error);
  if (checked && ranks.rank == 0)
    fprintf(stderr, "Data-parallel training over %d ranks: %d maps per step, %d on each, %d "
                    "thread%s each.\n",
            ranks.size, r.batch, r.batch / ranks.size, r.threads, r.threads == 1 ? "" : "s");
  bool ok = checked && cli_train_execute(&r, &error);
  int status = 0;
  if (!ok) {
    /* Every rank has the same error when the check or a cancellation failed it. */
    bool agreed = !checked || (error && error->code == DM_ERROR_CANCELLED);
    if (ranks.rank == 0) {
      status = cli_fail(command, error);
    } else {
      status = cli_error_status(error);
      if (!agreed)
        fprintf(stderr, "darkmap-cli %s: rank %d of %d: %s\n", command, ranks.rank, ranks.size,
                error ? error->message : "failed for an unknown reason.");
      dm_error_free(error);
    }
    /* A failure of one rank alone may leave the others waiting for it. */
    if (!agreed) MPI_Abort(MPI_COMM_WORLD, status);
  }
  MPI_Finalize();
  return status;
}
