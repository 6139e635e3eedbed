/* The shared posterior file: mean, STD, SAMPLES, SIGNIF (see darkmap/posterior.h). */
#include "darkmap/posterior.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fits.h"
#include "fits-common.h"

void dm_posterior_free(DmPosterior *posterior) {
  if (!posterior) return;
  dm_map_free(posterior->mean);
  dm_map_free(posterior->std);
  dm_map_free(posterior->samples);
  dm_map_free(posterior->signif);
  dm_map_free(posterior->std_raw);
  free(posterior);
}

/* A 1-plane map on the grid of like, with its WCS and metadata. */
static DmMap *plane_like(const DmMap *like, DmError **error) {
  DmMap *map = dm_map_new(like->nx, like->ny, 1, like->wcs, error);
  if (map && !dm_map_copy_meta(map, like, error)) {
    dm_map_free(map);
    return NULL;
  }
  return map;
}

/* Sample mean (when the posterior has none), and from K >= 2 samples the
 * std (unbiased: the sum of squares over K - 1) and significance mean /
 * std, per pixel in double precision.  One sample is its own mean, bit for
 * bit, and has no std: the mean's header says so. */
static bool summarise(DmPosterior *p, bool need_mean, DmError **error) {
  const DmMap *s = p->samples;
  size_t npix = dm_map_plane_size(s);
  int k = s->nplanes;
  if (!p->mean && !(p->mean = plane_like(s, error))) return false;
  if (k >= 2 && (!(p->std = plane_like(s, error)) || !(p->signif = plane_like(s, error))))
    return false;
  for (size_t i = 0; i < npix; i++) {
    double sum = 0.0, sum_sq = 0.0;
    for (int j = 0; j < k; j++) sum += dm_map_plane(s, j)[i];
    double mean = sum / k;
    if (need_mean) p->mean->data[i] = (float)mean;
    if (k < 2) continue;
    for (int j = 0; j < k; j++) {
      double d = dm_map_plane(s, j)[i] - mean;
      sum_sq += d * d;
    }
    double std = sqrt(sum_sq / (k - 1));
    p->std->data[i] = (float)std;
    p->signif->data[i] = std > 0.0 ? (float)(p->mean->data[i] / std) : 0.0f;
  }
  if (k < 2)
    return dm_map_add_history(p->mean,
                              "One sample: its standard deviation is undefined, so the file "
                              "has no STD or SIGNIF.",
                              error);
  return dm_map_set_string(p->std, "BUNIT", "", "posterior std of kappa", error) &&
         dm_map_set_int(p->std, "NSAMPLES", k, "samples behind the std", error) &&
         dm_map_add_history(p->std,
                            "Per-pixel sample std: the sum of squares about the mean over "
                            "NSAMPLES - 1.",
                            error) &&
         dm_map_set_string(p->signif, "BUNIT", "", "posterior mean / std", error);
}

DmPosterior *dm_posterior_new(DmMap *mean, DmMap *samples, DmError **error) {
  DmPosterior *p = calloc(1, sizeof *p);
  if (!p) {
    dm_map_free(mean);
    dm_map_free(samples);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a posterior.");
    return NULL;
  }
  p->mean = mean;
  p->samples = samples;
  bool ok = mean || samples;
  if (!ok)
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "A posterior needs a mean or samples.");
  if (ok && mean && samples && (mean->nx != samples->nx || mean->ny != samples->ny))
    ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "The posterior mean (%d × %d) and samples (%d × %d) differ in size.",
                      mean->nx, mean->ny, samples->nx, samples->ny);
  if (ok && samples) ok = summarise(p, mean == NULL, error);
  if (ok && !mean)
    ok = dm_map_add_history(p->mean, "Posterior mean: the mean of the samples.", error);
  if (!ok) {
    dm_posterior_free(p);
    return NULL;
  }
  return p;
}

bool dm_posterior_calibrate(DmPosterior *p, const DmCalibration *c, DmError **error) {
  if (!c->present || !(c->factor > 0.0) || !p->samples || p->samples->nplanes < 2 || !p->std)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Only a posterior of at least 2 samples takes a calibration factor.");
  DmMap *raw = dm_map_copy(p->std, error);
  if (!raw) return false;
  size_t npix = dm_map_plane_size(p->samples);
  dm_calibration_apply(p->samples->data, p->samples->nplanes, npix, c->factor);
  for (size_t i = 0; i < npix; i++) {
    float std = (float)(raw->data[i] * c->factor);
    p->std->data[i] = std;
    p->signif->data[i] = std > 0.0f ? p->mean->data[i] / std : 0.0f;
  }
  p->std_raw = raw;
  char grid[64];
  snprintf(grid, sizeof grid, "%dx%d at %.4g arcmin", c->nx, c->ny, c->pixel_arcmin);
  return dm_map_set_string(raw, "BUNIT", "", "posterior std of kappa before calibration",
                           error) &&
         dm_map_set_double(p->mean, "CALIB", c->factor, "calibration factor of the spread",
                           error) &&
         dm_map_set_double(p->mean, "CALLEVEL", c->level, "level the factor holds at", error) &&
         dm_map_set_double(p->mean, "CALIB95", c->factor95, "its factor at 95 %", error) &&
         dm_map_set_int(p->mean, "CALMOCKS", c->n_mocks, "calibration mocks", error) &&
         dm_map_set_string(p->mean, "CALGRID", grid, "calibration grid", error) &&
         dm_map_add_history(p->mean,
                            "Samples' spread about the mean scaled by CALIB (split conformal); "
                            "STDRAW is the std before.",
                            error);
}

bool dm_posterior_write(const char *path, const DmPosterior *p, DmError **error) {
  DmFitsImageHdu hdus[5] = {{p->mean, NULL}};
  int n = 1;
  if (p->std) hdus[n++] = (DmFitsImageHdu){p->std, "STD"};
  if (p->std_raw) hdus[n++] = (DmFitsImageHdu){p->std_raw, "STDRAW"};
  if (p->samples) hdus[n++] = (DmFitsImageHdu){p->samples, "SAMPLES"};
  if (p->signif) hdus[n++] = (DmFitsImageHdu){p->signif, "SIGNIF"};
  return dm_fits_write_images(path, hdus, n, error);
}

DmPosterior *dm_posterior_read(const char *path, DmError **error) {
  DmPosterior *p = calloc(1, sizeof *p);
  if (!p) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a posterior.");
    return NULL;
  }
  DmError *missing = NULL;
  bool ok = (p->mean = dm_fits_read_image(path, NULL, error)) != NULL;
  /* The extensions are optional: a missing one is not an error. */
  struct { DmMap **map; const char *name; } extensions[] = {
      {&p->std, "STD"}, {&p->samples, "SAMPLES"}, {&p->signif, "SIGNIF"},
      {&p->std_raw, "STDRAW"}};
  for (size_t i = 0; ok && i < sizeof extensions / sizeof *extensions; i++) {
    *extensions[i].map = dm_fits_read_image(path, extensions[i].name, &missing);
    if (missing && missing->code != DM_ERROR_NOT_FOUND) {
      dm_error_propagate(error, missing); /* hands missing over */
      missing = NULL;
      ok = false;
    }
    dm_error_clear(&missing);
    const DmMap *m = *extensions[i].map;
    if (ok && m && (m->nx != p->mean->nx || m->ny != p->mean->ny))
      ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: extension %s is %d × %d but the mean is %d × %d.", path,
                        extensions[i].name, m->nx, m->ny, p->mean->nx, p->mean->ny);
  }
  if (!ok) {
    dm_posterior_free(p);
    return NULL;
  }
  return p;
}

bool dm_posterior_file_probe(const char *path) {
  fitsfile *fits = dm_fits_open_read(path, NULL);
  if (!fits) return false;
  bool found = false;
  const char *names[] = {"STD", "SAMPLES"};
  for (int i = 0; i < 2 && !found; i++) {
    int status = 0;
    fits_movnam_hdu(fits, IMAGE_HDU, (char *)names[i], 0, &status);
    found = status == 0;
  }
  dm_fits_close_read(fits);
  return found;
}
