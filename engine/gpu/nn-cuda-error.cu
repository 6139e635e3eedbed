/* cuDNN and cuBLAS status codes to DmError (see nn-cuda.h). */
#include <string.h>

#include "nn-cuda.h"

/* The source path as given to the compiler, without the build directory's
 * leading "../" steps. */
static const char *source_path(const char *file) {
  while (strncmp(file, "../", 3) == 0) file += 3;
  return file;
}

bool dm_nn_cuda_check_cudnn(cudnnStatus_t status, const char *call, const char *file, int line,
                            DmError **error) {
  if (status == CUDNN_STATUS_SUCCESS) return true;
  /* cuDNN 9 keeps a more detailed message of the last failure in this thread. */
  char detail[512] = "";
  cudnnGetLastErrorString(detail, sizeof detail);
  return dm_error_set(error, DM_ERROR_GPU, (int)status, "cuDNN error: %s (%d)%s%s in %s at %s:%d.",
                      cudnnGetErrorString(status), (int)status, detail[0] ? ": " : "", detail,
                      call, source_path(file), line);
}

bool dm_nn_cuda_check_cublas(cublasStatus_t status, const char *call, const char *file,
                             int line, DmError **error) {
  if (status == CUBLAS_STATUS_SUCCESS) return true;
  return dm_error_set(error, DM_ERROR_GPU, (int)status, "cuBLAS error: %s (%s) in %s at %s:%d.",
                      cublasGetStatusString(status), cublasGetStatusName(status), call,
                      source_path(file), line);
}
