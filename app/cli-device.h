/* --device auto|cpu|cuda and --threads for the commands that run the
 * network engine. */
#ifndef DARKMAP_CLI_DEVICE_H
#define DARKMAP_CLI_DEVICE_H

#include "cli-args.h"

/* The option table (NULL-name terminated). */
extern const CliOptionSpec cli_device_options[];

/* The --device name (NULL when not given: auto; the engine checks it,
 * dm_nn_device_from_name) and the --threads count (0 when not given: all
 * cores). */
bool cli_device_from_options(const CliArgs *args, const char **device, int *threads,
                             DmError **error);

#endif
