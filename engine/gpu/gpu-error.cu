/* CUDA runtime and cuFFT status codes to DmError (see gpu-error.h). */
#include "gpu-error.h"

#include <string.h>

/* The source path as given to the compiler, without the build directory's
 * leading "../" steps. */
static const char *source_path(const char *file) {
  while (strncmp(file, "../", 3) == 0) file += 3;
  return file;
}

/* cuFFT has no message function: the enumerator names of cufft.h. */
static const char *cufft_result_name(cufftResult status) {
  switch (status) {
    case CUFFT_SUCCESS: return "CUFFT_SUCCESS";
    case CUFFT_INVALID_PLAN: return "CUFFT_INVALID_PLAN";
    case CUFFT_ALLOC_FAILED: return "CUFFT_ALLOC_FAILED";
    case CUFFT_INVALID_TYPE: return "CUFFT_INVALID_TYPE";
    case CUFFT_INVALID_VALUE: return "CUFFT_INVALID_VALUE";
    case CUFFT_INTERNAL_ERROR: return "CUFFT_INTERNAL_ERROR";
    case CUFFT_EXEC_FAILED: return "CUFFT_EXEC_FAILED";
    case CUFFT_SETUP_FAILED: return "CUFFT_SETUP_FAILED";
    case CUFFT_INVALID_SIZE: return "CUFFT_INVALID_SIZE";
    case CUFFT_UNALIGNED_DATA: return "CUFFT_UNALIGNED_DATA";
    case CUFFT_INVALID_DEVICE: return "CUFFT_INVALID_DEVICE";
    case CUFFT_NO_WORKSPACE: return "CUFFT_NO_WORKSPACE";
    case CUFFT_NOT_IMPLEMENTED: return "CUFFT_NOT_IMPLEMENTED";
    case CUFFT_NOT_SUPPORTED: return "CUFFT_NOT_SUPPORTED";
    case CUFFT_MISSING_DEPENDENCY: return "CUFFT_MISSING_DEPENDENCY";
    case CUFFT_NVRTC_FAILURE: return "CUFFT_NVRTC_FAILURE";
    case CUFFT_NVJITLINK_FAILURE: return "CUFFT_NVJITLINK_FAILURE";
    case CUFFT_NVSHMEM_FAILURE: return "CUFFT_NVSHMEM_FAILURE";
  }
  return "unknown cufftResult";
}

bool dm_gpu_check_cuda(cudaError_t status, const char *call, const char *file, int line,
                       DmError **error) {
  if (status == cudaSuccess) return true;
  return dm_error_set(error, DM_ERROR_GPU, (int)status, "CUDA error: %s (%s) in %s at %s:%d.",
                      cudaGetErrorString(status), cudaGetErrorName(status), call,
                      source_path(file), line);
}

bool dm_gpu_check_cufft(cufftResult status, const char *call, const char *file, int line,
                        DmError **error) {
  if (status == CUFFT_SUCCESS) return true;
  return dm_error_set(error, DM_ERROR_FFT, (int)status, "cuFFT error: %s (%d) in %s at %s:%d.",
                      cufft_result_name(status), (int)status, call, source_path(file), line);
}
