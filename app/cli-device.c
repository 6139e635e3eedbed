/* The network engine's device from the command line (see cli-device.h). */
#include "cli-device.h"

#include <stdio.h>
#include <string.h>

const CliOptionSpec cli_device_options[] = {
    {"device", true, "auto|cpu|cuda network engine device (default auto: the GPU if usable)"},
    {"threads", true, "T        CPU threads of the network engine (default: all cores)"},
    {NULL, false, NULL},
};

bool cli_device_parse(const char *name, DmNnDevice *device, DmError **error) {
  if (!name || strcmp(name, "auto") == 0) *device = DM_NN_DEVICE_AUTO;
  else if (strcmp(name, "cpu") == 0) *device = DM_NN_DEVICE_CPU;
  else if (strcmp(name, "cuda") == 0) *device = DM_NN_DEVICE_CUDA;
  else
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "--device must be auto, cpu or cuda, not '%s'.", name);
  return true;
}

DmNn *cli_nn_from_options(const CliArgs *args, DmError **error) {
  DmNnDevice device;
  int threads = 0;
  if (!cli_device_parse(cli_args_value(args, "device"), &device, error) ||
      !cli_args_int(args, "threads", 0, 4096, &threads, error))
    return NULL;
  DmNn *nn = dm_nn_new(device, threads, error);
  if (nn) fprintf(stderr, "Network engine on %s.\n", dm_nn_device_name(nn));
  return nn;
}
