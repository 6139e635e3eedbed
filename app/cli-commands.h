/* darkmap-cli subcommands: each takes the arguments after its name and
 * returns the process exit status (0 success, 1 failure, 2 usage error). */
#ifndef DARKMAP_CLI_COMMANDS_H
#define DARKMAP_CLI_COMMANDS_H

#include "darkmap/error.h"

int cli_bin_main(int argc, char **argv);
int cli_ks_main(int argc, char **argv);
int cli_pspec_main(int argc, char **argv);
int cli_stats_main(int argc, char **argv);
int cli_info_main(int argc, char **argv);
int cli_simulate_main(int argc, char **argv);
int cli_mock_catalog_main(int argc, char **argv);
int cli_wiener_main(int argc, char **argv);
int cli_mosaic_main(int argc, char **argv);
int cli_healpix_main(int argc, char **argv);
int cli_train_score_main(int argc, char **argv);
int cli_sample_score_main(int argc, char **argv);
int cli_eval_mock_main(int argc, char **argv);
int cli_calibrate_main(int argc, char **argv);
int cli_train_mmgan_main(int argc, char **argv);
int cli_sample_mmgan_main(int argc, char **argv);
int cli_train_cosmogan_main(int argc, char **argv);
int cli_sample_cosmogan_main(int argc, char **argv);

/* Prints an error as darkmap-cli reports them and returns the exit status
 * for it (2 for a usage error, else 1); frees the error. */
int cli_fail(const char *command, DmError *error);

/* The exit status for an error, as cli_fail returns it. */
int cli_error_status(const DmError *error);

/* True when argv asks for help (-h or --help anywhere). */
_Bool cli_wants_help(int argc, char **argv);

#endif
