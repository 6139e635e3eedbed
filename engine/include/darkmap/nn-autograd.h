/* Reverse-mode automatic differentiation over the context's tape.
 *
 * While the context is recording (the default), every op with an input that
 * requires a gradient appends an entry to the tape: the backward rule and the
 * tensors it saved.  Leaves are tensors the caller marked with
 * dm_tensor_set_requires_grad (parameters, or an input for a gradient
 * penalty).  dm_nn_clear() empties the tape. */
#ifndef DARKMAP_NN_AUTOGRAD_H
#define DARKMAP_NN_AUTOGRAD_H

#include "darkmap/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Turns recording on or off (off = inference, like torch.no_grad: nothing
 * is taped, so forwards free their intermediates as they go, darkmap/nn.h);
 * returns the previous state so that callers can restore it. */
bool dm_nn_set_recording(DmNn *nn, bool recording);
bool dm_nn_is_recording(const DmNn *nn);

/* Back-propagates from the scalar `loss` and ACCUMULATES d loss / d leaf into
 * leaf->grad for every persistent leaf that requires a gradient (allocating
 * ->grad, zero-filled, on first use).  The tape is kept until dm_nn_clear,
 * but the intermediates a forward released (dm_tensor_release, darkmap/nn.h)
 * go as the pass no longer needs them, as in PyTorch: over the same graph a
 * second pass that needs one fails with DM_ERROR_INVALID_ARGUMENT; over
 * tensors nobody released it accumulates the same gradients again. */
bool dm_nn_backward(DmNn *nn, DmTensor *loss);

/* d sum(output) / d input, returned as a temporary; no ->grad is touched.
 * With create_graph the computation of the gradient is itself recorded, so
 * that a loss built from it can be back-propagated again (the gradient
 * penalty of a Wasserstein critic).  input must be on output's tape (a leaf
 * that requires a gradient, or an intermediate result). */
DmTensor *dm_nn_grad(DmNn *nn, DmTensor *output, DmTensor *input, bool create_graph);

/* Sets ->grad of each tensor to zero (keeps the allocation). */
void dm_nn_zero_grad(DmTensor *const *tensors, int count);

#ifdef __cplusplus
}
#endif

#endif
