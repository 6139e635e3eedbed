/* darkmap-cli mosaic's parsed command, shared by the one-process run
 * (cli-mosaic.c) and the run over MPI ranks (cli-mosaic-mpi.c, built when
 * MPI is found): every rank parses the same arguments into the same
 * request and opens its own stream over the catalogue. */
#ifndef DARKMAP_CLI_MOSAIC_H
#define DARKMAP_CLI_MOSAIC_H

#include <stdbool.h>

#include "cli-args.h"
#include "darkmap/mosaic.h"

typedef struct {
  CliArgs args;
  DmMosaicRequest request;
  DmTheorySpectrum *theory;  /* the prior of wiener and score (owned), or NULL */
  const char *out;           /* the output path (in argv) */
  DmCatalogStream *stream;   /* the catalogue (owned), or NULL */
} CliMosaicCommand;

/* Parses argv (after "mosaic"), reads the prior and opens the catalogue
 * stream.  On failure what was opened stays in command for
 * cli_mosaic_command_close. */
bool cli_mosaic_command_open(CliMosaicCommand *command, int argc, char **argv, DmError **error);

/* Writes the mosaic to command->out and prints the run's summary. */
bool cli_mosaic_command_write(const CliMosaicCommand *command, const DmMosaic *mosaic,
                              DmError **error);

void cli_mosaic_command_close(CliMosaicCommand *command);

#if DARKMAP_MPI
/* darkmap-cli mosaic over the launcher's ranks: the exit status of this
 * rank, the same on every rank. */
int cli_mosaic_mpi_main(int argc, char **argv);
#endif

#endif
