/* Every kernel op of the CPU backend (nn-backend.h) against references
 * written here in double precision, on small random shapes; the adjoint
 * kernels also through the identities <A x, y> = <x, A* y>, and the norms'
 * backward kernels against central finite differences of their forward. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn.h"
#include "darkmap/rng.h"
#include "nn/nn-backend.h"
#include "test-util.h"

static DmNn *nn;
static DmRng rng;

/* count floats uniform in [-1, 1); owned by the caller. */
static float *random_floats(int64_t count) {
  float *x = malloc((size_t)count * sizeof *x);
  for (int64_t i = 0; i < count; i++) x[i] = (float)(2.0 * dm_rng_uniform(&rng) - 1.0);
  return x;
}

/* A temporary holding host (or undefined contents when host is NULL). */
static DmTensor *tensor(int64_t n, int64_t c, int64_t h, int64_t w, const float *host) {
  DmTensor *t = dm_tensor_temp(nn, n, c, h, w);
  if (t && host) dm_tensor_upload(t, host, (size_t)dm_tensor_numel(t));
  return t;
}

/* The tensor's contents, malloc'ed. */
static float *download(const DmTensor *t) {
  float *x = malloc((size_t)dm_tensor_numel(t) * sizeof *x);
  dm_tensor_download(t, x, (size_t)dm_tensor_numel(t));
  return x;
}

static bool compute(DmNnNode node) {
  if (dm_nn_compute(nn, &node)) return true;
  DmError *error = NULL;
  dm_nn_take_error(nn, &error);
  fprintf(stderr, "kernel op %d failed: %s\n", (int)node.op, error ? error->message : "?");
  dm_error_free(error);
  return false;
}

/* max |got - want| / max(max |want|, 1e-30) */
static double relative_error(const float *got, const double *want, int64_t count) {
  double worst = 0.0, scale = 1e-30;
  for (int64_t i = 0; i < count; i++) {
    if (fabs(want[i]) > scale) scale = fabs(want[i]);
    if (fabs(got[i] - want[i]) > worst) worst = fabs(got[i] - want[i]);
  }
  return worst / scale;
}

static double dot(const float *a, const float *b, int64_t count) {
  double sum = 0.0;
  for (int64_t i = 0; i < count; i++) sum += (double)a[i] * b[i];
  return sum;
}

/* ---- Convolutions ---------------------------------------------------- */

typedef struct {
  int n, c, h, w, o, kh, kw, stride, pad;
} ConvCase;

static double conv_reference_at(const ConvCase *s, const float *x, const float *w, int n,
                                int o, int oy, int ox) {
  double sum = 0.0;
  for (int c = 0; c < s->c; c++)
    for (int ky = 0; ky < s->kh; ky++)
      for (int kx = 0; kx < s->kw; kx++) {
        const int iy = oy * s->stride - s->pad + ky, ix = ox * s->stride - s->pad + kx;
        if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w) continue;
        sum += (double)x[((n * s->c + c) * s->h + iy) * s->w + ix] *
               w[((o * s->c + c) * s->kh + ky) * s->kw + kx];
      }
  return sum;
}

static void check_conv(const ConvCase *s) {
  const int ho = (s->h + 2 * s->pad - s->kh) / s->stride + 1;
  const int wo = (s->w + 2 * s->pad - s->kw) / s->stride + 1;
  const int64_t nx = (int64_t)s->n * s->c * s->h * s->w, nw = (int64_t)s->o * s->c * s->kh * s->kw;
  const int64_t ny = (int64_t)s->n * s->o * ho * wo;
  float *x = random_floats(nx), *w = random_floats(nw), *b = random_floats(s->o);
  float *gy = random_floats(ny);
  DmTensor *tx = tensor(s->n, s->c, s->h, s->w, x), *tw = tensor(s->o, s->c, s->kh, s->kw, w);
  DmTensor *tb = tensor(s->o, 1, 1, 1, b), *tgy = tensor(s->n, s->o, ho, wo, gy);
  DmTensor *ty = tensor(s->n, s->o, ho, wo, NULL), *ty_nobias = tensor(s->n, s->o, ho, wo, NULL);
  DmTensor *tgx = tensor(s->n, s->c, s->h, s->w, NULL), *tgw = tensor(s->o, s->c, s->kh, s->kw, NULL);
  DmTensor *tgb = tensor(s->o, 1, 1, 1, NULL);

  CHECK(compute((DmNnNode){.op = DM_NN_OP_CONV2D, .src = {tx, tw, tb}, .dst = {ty},
                           .stride = s->stride, .pad = s->pad}));
  CHECK(compute((DmNnNode){.op = DM_NN_OP_CONV2D, .src = {tx, tw}, .dst = {ty_nobias},
                           .stride = s->stride, .pad = s->pad}));
  CHECK(compute((DmNnNode){.op = DM_NN_OP_CONV2D_BWD_DATA, .src = {tgy, tw}, .dst = {tgx},
                           .stride = s->stride, .pad = s->pad}));
  CHECK(compute((DmNnNode){.op = DM_NN_OP_CONV2D_BWD_FILTER, .src = {tx, tgy},
                           .dst = {tgw, tgb}, .stride = s->stride, .pad = s->pad}));
  float *y = download(ty), *y_nobias = download(ty_nobias), *gx = download(tgx);
  float *gw = download(tgw), *gb = download(tgb);

  double *want = malloc((size_t)(ny > nx ? (ny > nw ? ny : nw) : (nx > nw ? nx : nw)) *
                        sizeof *want);
  for (int n = 0; n < s->n; n++)
    for (int o = 0; o < s->o; o++)
      for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
          want[((n * s->o + o) * ho + oy) * wo + ox] = conv_reference_at(s, x, w, n, o, oy, ox);
  const double err_nobias = relative_error(y_nobias, want, ny);
  for (int64_t i = 0; i < ny; i++) want[i] += b[(i / (ho * wo)) % s->o];
  const double err_y = relative_error(y, want, ny);

  /* Filter gradient, directly: dw[o,c,ky,kx] = sum gy[n,o,oy,ox] x[n,c,iy,ix]. */
  for (int o = 0; o < s->o; o++)
    for (int c = 0; c < s->c; c++)
      for (int ky = 0; ky < s->kh; ky++)
        for (int kx = 0; kx < s->kw; kx++) {
          double sum = 0.0;
          for (int n = 0; n < s->n; n++)
            for (int oy = 0; oy < ho; oy++)
              for (int ox = 0; ox < wo; ox++) {
                const int iy = oy * s->stride - s->pad + ky, ix = ox * s->stride - s->pad + kx;
                if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w) continue;
                sum += (double)gy[((n * s->o + o) * ho + oy) * wo + ox] *
                       x[((n * s->c + c) * s->h + iy) * s->w + ix];
              }
          want[((o * s->c + c) * s->kh + ky) * s->kw + kx] = sum;
        }
  const double err_gw = relative_error(gw, want, nw);
  for (int o = 0; o < s->o; o++) {
    double sum = 0.0;
    for (int n = 0; n < s->n; n++)
      for (int i = 0; i < ho * wo; i++) sum += gy[(n * s->o + o) * ho * wo + i];
    want[o] = sum;
  }
  const double err_gb = relative_error(gb, want, s->o);

  /* Data gradient, directly: the scatter of gy through w. */
  for (int64_t i = 0; i < nx; i++) want[i] = 0.0;
  for (int n = 0; n < s->n; n++)
    for (int o = 0; o < s->o; o++)
      for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
          for (int c = 0; c < s->c; c++)
            for (int ky = 0; ky < s->kh; ky++)
              for (int kx = 0; kx < s->kw; kx++) {
                const int iy = oy * s->stride - s->pad + ky, ix = ox * s->stride - s->pad + kx;
                if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w) continue;
                want[((n * s->c + c) * s->h + iy) * s->w + ix] +=
                    (double)gy[((n * s->o + o) * ho + oy) * wo + ox] *
                    w[((o * s->c + c) * s->kh + ky) * s->kw + kx];
              }
  const double err_gx = relative_error(gx, want, nx);

  /* Adjoint identities: <conv(x, w), gy> = <x, bwd_data(gy, w)> = <w, bwd_filter(x, gy)>. */
  const double forward = dot(y_nobias, gy, ny);
  const double through_data = dot(x, gx, nx), through_filter = dot(w, gw, nw);
  double scale = 0.0;
  for (int64_t i = 0; i < ny; i++) scale += fabs((double)y_nobias[i] * gy[i]);

  /* Float rounding of the direct algorithm; 3x3 stride-1 convolutions may
   * run Winograd F(4x4, 3x3), whose transforms round about ten times more. */
  const double tol = s->kh == 3 && s->kw == 3 && s->stride == 1 ? 2e-5 : 2e-6;
  if (err_y > tol || err_nobias > tol || err_gx > tol || err_gw > tol || err_gb > 2e-6 ||
      fabs(forward - through_data) > tol * scale || fabs(forward - through_filter) > tol * scale)
    fprintf(stderr,
            "conv N%d C%d %dx%d O%d k%dx%d s%d p%d: errors y %.2g (no bias %.2g), gx %.2g, "
            "gw %.2g, gb %.2g; <y,gy> %.9g <x,gx> %.9g <w,gw> %.9g\n",
            s->n, s->c, s->h, s->w, s->o, s->kh, s->kw, s->stride, s->pad, err_y, err_nobias,
            err_gx, err_gw, err_gb, forward, through_data, through_filter);
  CHECK(err_y <= tol && err_nobias <= tol);
  CHECK(err_gx <= tol);
  CHECK(err_gw <= tol && err_gb <= 2e-6);
  CHECK_CLOSE(through_data, forward, tol * scale);
  CHECK_CLOSE(through_filter, forward, tol * scale);

  free(x), free(w), free(b), free(gy), free(y), free(y_nobias), free(gx), free(gw), free(gb);
  free(want);
  dm_nn_clear(nn);
}

static void check_convolutions(void) {
  static const ConvCase cases[] = {
      {2, 3, 7, 9, 4, 3, 3, 1, 1},   {2, 3, 7, 9, 4, 3, 3, 1, 0},
      {2, 3, 8, 6, 5, 3, 3, 2, 1},   {1, 4, 9, 7, 3, 3, 3, 2, 1},   /* odd sizes, stride 2 */
      {2, 5, 6, 10, 3, 1, 1, 1, 0},  {2, 3, 8, 8, 6, 1, 1, 2, 0},
      {2, 4, 8, 6, 3, 2, 2, 2, 0},   {1, 3, 7, 5, 2, 2, 2, 1, 1},
      {2, 2, 9, 11, 3, 5, 5, 1, 2},  {1, 3, 12, 9, 4, 5, 5, 2, 1},
      {2, 3, 7, 8, 2, 3, 5, 1, 1},   {1, 2, 6, 9, 3, 2, 3, 2, 0},   /* non-square kernels */
      {3, 16, 12, 12, 24, 3, 3, 1, 1}, {2, 32, 8, 8, 16, 3, 3, 2, 1},
      {2, 64, 20, 16, 64, 3, 3, 1, 1},                               /* the U-Net's widths */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_conv(&cases[i]);
}

/* ---- Matrix product ------------------------------------------------- */

static void check_matmul(void) {
  const int m = 7, k = 5, n = 6;
  for (int variant = 0; variant < 4; variant++) {
    const bool ta = variant & 1, tb = variant & 2;
    float *a = random_floats(m * k), *b = random_floats(k * n), *c = random_floats(m * n);
    /* a is stored (m, k), or (k, m) when transposed; b likewise. */
    DmTensor *tam = ta ? tensor(k, m, 1, 1, a) : tensor(m, k, 1, 1, a);
    DmTensor *tbm = tb ? tensor(n, 1, k, 1, b) : tensor(k, n, 1, 1, b);
    DmTensor *tc = tensor(m, 3, 2, 1, c);
    CHECK(compute((DmNnNode){.op = DM_NN_OP_MATMUL, .src = {tam, tbm}, .dst = {tc},
                             .alpha = 1.5f, .beta = -0.5f, .trans_a = ta, .trans_b = tb}));
    float *got = download(tc);
    double want[7 * 6];
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) {
        double sum = 0.0;
        for (int l = 0; l < k; l++)
          sum += (double)(ta ? a[l * m + i] : a[i * k + l]) * (tb ? b[j * k + l] : b[l * n + j]);
        want[i * n + j] = 1.5 * sum - 0.5 * c[i * n + j];
      }
    CHECK(relative_error(got, want, m * n) <= 1e-6);
    free(a), free(b), free(c), free(got);
  }
  dm_nn_clear(nn);
}

/* ---- Element-wise ops and reductions --------------------------------- */

static void check_elementwise(void) {
  enum { N = 3, C = 4, H = 5, W = 2, COUNT = N * C * H * W };
  float *a = random_floats(COUNT), *b = random_floats(COUNT);
  double want[COUNT];
  DmTensor *ta = tensor(N, C, H, W, a), *tb = tensor(N, C, H, W, b);
  DmTensor *scalar = tensor(1, 1, 1, 1, b), *per_sample = tensor(N, 1, 1, 1, b);
  DmTensor *out = tensor(N, C, H, W, NULL);

  CHECK(compute((DmNnNode){.op = DM_NN_OP_FILL, .dst = {out}, .alpha = 2.5f}));
  float *got = download(out);
  for (int i = 0; i < COUNT; i++) want[i] = 2.5;
  CHECK(relative_error(got, want, COUNT) == 0.0);
  free(got);

  /* ADD with the three shapes of src1, MUL with each. */
  const DmTensor *operands[3] = {tb, scalar, per_sample};
  const int periods[3] = {1, COUNT, C * H * W};
  for (int k = 0; k < 3; k++) {
    CHECK(compute((DmNnNode){.op = DM_NN_OP_ADD, .src = {ta, operands[k]}, .dst = {out},
                             .alpha = 0.5f, .beta = -2.0f}));
    got = download(out);
    for (int i = 0; i < COUNT; i++) want[i] = 0.5 * a[i] - 2.0 * b[i / periods[k]];
    CHECK(relative_error(got, want, COUNT) <= 1e-6);
    free(got);
    CHECK(compute((DmNnNode){.op = DM_NN_OP_MUL, .src = {ta, operands[k]}, .dst = {out}}));
    got = download(out);
    for (int i = 0; i < COUNT; i++) want[i] = (double)a[i] * b[i / periods[k]];
    CHECK(relative_error(got, want, COUNT) <= 1e-6);
    free(got);
  }

  /* In place: dst0 == src0. */
  DmTensor *inplace = tensor(N, C, H, W, a);
  CHECK(compute((DmNnNode){.op = DM_NN_OP_AFFINE, .src = {inplace}, .dst = {inplace},
                           .alpha = -3.0f, .beta = 0.25f}));
  got = download(inplace);
  for (int i = 0; i < COUNT; i++) want[i] = -3.0 * a[i] + 0.25;
  CHECK(relative_error(got, want, COUNT) <= 1e-6);
  free(got);

  /* ADD_CHANNEL and REDUCE_CHANNEL, per channel and per (sample, channel). */
  DmTensor *bias_c = tensor(C, 1, 1, 1, b), *bias_nc = tensor(N, C, 1, 1, b);
  CHECK(compute((DmNnNode){.op = DM_NN_OP_ADD_CHANNEL, .src = {ta, bias_c}, .dst = {out}}));
  got = download(out);
  for (int i = 0; i < COUNT; i++) want[i] = (double)a[i] + b[(i / (H * W)) % C];
  CHECK(relative_error(got, want, COUNT) <= 1e-6);
  free(got);
  CHECK(compute((DmNnNode){.op = DM_NN_OP_ADD_CHANNEL, .src = {ta, bias_nc}, .dst = {out}}));
  got = download(out);
  for (int i = 0; i < COUNT; i++) want[i] = (double)a[i] + b[i / (H * W)];
  CHECK(relative_error(got, want, COUNT) <= 1e-6);
  free(got);
  DmTensor *red_c = tensor(C, 1, 1, 1, NULL), *red_nc = tensor(N, C, 1, 1, NULL);
  CHECK(compute((DmNnNode){.op = DM_NN_OP_REDUCE_CHANNEL, .src = {ta}, .dst = {red_c}}));
  CHECK(compute((DmNnNode){.op = DM_NN_OP_REDUCE_CHANNEL, .src = {ta}, .dst = {red_nc}}));
  float *got_c = download(red_c), *got_nc = download(red_nc);
  double want_c[C] = {0}, want_nc[N * C] = {0};
  for (int i = 0; i < COUNT; i++) {
    want_c[(i / (H * W)) % C] += a[i];
    want_nc[i / (H * W)] += a[i];
  }
  CHECK(relative_error(got_c, want_c, C) <= 1e-6);
  CHECK(relative_error(got_nc, want_nc, N * C) <= 1e-6);
  free(got_c), free(got_nc);

  /* SUM and SUMSQ: total and per sample, scaled by alpha. */
  DmTensor *total = tensor(1, 1, 1, 1, NULL), *per = tensor(N, 1, 1, 1, NULL);
  for (int squares = 0; squares < 2; squares++) {
    const DmNnOp op = squares ? DM_NN_OP_SUMSQ : DM_NN_OP_SUM;
    CHECK(compute((DmNnNode){.op = op, .src = {ta}, .dst = {total}, .alpha = 0.5f}));
    CHECK(compute((DmNnNode){.op = op, .src = {ta}, .dst = {per}, .alpha = 2.0f}));
    double want_total = 0.0, want_per[N] = {0};
    for (int i = 0; i < COUNT; i++) {
      const double v = squares ? (double)a[i] * a[i] : a[i];
      want_total += 0.5 * v;
      want_per[i / (C * H * W)] += 2.0 * v;
    }
    float *got_per = download(per);
    CHECK_CLOSE(dm_tensor_item(total), want_total, 1e-6 * COUNT);
    CHECK(relative_error(got_per, want_per, N) <= 1e-6);
    free(got_per);
  }

  /* EXPAND from a scalar and from per-sample values. */
  CHECK(compute((DmNnNode){.op = DM_NN_OP_EXPAND, .src = {scalar}, .dst = {out}, .alpha = 3.0f}));
  got = download(out);
  for (int i = 0; i < COUNT; i++) want[i] = 3.0 * b[0];
  CHECK(relative_error(got, want, COUNT) <= 1e-7);
  free(got);
  CHECK(compute((DmNnNode){.op = DM_NN_OP_EXPAND, .src = {per_sample}, .dst = {out},
                           .alpha = -1.0f}));
  got = download(out);
  for (int i = 0; i < COUNT; i++) want[i] = -b[i / (C * H * W)];
  CHECK(relative_error(got, want, COUNT) <= 1e-7);
  free(got);

  free(a), free(b);
  dm_nn_clear(nn);
}

static double activation_reference(DmNnAct act, double slope, double x) {
  switch (act) {
  case DM_NN_ACT_RELU: return x > 0 ? x : 0;
  case DM_NN_ACT_LEAKY_RELU: return x > 0 ? x : slope * x;
  case DM_NN_ACT_SILU: return x / (1 + exp(-x));
  case DM_NN_ACT_TANH: return tanh(x);
  case DM_NN_ACT_SIGMOID: return 1 / (1 + exp(-x));
  case DM_NN_ACT_SQRT: return sqrt(x);
  }
  return NAN;
}

static void check_activations(void) {
  enum { COUNT = 64 };
  float *x = random_floats(COUNT), *gy = random_floats(COUNT);
  for (int i = 0; i < COUNT; i++) x[i] *= 3.0f;
  float *positive = malloc(COUNT * sizeof *positive);
  for (int i = 0; i < COUNT; i++) positive[i] = 0.1f + fabsf(x[i]);
  const float slope = 0.2f;
  for (DmNnAct act = DM_NN_ACT_RELU; act <= DM_NN_ACT_SQRT; act++) {
    const float *input = act == DM_NN_ACT_SQRT ? positive : x;
    DmTensor *tx = tensor(COUNT, 1, 1, 1, input), *tgy = tensor(COUNT, 1, 1, 1, gy);
    DmTensor *ty = tensor(COUNT, 1, 1, 1, NULL), *tgx = tensor(COUNT, 1, 1, 1, NULL);
    CHECK(compute((DmNnNode){.op = DM_NN_OP_ACT, .src = {tx}, .dst = {ty}, .act = act,
                             .slope = slope}));
    CHECK(compute((DmNnNode){.op = DM_NN_OP_ACT_BWD, .src = {tgy, tx}, .dst = {tgx}, .act = act,
                             .slope = slope}));
    float *y = download(ty), *gx = download(tgx);
    double want_y[COUNT], want_gx[COUNT];
    for (int i = 0; i < COUNT; i++) {
      const double v = input[i], h = 1e-6;
      want_y[i] = activation_reference(act, slope, v);
      /* The derivative by a central difference in double (no kink within h). */
      want_gx[i] = gy[i] * (activation_reference(act, slope, v + h) -
                            activation_reference(act, slope, v - h)) / (2 * h);
    }
    CHECK(relative_error(y, want_y, COUNT) <= 1e-6);
    CHECK(relative_error(gx, want_gx, COUNT) <= 1e-6);
    free(y), free(gx);
  }
  free(x), free(gy), free(positive);
  dm_nn_clear(nn);
}

static void check_losses(void) {
  enum { COUNT = 50 };
  float *a = random_floats(COUNT), *b = random_floats(COUNT);
  b[7] = a[7]; /* sign(0) = 0 for L1 */
  const float upstream = 1.75f;
  DmTensor *ta = tensor(2, 5, 5, 1, a), *tb = tensor(2, 5, 5, 1, b);
  DmTensor *tg = tensor(1, 1, 1, 1, &upstream), *loss = tensor(1, 1, 1, 1, NULL);
  DmTensor *grad = tensor(2, 5, 5, 1, NULL);
  for (int mode = DM_NN_LOSS_MSE; mode <= DM_NN_LOSS_L1; mode++) {
    CHECK(compute((DmNnNode){.op = DM_NN_OP_LOSS, .src = {ta, tb}, .dst = {loss}, .mode = mode}));
    CHECK(compute((DmNnNode){.op = DM_NN_OP_LOSS_BWD, .src = {ta, tb, tg}, .dst = {grad},
                             .mode = mode}));
    double want_loss = 0.0, want_grad[COUNT];
    for (int i = 0; i < COUNT; i++) {
      const double d = (double)a[i] - b[i];
      want_loss += (mode == DM_NN_LOSS_L1 ? fabs(d) : d * d) / COUNT;
      want_grad[i] = upstream * (mode == DM_NN_LOSS_L1 ? (d > 0) - (d < 0) : 2 * d) / COUNT;
    }
    CHECK_CLOSE(dm_tensor_item(loss), want_loss, 1e-6);
    float *got = download(grad);
    CHECK(relative_error(got, want_grad, COUNT) <= 1e-6);
    CHECK(got[7] == 0.0f || mode == DM_NN_LOSS_MSE);
    free(got);
  }
  free(a), free(b);
  dm_nn_clear(nn);
}

static void check_fourier_embedding(void) {
  const float sigma[3] = {0.01f, 1.0f, 80.0f}, freqs[4] = {0.25f, -1.0f, 2.5f, 0.1f};
  DmTensor *ts = tensor(3, 1, 1, 1, sigma), *tf = tensor(4, 1, 1, 1, freqs);
  DmTensor *out = tensor(3, 8, 1, 1, NULL);
  CHECK(compute((DmNnNode){.op = DM_NN_OP_FOURIER_EMBED, .src = {ts, tf}, .dst = {out}}));
  float *got = download(out);
  double want[24];
  for (int n = 0; n < 3; n++)
    for (int f = 0; f < 4; f++) {
      const double phase = 2 * M_PI * freqs[f] * log((double)sigma[n]);
      want[n * 8 + f] = sin(phase);
      want[n * 8 + 4 + f] = cos(phase);
    }
  CHECK(relative_error(got, want, 24) <= 1e-6);
  free(got);
  dm_nn_clear(nn);
}

/* One Adam step by hand: param 1, grad 0.5, m 0.1, v 0.01, step t = 3. */
static void check_adam(void) {
  for (int variant = 0; variant < 3; variant++) {
    const double wd = variant == 0 ? 0.0 : 0.01;
    const bool decoupled = variant == 2;
    /* Hyperparameters as the kernel sees them: rounded to float. */
    const double lr = (float)1e-3, b1 = (float)0.9, b2 = (float)0.999, eps = (float)1e-8;
    const double scale = 0.5;
    const double bias1 = (float)(1.0 / (1.0 - pow(b1, 3)));
    const double bias2 = (float)(1.0 / (1.0 - pow(b2, 3)));
    const float p0[2] = {1.0f, -2.0f}, g0[2] = {0.5f, 4.0f}, m0[2] = {0.1f, 0.0f},
                v0[2] = {0.01f, 0.0f};
    DmTensor *param = tensor(2, 1, 1, 1, p0), *grad = tensor(2, 1, 1, 1, g0);
    DmTensor *m = tensor(2, 1, 1, 1, m0), *v = tensor(2, 1, 1, 1, v0);
    CHECK(compute((DmNnNode){.op = DM_NN_OP_ADAM, .src = {grad}, .dst = {param, m, v},
                             .lr = (float)lr, .beta1 = (float)b1, .beta2 = (float)b2,
                             .eps = (float)eps, .weight_decay = (float)wd,
                             .grad_scale = (float)scale, .bias1 = (float)bias1,
                             .bias2 = (float)bias2, .decoupled = decoupled}));
    float *got_p = download(param), *got_m = download(m), *got_v = download(v);
    for (int i = 0; i < 2; i++) {
      double p = p0[i], g = scale * g0[i];
      if (decoupled)
        p -= lr * wd * p;
      else
        g += wd * p;
      const double mi = b1 * m0[i] + (1 - b1) * g, vi = b2 * v0[i] + (1 - b2) * g * g;
      p -= lr * mi * bias1 / (sqrt(vi * bias2) + eps);
      CHECK_CLOSE(got_m[i], mi, 1e-6 * fabs(mi));
      CHECK_CLOSE(got_v[i], vi, 1e-6 * vi);
      CHECK_CLOSE(got_p[i], p, 1e-6);
    }
    /* The first element by hand, without weight decay: g = 0.25,
     * m = 0.09 + 0.025 = 0.115, v = 0.00999 + 0.0000625 = 0.0100525,
     * bias1 = 1 / (1 - 0.729), bias2 = 1 / (1 - 0.997002999),
     * step = 1e-3 * 0.115 * bias1 / sqrt(0.0100525 * bias2). */
    if (variant == 0)
      CHECK_CLOSE(got_p[0],
                  1.0 - 1e-3 * 0.115 / 0.271 / sqrt(0.0100525 / 0.002997001), 1e-6);
    free(got_p), free(got_m), free(got_v);
  }
  dm_nn_clear(nn);
}

/* ---- Normalisation ---------------------------------------------------- */

typedef struct {
  int n, c, hw, groups; /* groups = 0: batch norm */
  double eps;
} NormCase;

/* y = normalise(x) gamma + beta in double; batch norm with batch statistics
 * (biased variance) when groups = 0. */
static void norm_reference(const NormCase *s, const double *x, const double *gamma,
                           const double *beta, double *y) {
  const bool batch = s->groups == 0;
  const int sets = batch ? s->c : s->n * s->groups;
  const int per_group = batch ? 1 : s->c / s->groups;
  for (int set = 0; set < sets; set++) {
    /* Elements of the set: (n, c, i) with c in the group (or c = set). */
    double sum = 0.0, sum2 = 0.0;
    int count = 0;
    for (int n = 0; n < s->n; n++)
      for (int c = 0; c < s->c; c++) {
        const bool member = batch ? c == set
                                  : n == set / s->groups && c / per_group == set % s->groups;
        if (!member) continue;
        for (int i = 0; i < s->hw; i++) sum += x[(n * s->c + c) * s->hw + i], count++;
      }
    const double mean = sum / count;
    for (int n = 0; n < s->n; n++)
      for (int c = 0; c < s->c; c++) {
        const bool member = batch ? c == set
                                  : n == set / s->groups && c / per_group == set % s->groups;
        if (!member) continue;
        for (int i = 0; i < s->hw; i++) {
          const double d = x[(n * s->c + c) * s->hw + i] - mean;
          sum2 += d * d;
        }
      }
    const double rstd = 1.0 / sqrt(sum2 / count + s->eps);
    for (int n = 0; n < s->n; n++)
      for (int c = 0; c < s->c; c++) {
        const bool member = batch ? c == set
                                  : n == set / s->groups && c / per_group == set % s->groups;
        if (!member) continue;
        for (int i = 0; i < s->hw; i++) {
          const int k = (n * s->c + c) * s->hw + i;
          y[k] = (x[k] - mean) * rstd * gamma[c] + beta[c];
        }
      }
  }
}

/* <r, norm_reference(x, gamma, beta)> */
static double norm_projection(const NormCase *s, const double *x, const double *gamma,
                              const double *beta, const float *r, double *scratch) {
  norm_reference(s, x, gamma, beta, scratch);
  double sum = 0.0;
  for (int i = 0; i < s->n * s->c * s->hw; i++) sum += r[i] * scratch[i];
  return sum;
}

/* The gradient of <r, y> with respect to each entry of v, by central
 * differences (v is x, gamma or beta; restored afterwards). */
static void norm_finite_differences(const NormCase *s, double *x, double *gamma, double *beta,
                                    double *v, int count, const float *r, double *out) {
  const int total = s->n * s->c * s->hw;
  double *scratch = malloc((size_t)total * sizeof *scratch);
  const double h = 1e-5;
  for (int i = 0; i < count; i++) {
    const double saved = v[i];
    v[i] = saved + h;
    const double plus = norm_projection(s, x, gamma, beta, r, scratch);
    v[i] = saved - h;
    const double minus = norm_projection(s, x, gamma, beta, r, scratch);
    v[i] = saved;
    out[i] = (plus - minus) / (2 * h);
  }
  free(scratch);
}

static void check_norm(const NormCase *s) {
  const bool batch = s->groups == 0;
  const int total = s->n * s->c * s->hw;
  float *x = random_floats(total), *gamma = random_floats(s->c), *beta = random_floats(s->c);
  float *r = random_floats(total);
  for (int i = 0; i < total; i++) x[i] = 2.0f * x[i] + 0.5f * (float)(i % 3);
  float running0[64];
  for (int c = 0; c < s->c; c++) running0[c] = 0.1f * (float)c, running0[s->c + c] = 1.0f + c;
  const int stats_count = batch ? 2 * s->c : 2 * s->n * s->groups;

  DmTensor *tx = tensor(s->n, s->c, s->hw, 1, x), *tg = tensor(s->c, 1, 1, 1, gamma);
  DmTensor *tb = tensor(s->c, 1, 1, 1, beta), *tr = tensor(s->n, s->c, s->hw, 1, r);
  DmTensor *ty = tensor(s->n, s->c, s->hw, 1, NULL), *stats = tensor(stats_count, 1, 1, 1, NULL);
  DmTensor *running = tensor(2 * s->c, 1, 1, 1, running0);
  DmTensor *tgx = tensor(s->n, s->c, s->hw, 1, NULL);
  DmTensor *tdg = tensor(s->c, 1, 1, 1, NULL), *tdb = tensor(s->c, 1, 1, 1, NULL);
  const float momentum = 0.1f;
  if (batch) {
    CHECK(compute((DmNnNode){.op = DM_NN_OP_BATCH_NORM, .src = {tx, tg, tb, running},
                             .dst = {ty, stats}, .eps = (float)s->eps, .momentum = momentum,
                             .training = true}));
    CHECK(compute((DmNnNode){.op = DM_NN_OP_BATCH_NORM_BWD, .src = {tr, tx, tg, stats},
                             .dst = {tgx, tdg, tdb}}));
  } else {
    CHECK(compute((DmNnNode){.op = DM_NN_OP_GROUP_NORM, .src = {tx, tg, tb}, .dst = {ty, stats},
                             .groups = s->groups, .eps = (float)s->eps}));
    CHECK(compute((DmNnNode){.op = DM_NN_OP_GROUP_NORM_BWD, .src = {tr, tx, tg, stats},
                             .dst = {tgx, tdg, tdb}, .groups = s->groups}));
  }
  float *y = download(ty), *gx = download(tgx), *dg = download(tdg), *db = download(tdb);

  double *xd = malloc((size_t)total * sizeof *xd), *want = malloc((size_t)total * sizeof *want);
  double gd[64], bd[64];
  for (int i = 0; i < total; i++) xd[i] = x[i];
  for (int c = 0; c < s->c; c++) gd[c] = gamma[c], bd[c] = beta[c];
  norm_reference(s, xd, gd, bd, want);
  CHECK(relative_error(y, want, total) <= 2e-6);

  norm_finite_differences(s, xd, gd, bd, xd, total, r, want);
  CHECK(relative_error(gx, want, total) <= 2e-5);
  norm_finite_differences(s, xd, gd, bd, gd, s->c, r, want);
  CHECK(relative_error(dg, want, s->c) <= 2e-5);
  norm_finite_differences(s, xd, gd, bd, bd, s->c, r, want);
  CHECK(relative_error(db, want, s->c) <= 2e-5);

  if (batch) {
    /* Running statistics: (1 - m) running + m batch (unbiased variance). */
    float *run = download(running);
    const int count = s->n * s->hw;
    for (int c = 0; c < s->c; c++) {
      double sum = 0.0, sum2 = 0.0;
      for (int n = 0; n < s->n; n++)
        for (int i = 0; i < s->hw; i++) sum += x[(n * s->c + c) * s->hw + i];
      const double mean = sum / count;
      for (int n = 0; n < s->n; n++)
        for (int i = 0; i < s->hw; i++) {
          const double d = x[(n * s->c + c) * s->hw + i] - mean;
          sum2 += d * d;
        }
      CHECK_CLOSE(run[c], 0.9 * running0[c] + 0.1 * mean, 1e-6);
      CHECK_CLOSE(run[s->c + c], 0.9 * running0[s->c + c] + 0.1 * sum2 / (count - 1), 1e-5);
    }
    /* Eval mode normalises with the running statistics. */
    CHECK(compute((DmNnNode){.op = DM_NN_OP_BATCH_NORM, .src = {tx, tg, tb, running},
                             .dst = {ty}, .eps = (float)s->eps}));
    float *y_eval = download(ty);
    for (int i = 0; i < total; i++) {
      const int c = (i / s->hw) % s->c;
      want[i] = (x[i] - run[c]) / sqrt(run[s->c + c] + s->eps) * gamma[c] + beta[c];
    }
    CHECK(relative_error(y_eval, want, total) <= 2e-6);
    free(run), free(y_eval);
  }
  free(x), free(gamma), free(beta), free(r), free(y), free(gx), free(dg), free(db);
  free(xd), free(want);
  dm_nn_clear(nn);
}

static void check_norms(void) {
  static const NormCase cases[] = {
      {2, 6, 12, 3, 1e-5}, {3, 4, 5, 1, 1e-5}, {2, 8, 9, 8, 1e-3}, /* group norm */
      {3, 5, 7, 0, 1e-5}, {4, 3, 1, 0, 1e-3},                      /* batch norm */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_norm(&cases[i]);
}

/* ---- Resampling ------------------------------------------------------- */

/* PyTorch's bilinear source position with align_corners = false. */
static void bilinear_reference_taps(int o, int size, int factor, int *i0, int *i1, double *w1) {
  double x = (o + 0.5) / factor - 0.5;
  if (x < 0) x = 0;
  *i0 = (int)floor(x);
  *i1 = *i0 + 1 < size ? *i0 + 1 : size - 1;
  *w1 = x - *i0;
}

static void check_resample(void) {
  const int n = 2, c = 3, h = 5, w = 4;
  for (int factor = 1; factor <= 3; factor++) {
    const int ho = h * factor, wo = w * factor, small = n * c * h * w, large = small * factor * factor;
    float *x = random_floats(small), *g = random_floats(large);
    double *want = malloc((size_t)large * sizeof *want);
    DmTensor *tx = tensor(n, c, h, w, x), *tg = tensor(n, c, ho, wo, g);
    DmTensor *up = tensor(n, c, ho, wo, NULL), *adj = tensor(n, c, h, w, NULL);
    for (int mode = DM_NN_UPSAMPLE_NEAREST; mode <= DM_NN_UPSAMPLE_BILINEAR; mode++) {
      CHECK(compute((DmNnNode){.op = DM_NN_OP_UPSAMPLE, .src = {tx}, .dst = {up}, .mode = mode,
                               .factor = factor}));
      CHECK(compute((DmNnNode){.op = DM_NN_OP_UPSAMPLE_BWD, .src = {tg}, .dst = {adj},
                               .mode = mode, .factor = factor}));
      float *got = download(up), *got_adj = download(adj);
      for (int p = 0; p < n * c; p++)
        for (int oy = 0; oy < ho; oy++)
          for (int ox = 0; ox < wo; ox++) {
            const float *plane = x + p * h * w;
            double value;
            if (mode == DM_NN_UPSAMPLE_NEAREST) {
              value = plane[(oy / factor) * w + ox / factor];
            } else {
              int y0, y1, x0, x1;
              double wy, wx;
              bilinear_reference_taps(oy, h, factor, &y0, &y1, &wy);
              bilinear_reference_taps(ox, w, factor, &x0, &x1, &wx);
              value = (1 - wy) * ((1 - wx) * plane[y0 * w + x0] + wx * plane[y0 * w + x1]) +
                      wy * ((1 - wx) * plane[y1 * w + x0] + wx * plane[y1 * w + x1]);
            }
            want[(p * ho + oy) * wo + ox] = value;
          }
      CHECK(relative_error(got, want, large) <= 1e-6);
      /* <U x, g> = <x, U* g> */
      const double lhs = dot(got, g, large), rhs = dot(x, got_adj, small);
      CHECK_CLOSE(lhs, rhs, 1e-5 * (1 + fabs(lhs)));
      free(got), free(got_adj);
    }
    /* Average pooling of the upsampled gradient, and its adjoint. */
    DmTensor *pooled = tensor(n, c, h, w, NULL), *pool_adj = tensor(n, c, ho, wo, NULL);
    CHECK(compute((DmNnNode){.op = DM_NN_OP_AVG_POOL, .src = {tg}, .dst = {pooled},
                             .factor = factor}));
    CHECK(compute((DmNnNode){.op = DM_NN_OP_AVG_POOL_BWD, .src = {tx}, .dst = {pool_adj},
                             .factor = factor}));
    float *got = download(pooled), *got_adj = download(pool_adj);
    for (int p = 0; p < n * c; p++)
      for (int y = 0; y < h; y++)
        for (int xx = 0; xx < w; xx++) {
          double sum = 0.0;
          for (int dy = 0; dy < factor; dy++)
            for (int dx = 0; dx < factor; dx++)
              sum += g[(p * ho + y * factor + dy) * wo + xx * factor + dx];
          want[(p * h + y) * w + xx] = sum / (factor * factor);
        }
    CHECK(relative_error(got, want, small) <= 1e-6);
    const double lhs = dot(got, x, small), rhs = dot(g, got_adj, large);
    CHECK_CLOSE(lhs, rhs, 1e-5 * (1 + fabs(lhs)));
    free(got), free(got_adj), free(x), free(g), free(want);
    dm_nn_clear(nn);
  }
}

/* ---- What the backend refuses ---------------------------------------- */

static void check_unsupported(void) {
  DmTensor *x = tensor(2, 3, 8, 8, NULL), *w = tensor(4, 2, 3, 3, NULL);
  DmTensor *y = tensor(2, 4, 8, 8, NULL);
  const DmNnBackend *backend = dm_nn_backend(nn);
  const DmNnNode bad_conv = {.op = DM_NN_OP_CONV2D, .src = {x, w}, .dst = {y}, .stride = 1, .pad = 1};
  CHECK(!backend->funcs->supports(backend->ctx, &bad_conv));
  CHECK(!dm_nn_compute(nn, &bad_conv));
  DmError *error = NULL;
  CHECK_FAILS(dm_nn_take_error(nn, &error), error, DM_ERROR_UNSUPPORTED);
  const DmNnNode bad_groups = {.op = DM_NN_OP_GROUP_NORM, .src = {x}, .dst = {x}, .groups = 2};
  CHECK(!backend->funcs->supports(backend->ctx, &bad_groups));
  /* A strided view is refused by every op but COPY. */
  DmTensor *view = dm_tensor_channel_view(x, 1, 2);
  const DmNnNode strided = {.op = DM_NN_OP_AFFINE, .src = {view}, .dst = {view}, .alpha = 1};
  CHECK(!backend->funcs->supports(backend->ctx, &strided));
  dm_nn_clear(nn);
}

int main(void) {
  DmError *error = NULL;
  nn = dm_nn_new(DM_NN_DEVICE_CPU, 2, &error);
  CHECK_OK(nn != NULL, error);
  if (!nn) return dm_test_result();
  dm_rng_init(&rng, 20261127, 0);
  check_convolutions();
  check_matmul();
  check_elementwise();
  check_activations();
  check_losses();
  check_fourier_embedding();
  check_adam();
  check_norms();
  check_resample();
  check_unsupported();
  CHECK(dm_nn_take_error(nn, &error));
  dm_nn_free(nn);
  return dm_test_result();
}
