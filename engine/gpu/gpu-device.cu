/* Whether a CUDA device can be used (see darkmap/gpu.h). */
#include "gpu-module.h"

#include <cuda_runtime.h>

bool dm_cuda_available(void) {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();  /* no driver or no device: clear the runtime's last error */
    return false;
  }
  return count > 0;
}
