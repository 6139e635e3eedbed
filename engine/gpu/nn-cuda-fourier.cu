/* CUDA Fourier multiplication of a batch of maps (DM_NN_OP_FOURIER_FILTER,
 * nn/nn-backend.h): the maps are packed into interleaved complex numbers in
 * the backend's workspace, transformed in place by one batched cuFFT C2C
 * plan (cached per batch and grid), multiplied by the filter with the
 * inverse's 1 / (H W) folded in, transformed back and unpacked. */
#include <stdlib.h>

#include "gpu-error.h"
#include "nn-cuda.h"

struct DmNnCudaFftPlan {
  int64_t batch;
  int ny, nx;
  cufftHandle handle;  /* batch × (ny × nx) C2C, in place, on the backend's stream */
};

void dm_nn_cuda_fft_plans_free(DmNnCuda *cuda) {
  for (size_t i = 0; i < cuda->fft_plan_count; i++) cufftDestroy(cuda->fft_plans[i].handle);
  free(cuda->fft_plans);
  cuda->fft_plans = NULL;
  cuda->fft_plan_count = cuda->fft_plan_capacity = 0;
}

/* The cached plan of batch maps of ny × nx, made now if missing. */
static DmNnCudaFftPlan *fft_plan(DmNnCuda *cuda, int64_t batch, int ny, int nx,
                                 DmError **error) {
  for (size_t i = 0; i < cuda->fft_plan_count; i++) {
    DmNnCudaFftPlan *p = &cuda->fft_plans[i];
    if (p->batch == batch && p->ny == ny && p->nx == nx) return p;
  }
  if (cuda->fft_plan_count == cuda->fft_plan_capacity) {
    size_t capacity = cuda->fft_plan_capacity ? 2 * cuda->fft_plan_capacity : 4;
    DmNnCudaFftPlan *grown =
        (DmNnCudaFftPlan *)realloc(cuda->fft_plans, capacity * sizeof *grown);
    if (!grown) {
      dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a cuFFT plan.");
      return NULL;
    }
    cuda->fft_plans = grown;
    cuda->fft_plan_capacity = capacity;
  }
  DmNnCudaFftPlan *p = &cuda->fft_plans[cuda->fft_plan_count];
  int dims[2] = {ny, nx};
  if (!DM_CUFFT_CHECK(cufftPlanMany(&p->handle, 2, dims, NULL, 1, ny * nx, NULL, 1, ny * nx,
                                    CUFFT_C2C, (int)batch),
                      error))
    return NULL;
  if (!DM_CUFFT_CHECK(cufftSetStream(p->handle, cuda->stream), error)) {
    cufftDestroy(p->handle);
    return NULL;
  }
  p->batch = batch;
  p->ny = ny;
  p->nx = nx;
  cuda->fft_plan_count++;
  return p;
}

/* work[n, i] = x[n, 0, i] + i x[n, 1, i] (imaginary part 0 with 1 channel). */
__global__ static void pack_kernel(cufftComplex *work, const float *x, int64_t batch,
                                   int64_t npix, bool complex_in) {
  int64_t channels = complex_in ? 2 : 1;
  DM_NN_CUDA_GRID_LOOP(j, batch * npix) {
    int64_t n = j / npix, i = j % npix;
    const float *map = x + n * channels * npix;
    work[j] = make_cuFloatComplex(map[i], complex_in ? map[npix + i] : 0.0f);
  }
}

/* work[n, i] *= (h_re[i] + i h_im[i]) * norm (h_im NULL: real filter). */
__global__ static void multiply_kernel(cufftComplex *work, const float *h_re, const float *h_im,
                                       int64_t batch, int64_t npix, float norm) {
  DM_NN_CUDA_GRID_LOOP(j, batch * npix) {
    int64_t i = j % npix;
    float a = h_re[i] * norm, b = h_im ? h_im[i] * norm : 0.0f;
    cufftComplex z = work[j];
    work[j] = make_cuFloatComplex(a * z.x - b * z.y, a * z.y + b * z.x);
  }
}

/* y[n, 0, i] = Re work[n, i]; y[n, 1, i] = Im work[n, i] when complex_out. */
__global__ static void unpack_kernel(float *y, const cufftComplex *work, int64_t batch,
                                     int64_t npix, bool complex_out) {
  int64_t channels = complex_out ? 2 : 1;
  DM_NN_CUDA_GRID_LOOP(j, batch * npix) {
    int64_t n = j / npix, i = j % npix;
    float *map = y + n * channels * npix;
    map[i] = work[j].x;
    if (complex_out) map[npix + i] = work[j].y;
  }
}

bool dm_nn_cuda_fourier_filter(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0], *filter = node->src[1];
  DmTensor *y = node->dst[0];
  int64_t batch = x->shape[0], npix = x->shape[2] * x->shape[3];
  DmNnCudaFftPlan *plan = fft_plan(cuda, batch, (int)x->shape[2], (int)x->shape[3], error);
  if (!plan) return false;
  cufftComplex *work =
      (cufftComplex *)dm_nn_cuda_workspace(cuda, (size_t)(batch * npix) * sizeof(cufftComplex),
                                           error);
  if (!work) return false;
  unsigned blocks = dm_nn_cuda_blocks(batch * npix);
  pack_kernel<<<blocks, DM_NN_CUDA_THREADS, 0, cuda->stream>>>(work, x->data, batch, npix,
                                                               x->shape[1] == 2);
  if (!DM_NN_CUDA_LAUNCHED(error) ||
      !DM_CUFFT_CHECK(cufftExecC2C(plan->handle, work, work, CUFFT_FORWARD), error))
    return false;
  multiply_kernel<<<blocks, DM_NN_CUDA_THREADS, 0, cuda->stream>>>(
      work, filter->data, filter->shape[1] == 2 ? filter->data + npix : NULL, batch, npix,
      (float)(1.0 / (double)npix));
  if (!DM_NN_CUDA_LAUNCHED(error) ||
      !DM_CUFFT_CHECK(cufftExecC2C(plan->handle, work, work, CUFFT_INVERSE), error))
    return false;
  unpack_kernel<<<blocks, DM_NN_CUDA_THREADS, 0, cuda->stream>>>(y->data, work, batch, npix,
                                                                 y->shape[1] == 2);
  return DM_NN_CUDA_LAUNCHED(error);
}
