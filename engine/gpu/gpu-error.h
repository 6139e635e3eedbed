/* CUDA runtime and cuFFT status codes to DmError (CUDA sources only).
 *
 * DM_CUDA_CHECK(call, error) / DM_CUFFT_CHECK(call, error) evaluate the call
 * and return true on success; otherwise they set *error to DM_ERROR_GPU /
 * DM_ERROR_FFT with the library's own message, the call's text and file:line,
 * and return false. */
#ifndef DARKMAP_GPU_ERROR_H
#define DARKMAP_GPU_ERROR_H

#include <cuda_runtime.h>
#include <cufft.h>

#include "darkmap/error.h"

bool dm_gpu_check_cuda(cudaError_t status, const char *call, const char *file, int line,
                       DmError **error);
bool dm_gpu_check_cufft(cufftResult status, const char *call, const char *file, int line,
                        DmError **error);

#define DM_CUDA_CHECK(call, error) dm_gpu_check_cuda((call), #call, __FILE__, __LINE__, (error))
#define DM_CUFFT_CHECK(call, error) dm_gpu_check_cufft((call), #call, __FILE__, __LINE__, (error))

#endif
