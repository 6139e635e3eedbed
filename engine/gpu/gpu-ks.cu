/* Kaiser-Squires on the GPU with cuFFT (see darkmap/gpu.h and darkmap/ks.h).
 *
 * Per call: upload the two real planes, pack them into one complex array,
 * forward C2C FFT in place, multiply by the KS kernel (computed per mode, the
 * 1/(nx ny) folded in), inverse C2C FFT in place, unpack, download.  All of it
 * is queued on the plan's stream and waited for once at the end. */
#include "gpu-module.h"

#include <stdlib.h>

#include "darkmap/map.h"
#include "gpu-error.h"

struct DmGpuKsPlan {
  int nx, ny;
  size_t n;             /* nx * ny */
  int device;           /* the CUDA device the buffers live on */
  cudaStream_t stream;
  cufftHandle fft;      /* ny × nx C2C, in place, on stream */
  bool has_fft;
  float2 *modes;        /* [ny][nx] complex: packed input, then its spectrum */
  float *planes;        /* [2][ny][nx] real: the two input or output planes */
};

enum { PACK_THREADS = 256, MULTIPLY_THREADS_X = 32, MULTIPLY_THREADS_Y = 8 };

/* NumPy's fftfreq: signed frequency of bin i of n, in cycles per sample. */
__device__ static float frequency(int i, int n) {
  return (float)(i < (n + 1) / 2 ? i : i - n) / (float)n;
}

/* modes[i] = re[i] + i im[i]; im may be NULL (zero).  Shapes: [n]. */
__global__ static void pack_kernel(float2 *modes, const float *re, const float *im, size_t n) {
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x)
    modes[i] = make_float2(re[i], im ? im[i] : 0.0f);
}

/* re[i] = Re modes[i], im[i] = Im modes[i]; im may be NULL.  Shapes: [n]. */
__global__ static void unpack_kernel(const float2 *modes, float *re, float *im, size_t n) {
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    float2 v = modes[i];
    re[i] = v.x;
    if (im) im[i] = v.y;
  }
}

/* modes[y][x] *= scale ((k1² − k2²) + i sign 2 k1 k2) / |k|², with k1 along
 * x; sign = −1 gives conj(D) (shear -> kappa), +1 gives D (kappa -> shear).
 * k = 0 -> 0; 2 k1 k2 = 0 on the Nyquist row/column of an even axis except
 * at the corner where both are Nyquist. */
__global__ static void multiply_kernel(float2 *modes, int nx, int ny, float sign, float scale) {
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= nx || y >= ny) return;
  size_t i = (size_t)y * (size_t)nx + (size_t)x;
  float k1 = frequency(x, nx), k2 = frequency(y, ny);
  float ksq = k1 * k1 + k2 * k2;
  if (ksq == 0.0f) {
    modes[i] = make_float2(0.0f, 0.0f);
    return;
  }
  bool nyquist_x = nx % 2 == 0 && 2 * x == nx;
  bool nyquist_y = ny % 2 == 0 && 2 * y == ny;
  float norm = scale / ksq;
  float a = (k1 * k1 - k2 * k2) * norm;
  float b = nyquist_x != nyquist_y ? 0.0f : sign * 2.0f * k1 * k2 * norm;
  float2 v = modes[i];
  modes[i] = make_float2(v.x * a - v.y * b, v.y * a + v.x * b);
}

void dm_cuda_ks_plan_free(DmGpuKsPlan *plan) {
  if (!plan) return;
  cudaSetDevice(plan->device);
  if (plan->has_fft) cufftDestroy(plan->fft);
  cudaFree(plan->modes);
  cudaFree(plan->planes);
  if (plan->stream) cudaStreamDestroy(plan->stream);
  free(plan);
}

DmGpuKsPlan *dm_cuda_ks_plan_new(int nx, int ny, DmError **error) {
  /* Two real planes or one complex plane per buffer: the size of a 2-plane map. */
  if (!dm_map_check_size(nx, ny, 2, error)) return NULL;
  DmGpuKsPlan *plan = (DmGpuKsPlan *)calloc(1, sizeof *plan);
  if (!plan) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a GPU Kaiser-Squires plan.");
    return NULL;
  }
  plan->nx = nx;
  plan->ny = ny;
  plan->n = (size_t)nx * (size_t)ny;
  bool ok = DM_CUDA_CHECK(cudaGetDevice(&plan->device), error) &&
            DM_CUDA_CHECK(cudaStreamCreateWithFlags(&plan->stream, cudaStreamNonBlocking), error) &&
            DM_CUDA_CHECK(cudaMalloc((void **)&plan->modes, plan->n * sizeof(float2)), error) &&
            DM_CUDA_CHECK(cudaMalloc((void **)&plan->planes, 2 * plan->n * sizeof(float)), error) &&
            DM_CUFFT_CHECK(cufftPlan2d(&plan->fft, ny, nx, CUFFT_C2C), error);
  plan->has_fft = ok;
  ok = ok && DM_CUFFT_CHECK(cufftSetStream(plan->fft, plan->stream), error);
  if (!ok) {
    dm_error_prefix(error, "Cannot prepare the GPU Kaiser-Squires transform for %d × %d", nx, ny);
    dm_cuda_ks_plan_free(plan);
    return NULL;
  }
  return plan;
}

/* Launch configuration for the element-wise kernels over n values. */
static unsigned pack_blocks(size_t n) {
  size_t blocks = (n + PACK_THREADS - 1) / PACK_THREADS;
  return blocks > 65535 ? 65535u : (unsigned)blocks;
}

/* Queues out = IFFT(K FFT(in_re + i in_im)) / (nx ny) with K = conj(D)
 * (sign −1) or D (sign +1) on the plan's stream and waits for it; host arrays;
 * in_im and out_im may be NULL. */
static bool queue(DmGpuKsPlan *plan, const float *in_re, const float *in_im, float *out_re,
                float *out_im, float sign, DmError **error) {
  size_t bytes = plan->n * sizeof(float);
  float *re = plan->planes, *im = plan->planes + plan->n;
  dim3 threads(MULTIPLY_THREADS_X, MULTIPLY_THREADS_Y);
  dim3 blocks((unsigned)((plan->nx + MULTIPLY_THREADS_X - 1) / MULTIPLY_THREADS_X),
              (unsigned)((plan->ny + MULTIPLY_THREADS_Y - 1) / MULTIPLY_THREADS_Y));
  float scale = (float)(1.0 / ((double)plan->nx * (double)plan->ny));

  if (!DM_CUDA_CHECK(cudaSetDevice(plan->device), error) ||
      !DM_CUDA_CHECK(cudaMemcpyAsync(re, in_re, bytes, cudaMemcpyHostToDevice, plan->stream),
                     error) ||
      (in_im && !DM_CUDA_CHECK(cudaMemcpyAsync(im, in_im, bytes, cudaMemcpyHostToDevice,
                                               plan->stream),
                               error)))
    return false;
  pack_kernel<<<pack_blocks(plan->n), PACK_THREADS, 0, plan->stream>>>(
      plan->modes, re, in_im ? im : NULL, plan->n);
  if (!DM_CUDA_CHECK(cudaGetLastError(), error) ||
      !DM_CUFFT_CHECK(cufftExecC2C(plan->fft, plan->modes, plan->modes, CUFFT_FORWARD), error))
    return false;
  multiply_kernel<<<blocks, threads, 0, plan->stream>>>(plan->modes, plan->nx, plan->ny, sign,
                                                        scale);
  if (!DM_CUDA_CHECK(cudaGetLastError(), error) ||
      !DM_CUFFT_CHECK(cufftExecC2C(plan->fft, plan->modes, plan->modes, CUFFT_INVERSE), error))
    return false;
  unpack_kernel<<<pack_blocks(plan->n), PACK_THREADS, 0, plan->stream>>>(
      plan->modes, re, out_im ? im : NULL, plan->n);
  return DM_CUDA_CHECK(cudaGetLastError(), error) &&
         DM_CUDA_CHECK(cudaMemcpyAsync(out_re, re, bytes, cudaMemcpyDeviceToHost, plan->stream),
                       error) &&
         (!out_im || DM_CUDA_CHECK(cudaMemcpyAsync(out_im, im, bytes, cudaMemcpyDeviceToHost,
                                                   plan->stream),
                                   error)) &&
         DM_CUDA_CHECK(cudaStreamSynchronize(plan->stream), error);
}

/* Runs queue(); after a failure, waits for what was already queued so that
 * nothing writes to the caller's arrays once this returns. */
static bool run(DmGpuKsPlan *plan, const float *in_re, const float *in_im, float *out_re,
                float *out_im, float sign, DmError **error) {
  if (queue(plan, in_re, in_im, out_re, out_im, sign, error)) return true;
  cudaStreamSynchronize(plan->stream);
  return false;
}

/* a, b, c: the three arrays that may not be NULL. */
static bool check_arguments(const DmGpuKsPlan *plan, const void *a, const void *b, const void *c,
                            DmError **error) {
  if (plan && a && b && c) return true;
  return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "GPU Kaiser-Squires needs a plan and its input and output arrays.");
}

bool dm_cuda_ks_shear_to_kappa(DmGpuKsPlan *plan, const float *g1, const float *g2,
                               float *kappa_e, float *kappa_b, DmError **error) {
  if (!check_arguments(plan, g1, g2, kappa_e, error)) return false;
  if (!run(plan, g1, g2, kappa_e, kappa_b, -1.0f, error)) {
    dm_error_prefix(error, "GPU Kaiser-Squires (shear to convergence) failed");
    return false;
  }
  return true;
}

bool dm_cuda_ks_kappa_to_shear(DmGpuKsPlan *plan, const float *kappa_e, const float *kappa_b,
                               float *g1, float *g2, DmError **error) {
  if (!check_arguments(plan, kappa_e, g1, g2, error)) return false;
  if (!run(plan, kappa_e, kappa_b, g1, g2, +1.0f, error)) {
    dm_error_prefix(error, "GPU Kaiser-Squires (convergence to shear) failed");
    return false;
  }
  return true;
}
