/* What train-score, train-mmgan and train-cosmogan share around dm_train
 * (darkmap/train.h): the options of every training, the request they make,
 * and the run with one line per report on stderr and Ctrl+C saving a
 * checkpoint. */
#ifndef DARKMAP_CLI_TRAIN_H
#define DARKMAP_CLI_TRAIN_H

#include "cli-args.h"
#include "darkmap/train.h"

/* --theory, --theory-column, --preset, --shift, --no-haloes, --steps,
 * --batch, --lr, --width, --depth, --seed, --log-every, --validate-every,
 * --checkpoint-every, --max-seconds, --checkpoint, --resume, --name, --out. */
extern const CliOptionSpec cli_train_options[];

/* The request of kind at the --preset size (default full) with the shared
 * options applied; *theory gets the table read (the caller frees it), NULL
 * for a CosmoGAN given --maps (which needs none). */
bool cli_train_request_from_options(const CliArgs *args, DmTrainKind kind,
                                    DmTrainRequest *request, DmTheorySpectrum **theory,
                                    DmError **error);

/* --device and --threads (cli-device.h) into the request; without
 * --threads the preset's thread count stays. */
bool cli_train_device_from_options(const CliArgs *args, DmTrainRequest *request,
                                   DmError **error);

/* Runs the training: progress on a terminal, a line per report, Ctrl+C (or
 * SIGUSR1, which batch schedulers send before a job's time is up) stopping
 * it after the step in progress with a checkpoint.  Under an MPI launcher
 * (mpirun -np N) the processes are the ranks of one data-parallel training
 * (cli-train-mpi.c).  Returns the exit status (cli_fail's on failure). */
int cli_train_run(const char *command, const DmTrainRequest *request);

/* dm_train with the terminal's progress and report lines, printed by one
 * process or by rank 0 of a data-parallel request alone. */
bool cli_train_execute(const DmTrainRequest *request, DmError **error);

#if DARKMAP_MPI
/* The training as rank of the launcher's world: the request's batch split
 * over the ranks, gradients summed across them (MPI), without --threads
 * each rank taking its share of the node's cores, one GPU per rank on a
 * node with GPUs.  The exit status of this rank. */
int cli_train_mpi_run(const char *command, const DmTrainRequest *request);
#endif

#endif
