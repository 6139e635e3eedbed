/* Differentiable operations.
 *
 * Each function returns a new temporary tensor (freed by dm_nn_clear), or
 * NULL after recording an error in the context (darkmap/nn.h: sticky error;
 * a NULL input also gives NULL).  When any input requires a gradient and the
 * context is recording (darkmap/nn-autograd.h), the op is put on the tape so
 * that dm_nn_backward() can replay it.
 *
 * Backward rules are written with these same functions, so a gradient
 * computed with create_graph is itself differentiable ("double backward").
 * That holds for every op whose backward is built from differentiable ops:
 * conv2d, conv_transpose2d, linear, matmul, add, sub, mul, scale, the
 * activations ReLU and LeakyReLU, sum, mean, sum_squares, sqrt, reshape,
 * concat, slice.  Group/batch norm, upsampling, pooling, losses and the other
 * activations have first-order backward only: differentiating their
 * gradient again records an error (DM_ERROR_UNSUPPORTED).
 *
 * Shapes are NCHW.  PyTorch's conventions are kept so that weights load
 * unchanged: conv weights [O, C, kh, kw], transposed-conv weights
 * [Cin, Cout, kh, kw], linear weights [O, F] (stored as (O, F, 1, 1)). */
#ifndef DARKMAP_NN_OPS_H
#define DARKMAP_NN_OPS_H

#include "darkmap/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* x [N,C,H,W], w [O,C,kh,kw], b [O] or NULL -> [N,O,Ho,Wo]. */
DmTensor *dm_nn_conv2d(DmNn *nn, DmTensor *x, DmTensor *w, DmTensor *b, int stride, int pad);
/* x [N,Cin,H,W], w [Cin,Cout,kh,kw], b [Cout] or NULL ->
 * [N, Cout, (H-1) stride - 2 pad + kh + output_padding, ...]. */
DmTensor *dm_nn_conv_transpose2d(DmNn *nn, DmTensor *x, DmTensor *w, DmTensor *b,
                                 int stride, int pad, int output_padding);
/* x (N, F) as a matrix view (any N,C,H,W with C*H*W = F), w (O, F), b (O)
 * or NULL -> (N, O, 1, 1). */
DmTensor *dm_nn_linear(DmNn *nn, DmTensor *x, DmTensor *w, DmTensor *b);
/* Matrix views: op(a) op(b). */
DmTensor *dm_nn_matmul(DmNn *nn, DmTensor *a, DmTensor *b, bool trans_a, bool trans_b);

DmTensor *dm_nn_group_norm(DmNn *nn, DmTensor *x, DmTensor *gamma, DmTensor *beta,
                           int groups, float eps);
/* running: persistent (2*C): mean then variance, updated in training. */
DmTensor *dm_nn_batch_norm(DmNn *nn, DmTensor *x, DmTensor *gamma, DmTensor *beta,
                           DmTensor *running, bool training, float momentum, float eps);

DmTensor *dm_nn_relu(DmNn *nn, DmTensor *x);
DmTensor *dm_nn_leaky_relu(DmNn *nn, DmTensor *x, float slope);
DmTensor *dm_nn_silu(DmNn *nn, DmTensor *x);
DmTensor *dm_nn_tanh(DmNn *nn, DmTensor *x);
DmTensor *dm_nn_sigmoid(DmNn *nn, DmTensor *x);
DmTensor *dm_nn_sqrt(DmNn *nn, DmTensor *x);

/* b has a's shape, or 1 element, or a->shape[0] elements (per sample). */
DmTensor *dm_nn_add(DmNn *nn, DmTensor *a, DmTensor *b);
DmTensor *dm_nn_sub(DmNn *nn, DmTensor *a, DmTensor *b);
DmTensor *dm_nn_mul(DmNn *nn, DmTensor *a, DmTensor *b);
/* alpha * x + beta. */
DmTensor *dm_nn_scale(DmNn *nn, DmTensor *x, float alpha, float beta);
/* x [N,C,H,W] + bias [C] or [N,C] broadcast over H, W. */
DmTensor *dm_nn_add_channel(DmNn *nn, DmTensor *x, DmTensor *bias);

/* Channel concatenation [a, b] (a first); slice of channels [c0, c0+nc). */
DmTensor *dm_nn_concat(DmNn *nn, DmTensor *a, DmTensor *b);
DmTensor *dm_nn_slice_channels(DmNn *nn, DmTensor *x, int64_t c0, int64_t nc);
/* Same elements, new shape (numel must match). */
DmTensor *dm_nn_reshape(DmNn *nn, DmTensor *x, int64_t n, int64_t c, int64_t h, int64_t w);

/* The periodic window y [N, C, h, w] of x [N, C, H, W]:
 * y[n, c, i, j] = x[n, c, i mod H, j mod W].  h > H or w > W pads x
 * periodically (on the bottom and right), smaller sizes crop its top-left
 * corner; the gradient sums back over the wrapped copies. */
DmTensor *dm_nn_periodic_window(DmNn *nn, DmTensor *x, int64_t h, int64_t w);

DmTensor *dm_nn_upsample_nearest(DmNn *nn, DmTensor *x, int factor);
DmTensor *dm_nn_upsample_bilinear(DmNn *nn, DmTensor *x, int factor);
DmTensor *dm_nn_avg_pool(DmNn *nn, DmTensor *x, int factor);

/* Reductions to a scalar (1,1,1,1), or per sample (N,1,1,1). */
DmTensor *dm_nn_sum(DmNn *nn, DmTensor *x);
DmTensor *dm_nn_mean(DmNn *nn, DmTensor *x);
DmTensor *dm_nn_sum_per_sample(DmNn *nn, DmTensor *x);
DmTensor *dm_nn_sum_squares_per_sample(DmNn *nn, DmTensor *x);

/* Mean losses over all elements; target may require a gradient too. */
DmTensor *dm_nn_mse_loss(DmNn *nn, DmTensor *pred, DmTensor *target);
DmTensor *dm_nn_l1_loss(DmNn *nn, DmTensor *pred, DmTensor *target);

/* Noise-level embedding: sigma (N) -> (N, 2F, 1, 1), sin and cos of
 * 2 pi freqs[f] ln sigma; freqs (F) fixed (not trained).  No gradient
 * with respect to sigma. */
DmTensor *dm_nn_fourier_embedding(DmNn *nn, DmTensor *sigma, DmTensor *freqs);

/* Fourier multiplication y = F⁻¹[ H F[x] ] (normalised inverse) of every
 * map of x [N, 1|2, H, W] (1 channel: a real map; 2: the real and imaginary
 * parts of a complex one) by the filter H [1, 1|2, H, W] (real, or real and
 * imaginary parts) given in the FFT's unshifted order: element (ky, kx) is
 * the mode (dm_fft_freq(ky, H), dm_fft_freq(kx, W)).  Result [N, 2, H, W]
 * (complex), or its real part [N, 1, H, W] with real_output.  FFTW on the
 * CPU, cuFFT on CUDA.  No gradient: called while recording with an input
 * that needs one, it records DM_ERROR_UNSUPPORTED. */
DmTensor *dm_nn_fourier_filter(DmNn *nn, DmTensor *x, DmTensor *filter, bool real_output);

/* Spectral normalisation (Miyato et al. 2018): w / sigma_max(w) with
 * sigma_max from power iterations on the matrix view of w (O rows).  u is
 * a persistent (O) vector carried between calls and updated in place when
 * update_u (training); the gradient flows through sigma with u, v held
 * constant, as in PyTorch. */
DmTensor *dm_nn_spectral_normalize(DmNn *nn, DmTensor *w, DmTensor *u,
                                   int power_iterations, bool update_u);

#ifdef __cplusplus
}
#endif

#endif
