/* The network engine's device from the command line (see cli-device.h). */
#include "cli-device.h"

#include <stddef.h>

const CliOptionSpec cli_device_options[] = {
    {"device", true, "auto|cpu|cuda network engine device (default auto: the GPU if usable)"},
    {"threads", true, "T        CPU threads of the network engine (default: all cores)"},
    {NULL, false, NULL},
};

bool cli_device_from_options(const CliArgs *args, const char **device, int *threads,
                             DmError **error) {
  *device = cli_args_value(args, "device");
  *threads = 0;
  return cli_args_int(args, "threads", 0, 4096, threads, error);
}
