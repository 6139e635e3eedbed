/* Cluster significance on synthetic posterior samples: a bump at a cluster
 * in 7 of 10 samples gives a peak fraction of exactly 0.7; a cluster off
 * the map is reported as outside; the CSV and FITS tables hold the rows;
 * bad inputs are refused. */
#include <fitsio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/cluster-significance.h"
#include "darkmap/csv.h"
#include "darkmap/rng.h"
#include "test-util.h"

enum { NX = 40, NY = 32, K = 10 };
static const double PIXEL_ARCMIN = 1.0, RA0 = 150.1, DEC0 = 2.2;

/* Three clusters: A at pixel (10, 12) (bump in samples 0…6), B at (28, 20)
 * (bump in every sample), C one degree off the map. */
static DmClusterTable *make_table(const DmWcs *wcs) {
  DmClusterTable *t = calloc(1, sizeof(*t));
  t->n = 3;
  t->label = calloc(3, sizeof(char *));
  t->ra = calloc(3, sizeof(double));
  t->dec = calloc(3, sizeof(double));
  t->z = calloc(3, sizeof(double));
  t->mass = calloc(3, sizeof(double));
  t->label[0] = strdup("A");
  t->label[1] = strdup("B, rich");
  t->label[2] = strdup("C");
  double x[2] = {10.0, 28.0}, y[2] = {12.0, 20.0};
  DmError *error = NULL;
  CHECK_OK(dm_wcs_pixel_to_world(wcs, 2, x, y, t->ra, t->dec, &error), error);
  t->ra[2] = RA0 + 1.0;
  t->dec[2] = DEC0;
  t->label_column = strdup("name");
  t->ra_column = strdup("ra");
  t->dec_column = strdup("dec");
  t->z_column = strdup("");
  t->mass_column = strdup("");
  return t;
}

/* White noise of std 0.005 plus Gaussian bumps of height 0.1 and width 1.5
 * pixels centred on pixels. */
static DmMap *make_samples(const DmWcs *wcs) {
  DmError *error = NULL;
  DmMap *map = dm_map_new(NX, NY, K, wcs, &error);
  CHECK_OK(map != NULL, error);
  DmRng rng;
  dm_rng_init(&rng, 7, 0);
  for (int k = 0; k < K; k++) {
    float *plane = dm_map_plane(map, k);
    for (int y = 0; y < NY; y++)
      for (int x = 0; x < NX; x++) {
        double v = 0.005 * dm_rng_normal(&rng);
        double ra2 = (x - 10.0) * (x - 10.0) + (y - 12.0) * (y - 12.0);
        double rb2 = (x - 28.0) * (x - 28.0) + (y - 20.0) * (y - 20.0);
        if (k < 7) v += 0.1 * exp(-0.5 * ra2 / (1.5 * 1.5));
        v += 0.1 * exp(-0.5 * rb2 / (1.5 * 1.5));
        plane[y * NX + x] = (float)v;
      }
  }
  return map;
}

static void check_kappa_units(const DmMap *samples, const DmClusterTable *table) {
  DmError *error = NULL;
  DmClusterSignificanceOptions options;
  dm_cluster_significance_options_init(&options);
  options.unit = DM_PEAK_THRESHOLD_KAPPA;
  options.threshold = 0.05;
  options.aperture_arcmin = 2.0;
  DmClusterSignificance *s = dm_cluster_significance_compute(samples, table, &options, &error);
  CHECK_OK(s != NULL, error);
  if (!s) return;
  CHECK(s->n == 3 && s->n_samples == K);
  CHECK(s->inside[0] && s->inside[1] && !s->inside[2]);
  CHECK_CLOSE(s->x[0], 10.0, 1e-6);
  CHECK_CLOSE(s->y[0], 12.0, 1e-6);
  CHECK(s->peak_fraction[0] == 0.7);
  CHECK(s->peak_fraction[1] == 1.0);
  CHECK(isnan(s->peak_fraction[2]) && isnan(s->kappa_mean[2]) && isnan(s->x[2]));
  /* Mean 0.07 and std 0.1 sqrt(0.7 · 0.3 · 10 / 9) = 0.0483 at A, up to the noise. */
  CHECK_CLOSE(s->kappa_mean[0], 0.07, 0.004);
  CHECK_CLOSE(s->kappa_std[0], 0.0483, 0.003);
  CHECK_CLOSE(s->kappa_mean[1], 0.1, 0.004);
  CHECK(s->kappa_std[1] < 0.008);
  CHECK_CLOSE(s->snr[0], s->kappa_mean[0] / s->kappa_std[0], 1e-12);

  /* A threshold above the bumps: no peaks. */
  options.threshold = 0.2;
  DmClusterSignificance *none = dm_cluster_significance_compute(samples, table, &options, &error);
  CHECK_OK(none != NULL, error);
  if (none) CHECK(none->peak_fraction[0] == 0.0 && none->peak_fraction[1] == 0.0);
  dm_cluster_significance_free(none);

  /* The tables written. */
  const char *csv_path = dm_test_tmp_path("sig.csv");
  CHECK_OK(dm_cluster_significance_write(s, csv_path, &error), error);
  DmCsvTable *csv = dm_csv_read(csv_path, &error);
  CHECK_OK(csv != NULL, error);
  if (csv) {
    CHECK(csv->n_rows == 3 && csv->n_columns == 10);
    int frac = dm_csv_find_column(csv, "peak_fraction");
    int label = dm_csv_find_column(csv, "label");
    CHECK(frac >= 0 && label >= 0);
    if (frac >= 0 && label >= 0) {
      CHECK(csv->values[frac][0] == 0.7);
      CHECK(isnan(csv->values[frac][2]));
      CHECK(strcmp(csv->text[label][1], "B, rich") == 0);
    }
    dm_csv_free(csv);
  }
  remove(csv_path);

  const char *fits_path = dm_test_tmp_path("sig.fits");
  CHECK_OK(dm_cluster_significance_write(s, fits_path, &error), error);
  fitsfile *fits = NULL;
  int status = 0, hdutype = 0, column = 0;
  long rows = 0;
  double frac[3] = {0}, thresh = 0.0;
  char unit[FLEN_VALUE] = "";
  fits_open_diskfile(&fits, fits_path, READONLY, &status);
  fits_movnam_hdu(fits, BINARY_TBL, "CLUSTSIG", 0, &status);
  fits_get_hdu_type(fits, &hdutype, &status);
  fits_get_num_rows(fits, &rows, &status);
  fits_get_colnum(fits, CASEINSEN, "PEAKFRAC", &column, &status);
  fits_read_col(fits, TDOUBLE, column, 1, 1, 3, NULL, frac, NULL, &status);
  fits_read_key(fits, TDOUBLE, "THRESH", &thresh, NULL, &status);
  fits_read_key(fits, TSTRING, "THRUNIT", unit, NULL, &status);
  fits_close_file(fits, &status);
  CHECK(status == 0);
  CHECK(hdutype == BINARY_TBL && rows == 3);
  CHECK(frac[0] == 0.7 && frac[1] == 1.0 && isnan(frac[2]));
  CHECK(thresh == 0.05 && strcmp(unit, "KAPPA") == 0);
  remove(fits_path);
  dm_cluster_significance_free(s);
}

/* In units of the per-pixel std: B (std ~0.005 under a bump of 0.1) passes
 * 5 std in every sample; A's std (~0.048) puts 5 std above its bump; noise
 * alone cannot pass 5 std with 10 samples (the largest value of 10 is at
 * most 9/sqrt(10) = 2.85 of their std from their mean). */
static void check_std_units(const DmMap *samples, const DmClusterTable *table) {
  DmError *error = NULL;
  DmClusterSignificanceOptions options;
  dm_cluster_significance_options_init(&options);
  options.threshold = 5.0;
  options.aperture_arcmin = 3.0;
  DmClusterSignificance *s = dm_cluster_significance_compute(samples, table, &options, &error);
  CHECK_OK(s != NULL, error);
  if (!s) return;
  CHECK(s->peak_fraction[0] == 0.0);
  CHECK(s->peak_fraction[1] == 1.0);
  dm_cluster_significance_free(s);
}

static void check_refusals(DmMap *samples, const DmClusterTable *table) {
  DmError *error = NULL;
  DmClusterSignificanceOptions options;
  dm_cluster_significance_options_init(&options);
  CHECK_FAILS(dm_cluster_significance_compute(NULL, table, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_cluster_significance_compute(samples, NULL, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  options.aperture_arcmin = 0.0;
  CHECK_FAILS(dm_cluster_significance_compute(samples, table, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  options.aperture_arcmin = 2.0;
  options.threshold = NAN;
  CHECK_FAILS(dm_cluster_significance_compute(samples, table, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  options.threshold = 3.0;
  options.unit = (DmPeakThresholdUnit)7;
  CHECK_FAILS(dm_cluster_significance_compute(samples, table, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  options.unit = DM_PEAK_THRESHOLD_STD;

  DmMap *one = dm_map_copy_plane(samples, 0, &error);
  CHECK_OK(one != NULL, error);
  CHECK_FAILS(dm_cluster_significance_compute(one, table, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  dm_map_free(one);

  DmMap *bare = dm_map_copy(samples, &error);
  CHECK_OK(bare != NULL && dm_map_set_wcs(bare, NULL, &error), error);
  CHECK_FAILS(dm_cluster_significance_compute(bare, table, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  bare->data[5] = NAN;
  CHECK_OK(dm_map_set_wcs(bare, samples->wcs, &error), error);
  CHECK_FAILS(dm_cluster_significance_compute(bare, table, &options, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  dm_map_free(bare);
  CHECK_FAILS(dm_cluster_significance_write(NULL, "x.csv", &error), error,
              DM_ERROR_INVALID_ARGUMENT);
}

int main(void) {
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_FLAT, RA0, DEC0, PIXEL_ARCMIN / 60.0, NX, NY, false,
                               &error);
  CHECK_OK(wcs != NULL, error);
  if (!wcs) return dm_test_result();
  DmClusterTable *table = make_table(wcs);
  DmMap *samples = make_samples(wcs);
  if (samples) {
    check_kappa_units(samples, table);
    check_std_units(samples, table);
    check_refusals(samples, table);
  }
  dm_map_free(samples);
  dm_cluster_table_free(table);
  dm_wcs_free(wcs);
  return dm_test_result();
}
