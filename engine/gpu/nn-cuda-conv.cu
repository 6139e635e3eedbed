/* cuDNN convolutions of the CUDA backend (see nn-cuda.h): CONV2D (forward
 * plus bias with cudnnAddTensor), CONV2D_BWD_DATA and CONV2D_BWD_FILTER
 * (plus the bias gradient with cudnnConvolutionBackwardBias), on cuDNN's
 * legacy convolution API.
 *
 * One plan per (direction, shapes, stride, pad) holds the descriptors and
 * an ordered list of candidate algorithms, chosen once by cuDNN's
 * heuristics (cudnnGet*Algorithm_v7, which do not depend on timings, so the
 * choice and the results are reproducible): for the backward directions the
 * deterministic algorithms come first.  Without TF32 (exact fp32, for
 * comparisons with the CPU) the tensor-core algorithms and the transform
 * ones (FFT, Winograd), whose rounding differs from a direct sum, are left
 * out, and every algorithm runs with CUDNN_FMA_MATH.  Well-known
 * algorithms that every fp32 convolution supports close the list.  A
 * candidate that cuDNN then refuses for this shape (NOT_SUPPORTED) is
 * dropped for the next one, and the plan remembers the one that ran. */
#include <stdlib.h>
#include <string.h>

#include "nn-cuda.h"

typedef enum { CONV_FORWARD, CONV_BACKWARD_DATA, CONV_BACKWARD_FILTER } ConvDirection;

enum { MAX_CANDIDATES = 24 };

/* Largest workspace an algorithm may ask for. */
static const size_t WORKSPACE_LIMIT = (size_t)1 << 30;

struct DmNnCudaConvPlan {
  ConvDirection direction;
  int64_t x[4], w[4], y[4];  /* shapes: x [N,C,H,W], w [O,C,kh,kw], y [N,O,Ho,Wo] */
  int stride, pad;
  cudnnTensorDescriptor_t x_desc, y_desc, bias_desc;  /* bias [1,O,1,1] */
  cudnnFilterDescriptor_t w_desc;
  cudnnConvolutionDescriptor_t conv_desc;
  int algo[MAX_CANDIDATES];            /* cudnnConvolution{Fwd,BwdData,BwdFilter}Algo_t */
  cudnnMathType_t math[MAX_CANDIDATES];
  int candidates;
  int current;                         /* first candidate not known to be refused */
};

static void plan_destroy(DmNnCudaConvPlan *plan) {
  if (plan->x_desc) cudnnDestroyTensorDescriptor(plan->x_desc);
  if (plan->y_desc) cudnnDestroyTensorDescriptor(plan->y_desc);
  if (plan->bias_desc) cudnnDestroyTensorDescriptor(plan->bias_desc);
  if (plan->w_desc) cudnnDestroyFilterDescriptor(plan->w_desc);
  if (plan->conv_desc) cudnnDestroyConvolutionDescriptor(plan->conv_desc);
}

void dm_nn_cuda_conv_plans_free(DmNnCuda *cuda) {
  for (size_t i = 0; i < cuda->conv_plan_count; i++) plan_destroy(&cuda->conv_plans[i]);
  free(cuda->conv_plans);
  cuda->conv_plans = NULL;
  cuda->conv_plan_count = cuda->conv_plan_capacity = 0;
}

/* --- Candidate algorithms -------------------------------------------------- */

static bool uses_tensor_cores(cudnnMathType_t math) {
  return math == CUDNN_TENSOR_OP_MATH || math == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
}

/* Whether an algorithm sums the products directly (implicit / explicit
 * GEMM, direct), rather than through an FFT or a Winograd transform. */
static bool direct_sum(ConvDirection direction, int algo) {
  switch (direction) {
    case CONV_FORWARD:
      return algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM ||
             algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM ||
             algo == CUDNN_CONVOLUTION_FWD_ALGO_GEMM || algo == CUDNN_CONVOLUTION_FWD_ALGO_DIRECT;
    case CONV_BACKWARD_DATA:
      return algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 || algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
    case CONV_BACKWARD_FILTER:
      return algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0 ||
             algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1 ||
             algo == CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3;
  }
  return false;
}

/* Appends algo unless already listed or the list is full. */
static void add_candidate(DmNnCudaConvPlan *plan, int algo, cudnnMathType_t math) {
  for (int i = 0; i < plan->candidates; i++)
    if (plan->algo[i] == algo && plan->math[i] == math) return;
  if (plan->candidates == MAX_CANDIDATES) return;
  plan->algo[plan->candidates] = algo;
  plan->math[plan->candidates] = math;
  plan->candidates++;
}

/* Takes the heuristics' results in order: pass 0 the deterministic ones,
 * pass 1 the others (forward: one pass, all of them). */
template <typename Perf>
static void add_heuristic_candidates(DmNnCuda *cuda, DmNnCudaConvPlan *plan, const Perf *perf,
                                     int returned, bool deterministic_first) {
  for (int pass = 0; pass < (deterministic_first ? 2 : 1); pass++)
    for (int i = 0; i < returned; i++) {
      if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > WORKSPACE_LIMIT) continue;
      if (!cuda->allow_tf32 && (uses_tensor_cores(perf[i].mathType) ||
                                !direct_sum(plan->direction, (int)perf[i].algo)))
        continue;
      if (deterministic_first &&
          (perf[i].determinism == CUDNN_DETERMINISTIC) != (pass == 0))
        continue;
      /* With TF32: tensor cores on fp32 data, never a conversion to fp16. */
      cudnnMathType_t math = !cuda->allow_tf32                 ? CUDNN_FMA_MATH
                             : uses_tensor_cores(perf[i].mathType) ? CUDNN_TENSOR_OP_MATH
                                                                 : perf[i].mathType;
      add_candidate(plan, (int)perf[i].algo, math);
    }
}

static bool choose_candidates(DmNnCuda *cuda, DmNnCudaConvPlan *plan, DmError **error) {
  int returned = 0;
  switch (plan->direction) {
    case CONV_FORWARD: {
      cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
      if (!DM_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
                              cuda->cudnn, plan->x_desc, plan->w_desc, plan->conv_desc,
                              plan->y_desc, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf),
                          error))
        return false;
      add_heuristic_candidates(cuda, plan, perf, returned, false);
      add_candidate(plan, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, CUDNN_FMA_MATH);
      add_candidate(plan, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, CUDNN_FMA_MATH);
      break;
    }
    case CONV_BACKWARD_DATA: {
      cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
      if (!DM_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
                              cuda->cudnn, plan->w_desc, plan->y_desc, plan->conv_desc,
                              plan->x_desc, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &returned,
                              perf),
                          error))
        return false;
      add_heuristic_candidates(cuda, plan, perf, returned, true);
      add_candidate(plan, CUDNN_CONVOLUTION_BWD_DATA_ALGO_1, CUDNN_FMA_MATH);
      add_candidate(plan, CUDNN_CONVOLUTION_BWD_DATA_ALGO_0, CUDNN_FMA_MATH);
      break;
    }
    case CONV_BACKWARD_FILTER: {
      cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
      if (!DM_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                              cuda->cudnn, plan->x_desc, plan->y_desc, plan->conv_desc,
                              plan->w_desc, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &returned,
                              perf),
                          error))
        return false;
      add_heuristic_candidates(cuda, plan, perf, returned, true);
      add_candidate(plan, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1, CUDNN_FMA_MATH);
      add_candidate(plan, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0, CUDNN_FMA_MATH);
      break;
    }
  }
  return true;
}

/* --- Plans ------------------------------------------------------------------ */

static bool same_dims(const int64_t a[4], const int64_t b[4]) {
  return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

static bool set_tensor(cudnnTensorDescriptor_t desc, const int64_t s[4], DmError **error) {
  return DM_CUDNN_CHECK(cudnnSetTensor4dDescriptor(desc, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                                   (int)s[0], (int)s[1], (int)s[2], (int)s[3]),
                        error);
}

static bool plan_init(DmNnCuda *cuda, DmNnCudaConvPlan *plan, DmError **error) {
  int64_t bias[4] = {1, plan->w[0], 1, 1};
  cudnnMathType_t math = cuda->allow_tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH;
  bool ok = DM_CUDNN_CHECK(cudnnCreateTensorDescriptor(&plan->x_desc), error) &&
            DM_CUDNN_CHECK(cudnnCreateTensorDescriptor(&plan->y_desc), error) &&
            DM_CUDNN_CHECK(cudnnCreateTensorDescriptor(&plan->bias_desc), error) &&
            DM_CUDNN_CHECK(cudnnCreateFilterDescriptor(&plan->w_desc), error) &&
            DM_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&plan->conv_desc), error);
  ok = ok && set_tensor(plan->x_desc, plan->x, error) && set_tensor(plan->y_desc, plan->y, error) &&
       set_tensor(plan->bias_desc, bias, error) &&
       DM_CUDNN_CHECK(cudnnSetFilter4dDescriptor(plan->w_desc, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                                 (int)plan->w[0], (int)plan->w[1],
                                                 (int)plan->w[2], (int)plan->w[3]),
                      error) &&
       DM_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(plan->conv_desc, plan->pad, plan->pad,
                                                      plan->stride, plan->stride, 1, 1,
                                                      CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
                      error) &&
       DM_CUDNN_CHECK(cudnnSetConvolutionMathType(plan->conv_desc, math), error);
  return ok && choose_candidates(cuda, plan, error);
}

/* The plan for these shapes, made on first use.  The pointer is valid until
 * the next call (the array may move). */
static DmNnCudaConvPlan *find_plan(DmNnCuda *cuda, ConvDirection direction, const DmTensor *x,
                                   const DmTensor *w, const DmTensor *y, int stride, int pad,
                                   DmError **error) {
  for (size_t i = 0; i < cuda->conv_plan_count; i++) {
    DmNnCudaConvPlan *plan = &cuda->conv_plans[i];
    if (plan->direction == direction && same_dims(plan->x, x->shape) &&
        same_dims(plan->w, w->shape) && same_dims(plan->y, y->shape) && plan->stride == stride &&
        plan->pad == pad)
      return plan;
  }
  if (cuda->conv_plan_count == cuda->conv_plan_capacity) {
    size_t capacity = cuda->conv_plan_capacity ? 2 * cuda->conv_plan_capacity : 16;
    DmNnCudaConvPlan *plans =
        (DmNnCudaConvPlan *)realloc(cuda->conv_plans, capacity * sizeof *plans);
    if (!plans) {
      dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a convolution plan.");
      return NULL;
    }
    cuda->conv_plans = plans;
    cuda->conv_plan_capacity = capacity;
  }
  DmNnCudaConvPlan *plan = &cuda->conv_plans[cuda->conv_plan_count];
  memset(plan, 0, sizeof *plan);
  plan->direction = direction;
  memcpy(plan->x, x->shape, sizeof plan->x);
  memcpy(plan->w, w->shape, sizeof plan->w);
  memcpy(plan->y, y->shape, sizeof plan->y);
  plan->stride = stride;
  plan->pad = pad;
  if (!plan_init(cuda, plan, error)) {
    plan_destroy(plan);
    dm_error_prefix(error,
                    "Cannot plan a convolution of [%lld,%lld,%lld,%lld] by [%lld,%lld,%lld,%lld]",
                    (long long)x->shape[0], (long long)x->shape[1], (long long)x->shape[2],
                    (long long)x->shape[3], (long long)w->shape[0], (long long)w->shape[1],
                    (long long)w->shape[2], (long long)w->shape[3]);
    return NULL;
  }
  cuda->conv_plan_count++;
  return plan;
}

/* --- Running a candidate ----------------------------------------------------- */

/* cuDNN 9 numbers its "not supported" statuses 3000..3999. */
static bool refused(cudnnStatus_t status) {
  return (int)status >= (int)CUDNN_STATUS_NOT_SUPPORTED &&
         (int)status < (int)CUDNN_STATUS_NOT_SUPPORTED + 1000;
}

/* Clears the detailed message cuDNN keeps for a refusal that was handled,
 * so that it is not reported with a later, unrelated failure. */
static void forget_refusal(void) {
  char message[256];
  cudnnGetLastErrorString(message, sizeof message);
}

/* Workspace size of candidate i, or a cuDNN status. */
static cudnnStatus_t workspace_size(DmNnCuda *cuda, const DmNnCudaConvPlan *plan, int i,
                                    size_t *bytes) {
  switch (plan->direction) {
    case CONV_FORWARD:
      return cudnnGetConvolutionForwardWorkspaceSize(
          cuda->cudnn, plan->x_desc, plan->w_desc, plan->conv_desc, plan->y_desc,
          (cudnnConvolutionFwdAlgo_t)plan->algo[i], bytes);
    case CONV_BACKWARD_DATA:
      return cudnnGetConvolutionBackwardDataWorkspaceSize(
          cuda->cudnn, plan->w_desc, plan->y_desc, plan->conv_desc, plan->x_desc,
          (cudnnConvolutionBwdDataAlgo_t)plan->algo[i], bytes);
    case CONV_BACKWARD_FILTER:
      return cudnnGetConvolutionBackwardFilterWorkspaceSize(
          cuda->cudnn, plan->x_desc, plan->y_desc, plan->conv_desc, plan->w_desc,
          (cudnnConvolutionBwdFilterAlgo_t)plan->algo[i], bytes);
  }
  return CUDNN_STATUS_BAD_PARAM;
}

/* Runs candidate i: forward y = conv(x, w); backward data x = conv^T(y, w);
 * backward filter w = corr(x, y).  Outputs are overwritten (beta = 0). */
static cudnnStatus_t run_candidate(DmNnCuda *cuda, const DmNnCudaConvPlan *plan, int i, float *x,
                                   float *w, float *y, void *workspace, size_t bytes) {
  const float one = 1.0f, zero = 0.0f;
  switch (plan->direction) {
    case CONV_FORWARD:
      return cudnnConvolutionForward(cuda->cudnn, &one, plan->x_desc, x, plan->w_desc, w,
                                     plan->conv_desc, (cudnnConvolutionFwdAlgo_t)plan->algo[i],
                                     workspace, bytes, &zero, plan->y_desc, y);
    case CONV_BACKWARD_DATA:
      return cudnnConvolutionBackwardData(cuda->cudnn, &one, plan->w_desc, w, plan->y_desc, y,
                                          plan->conv_desc,
                                          (cudnnConvolutionBwdDataAlgo_t)plan->algo[i],
                                          workspace, bytes, &zero, plan->x_desc, x);
    case CONV_BACKWARD_FILTER:
      return cudnnConvolutionBackwardFilter(cuda->cudnn, &one, plan->x_desc, x, plan->y_desc, y,
                                            plan->conv_desc,
                                            (cudnnConvolutionBwdFilterAlgo_t)plan->algo[i],
                                            workspace, bytes, &zero, plan->w_desc, w);
  }
  return CUDNN_STATUS_BAD_PARAM;
}

/* Runs the plan's current candidate, moving on past those cuDNN refuses;
 * when it refuses them all, the last refusal is the error, with cuDNN's
 * message. */
static bool run_plan(DmNnCuda *cuda, DmNnCudaConvPlan *plan, float *x, float *w, float *y,
                     DmError **error) {
  for (; plan->current < plan->candidates; plan->current++) {
    int i = plan->current;
    size_t bytes = 0;
    if (!DM_CUDNN_CHECK(cudnnSetConvolutionMathType(plan->conv_desc, plan->math[i]), error))
      return false;
    cudnnStatus_t status = workspace_size(cuda, plan, i, &bytes);
    if (refused(status) && plan->current + 1 < plan->candidates) {
      forget_refusal();
      continue;
    }
    if (!DM_CUDNN_CHECK(status, error)) return false;
    void *workspace = NULL;
    if (bytes > 0 && !(workspace = dm_nn_cuda_workspace(cuda, bytes, error))) return false;
    status = run_candidate(cuda, plan, i, x, w, y, workspace, bytes);
    if (refused(status) && plan->current + 1 < plan->candidates) {
      forget_refusal();
      continue;
    }
    if (!DM_CUDNN_CHECK(status, error)) {
      if (refused(status))
        dm_error_prefix(error, "cuDNN refused all %d convolution algorithms tried for this shape",
                        plan->candidates);
      return false;
    }
    return true;
  }
  return dm_error_set(error, DM_ERROR_GPU, 0,
                      "cuDNN refused all %d convolution algorithms tried for this shape.",
                      plan->candidates);
}

/* --- The three ops ------------------------------------------------------------ */

bool dm_nn_cuda_conv2d(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0], *w = node->src[1], *bias = node->src[2];
  DmTensor *y = node->dst[0];
  DmNnCudaConvPlan *plan =
      find_plan(cuda, CONV_FORWARD, x, w, y, node->stride, node->pad, error);
  if (!plan || !run_plan(cuda, plan, x->data, w->data, y->data, error)) return false;
  const float one = 1.0f;
  return !bias || DM_CUDNN_CHECK(cudnnAddTensor(cuda->cudnn, &one, plan->bias_desc, bias->data,
                                                &one, plan->y_desc, y->data),
                                 error);
}

bool dm_nn_cuda_conv2d_bwd_data(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *gy = node->src[0], *w = node->src[1];
  DmTensor *dx = node->dst[0];
  DmNnCudaConvPlan *plan =
      find_plan(cuda, CONV_BACKWARD_DATA, dx, w, gy, node->stride, node->pad, error);
  return plan && run_plan(cuda, plan, dx->data, w->data, gy->data, error);
}

bool dm_nn_cuda_conv2d_bwd_filter(DmNnCuda *cuda, const DmNnNode *node, DmError **error) {
  const DmTensor *x = node->src[0], *gy = node->src[1];
  DmTensor *dw = node->dst[0], *db = node->dst[1];
  DmNnCudaConvPlan *plan =
      find_plan(cuda, CONV_BACKWARD_FILTER, x, dw, gy, node->stride, node->pad, error);
  if (!plan || !run_plan(cuda, plan, x->data, dw->data, gy->data, error)) return false;
  const float one = 1.0f, zero = 0.0f;
  return !db ||
         DM_CUDNN_CHECK(cudnnConvolutionBackwardBias(cuda->cudnn, &one, plan->y_desc, gy->data,
                                                     &zero, plan->bias_desc, db->data),
                        error);
}
