/* --device auto|cpu|cuda and --threads for the commands that run the
 * network engine. */
#ifndef DARKMAP_CLI_DEVICE_H
#define DARKMAP_CLI_DEVICE_H

#include "cli-args.h"
#include "darkmap/nn.h"

/* The option table (NULL-name terminated). */
extern const CliOptionSpec cli_device_options[];

/* The device a --device value names: auto (also for NULL), cpu or cuda. */
bool cli_device_parse(const char *name, DmNnDevice *device, DmError **error);

/* A context on the device the options name (default auto: the GPU when one
 * is usable), with its name on stderr. */
DmNn *cli_nn_from_options(const CliArgs *args, DmError **error);

#endif
