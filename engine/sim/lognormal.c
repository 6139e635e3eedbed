/* Lognormal convergence fields (see darkmap/lognormal.h). */
#include "darkmap/lognormal.h"

#include <math.h>
#include <stdlib.h>

#include "darkmap/fft.h"
#include "darkmap/field-from-power.h"

struct DmLognormalModel {
  int nx, ny;          /* output grid */
  int bx, by;          /* generation box (F nx × F ny) */
  double shift;        /* lambda */
  double *power_g;     /* P_G on the box's half plane, by × (bx/2 + 1), owned */
  DmLognormalInfo info;
};

void dm_lognormal_options_init(DmLognormalOptions *options) {
  *options = (DmLognormalOptions){.shift = 0.02, .box_factor = 1};
}

void dm_lognormal_model_free(DmLognormalModel *model) {
  if (!model) return;
  free(model->power_g);
  free(model);
}

/* Number of full-plane modes a half-plane column stands for. */
static int mode_weight(int kx, int nx) { return (kx == 0 || 2 * kx == nx) ? 1 : 2; }

/* From P_kappa (half plane, by × hx doubles) to P_G, in place.  Buffers:
 * real box (bx × by floats) and half-plane modes (by × hx complex). */
static bool power_kappa_to_g(DmLognormalModel *m, double *power, DmError **error) {
  int bx = m->bx, by = m->by, hx = bx / 2 + 1;
  size_t npix = (size_t)bx * by, nhalf = (size_t)by * hx;
  const DmFftPlan *r2c = dm_fft_plan(bx, by, DM_FFT_R2C, error);
  const DmFftPlan *c2r = r2c ? dm_fft_plan(bx, by, DM_FFT_C2R, error) : NULL;
  if (!c2r) return false;
  float *xi = dm_fft_alloc(npix * sizeof *xi);
  dm_complex *modes = dm_fft_alloc(nhalf * sizeof *modes);
  bool ok = xi && modes;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d box.", bx, by);
  if (ok) {
    /* xi_kappa(r) = (1/N) sum_k P(k) e^{ikr}: the backward transform of P. */
    for (size_t k = 0; k < nhalf; k++) modes[k] = (float)(power[k] / (double)npix);
    dm_fft_execute(c2r, modes, xi);
    double lambda2 = m->shift * m->shift, sum_xi_g = 0.0;
    m->info.variance_kappa = xi[0];
    for (size_t i = 0; ok && i < npix; i++) {
      if (!(xi[i] > -lambda2)) {
        ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "The spectrum has a correlation %g below −lambda² = %g: the shift "
                          "%g is too small for a lognormal field.",
                          (double)xi[i], -lambda2, m->shift);
        break;
      }
      xi[i] = (float)log1p((double)xi[i] / lambda2);
      sum_xi_g += xi[i];
    }
    m->info.mean_xi_g = sum_xi_g / (double)npix;
  }
  if (ok) {
    /* P_G(k) = sum_r xi_G(r) e^{−ikr} (real: xi_G is even). */
    dm_fft_execute(r2c, xi, modes);
    double variance_g = 0.0;
    m->info.n_clipped = 0;
    for (int ky = 0; ky < by; ky++)
      for (int kx = 0; kx < hx; kx++) {
        size_t k = (size_t)ky * hx + kx;
        double p = crealf(modes[k]);
        if (p < 0.0) {
          m->info.n_clipped++;
          p = 0.0;
        }
        if (k == 0) p = 0.0;
        power[k] = p;
        variance_g += mode_weight(kx, bx) * p;
      }
    variance_g /= (double)npix;
    m->info.sigma_g = sqrt(variance_g);
    m->info.variance_model = m->shift * m->shift * expm1(variance_g);
  }
  dm_fft_free(xi);
  dm_fft_free(modes);
  return ok;
}

DmLognormalModel *dm_lognormal_model_new(const DmTheorySpectrum *theory, int nx, int ny,
                                         double pixel_arcmin, const DmLognormalOptions *options,
                                         DmError **error) {
  if (!(options->shift > 0.0 && options->shift < 100.0)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The lognormal shift %g is out of range (0 to 100).", options->shift);
    return NULL;
  }
  if (options->box_factor < 1 || options->box_factor > DM_MAX_BOX_FACTOR) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Box factor %d is out of range (1 to %d).",
                 options->box_factor, DM_MAX_BOX_FACTOR);
    return NULL;
  }
  DmLognormalModel *m = calloc(1, sizeof *m);
  if (!m) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a lognormal model.");
    return NULL;
  }
  *m = (DmLognormalModel){.nx = nx, .ny = ny, .bx = nx * options->box_factor,
                          .by = ny * options->box_factor, .shift = options->shift};
  m->power_g = dm_grid_power_from_theory(theory, m->bx, m->by, pixel_arcmin, error);
  if (!m->power_g || !power_kappa_to_g(m, m->power_g, error)) {
    dm_lognormal_model_free(m);
    return NULL;
  }
  return m;
}

void dm_lognormal_model_info(const DmLognormalModel *model, DmLognormalInfo *info) {
  *info = model->info;
}

bool dm_lognormal_model_draw(const DmLognormalModel *m, uint64_t seed, float *field,
                             DmError **error) {
  bool cropped = m->bx != m->nx || m->by != m->ny;
  size_t nbox = (size_t)m->bx * m->by;
  float *box = cropped ? malloc(nbox * sizeof *box) : field;
  if (!box)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d box.", m->bx,
                        m->by);
  bool ok = dm_field_from_power(m->power_g, m->bx, m->by, seed, 0, box, error);
  if (ok) {
    double half_var = 0.5 * m->info.sigma_g * m->info.sigma_g;
    for (size_t i = 0; i < nbox; i++)
      box[i] = (float)(m->shift * expm1((double)box[i] - half_var));
    if (cropped) dm_crop_centre(box, m->bx, m->by, field, m->nx, m->ny);
  }
  if (cropped) free(box);
  return ok;
}

bool dm_lognormal_field(const DmTheorySpectrum *theory, int nx, int ny, double pixel_arcmin,
                        const DmLognormalOptions *options, uint64_t seed, float *field,
                        DmLognormalInfo *info, DmError **error) {
  DmLognormalModel *model = dm_lognormal_model_new(theory, nx, ny, pixel_arcmin, options, error);
  if (!model) return false;
  if (info) dm_lognormal_model_info(model, info);
  bool ok = dm_lognormal_model_draw(model, seed, field, error);
  dm_lognormal_model_free(model);
  return ok;
}
