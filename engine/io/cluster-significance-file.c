/* Cluster significance tables as CSV or FITS binary tables
 * (darkmap/cluster-significance.h), written atomically. */
#include "darkmap/cluster-significance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "darkmap/atomic-file.h"
#include "fits-atomic.h"
#include "fits-common.h"

static bool check(const DmClusterSignificance *s, const char *path, DmError **error) {
  if (s && path) return true;
  return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "Writing cluster significances needs the rows and a path.");
}

/* A CSV cell for a label: quoted, with quotes doubled, when it holds a
 * comma, a quote or a line break. */
static void write_label(FILE *f, const char *label) {
  if (!strpbrk(label, ",\"\r\n")) {
    fputs(label, f);
    return;
  }
  fputc('"', f);
  for (const char *c = label; *c; c++) {
    if (*c == '"') fputc('"', f);
    fputc(*c, f);
  }
  fputc('"', f);
}

static bool write_rows(FILE *f, const DmClusterSignificance *s) {
  fputs("label,ra,dec,inside,x,y,peak_fraction,kappa_mean,kappa_std,snr\n", f);
  for (size_t i = 0; i < s->n; i++) {
    write_label(f, s->label[i]);
    fprintf(f, ",%.8f,%.8f,%d,%.4f,%.4f,%.6g,%.6g,%.6g,%.6g\n", s->ra[i], s->dec[i],
            s->inside[i] ? 1 : 0, s->x[i], s->y[i], s->peak_fraction[i], s->kappa_mean[i],
            s->kappa_std[i], s->snr[i]);
  }
  return !ferror(f);
}

/* write_rows for dm_atomic_write_text. */
static bool write_rows_data(FILE *f, void *data) { return write_rows(f, data); }

bool dm_cluster_significance_write_csv(const DmClusterSignificance *significance,
                                       const char *path, DmError **error) {
  if (!check(significance, path, error)) return false;
  return dm_atomic_write_text(path, "the cluster significances", write_rows_data,
                              (void *)significance, error);
}

/* Creates the table HDU and writes its keywords and columns. */
static bool write_table(fitsfile *fits, const DmClusterSignificance *s, int *status) {
  size_t width = 1;
  for (size_t i = 0; i < s->n; i++)
    if (strlen(s->label[i]) > width) width = strlen(s->label[i]);
  char label_form[24];
  snprintf(label_form, sizeof label_form, "%zuA", width);
  char *ttype[] = {"LABEL", "RA", "DEC", "INSIDE", "X", "Y", "PEAKFRAC", "KAPMEAN", "KAPSTD",
                   "SNR"};
  char *tform[] = {label_form, "1D", "1D", "1L", "1D", "1D", "1D", "1D", "1D", "1D"};
  char *tunit[] = {"", "deg", "deg", "", "pixel", "pixel", "", "", "", ""};
  const double *columns[] = {s->ra, s->dec, NULL, s->x, s->y, s->peak_fraction,
                             s->kappa_mean, s->kappa_std, s->snr};
  char *unit = s->options.unit == DM_PEAK_THRESHOLD_KAPPA ? "KAPPA" : "STD";
  double aperture = s->options.aperture_arcmin, threshold = s->options.threshold;
  int n_samples = s->n_samples;
  LONGLONG n = (LONGLONG)s->n;
  char *logical = malloc(s->n);
  if (!logical) {
    *status = MEMORY_ALLOCATION;
    return false;
  }
  for (size_t i = 0; i < s->n; i++) logical[i] = s->inside[i] ? 1 : 0;
  fits_create_tbl(fits, BINARY_TBL, n, 10, ttype, tform, tunit, "CLUSTSIG", status);
  fits_write_key(fits, TDOUBLE, "APERTURE", &aperture, "aperture radius (arcmin)", status);
  fits_write_key(fits, TDOUBLE, "THRESH", &threshold, "peak threshold", status);
  fits_write_key(fits, TSTRING, "THRUNIT", unit, "threshold unit: STD or KAPPA", status);
  fits_write_key(fits, TINT, "NSAMPLES", &n_samples, "posterior samples", status);
  fits_write_col(fits, TSTRING, 1, 1, 1, n, s->label, status);
  fits_write_col(fits, TLOGICAL, 4, 1, 1, n, logical, status);
  for (int c = 0; c < 9; c++)
    if (columns[c]) fits_write_col(fits, TDOUBLE, c + 2, 1, 1, n, (void *)columns[c], status);
  free(logical);
  return *status == 0;
}

bool dm_cluster_significance_write_fits(const DmClusterSignificance *significance,
                                        const char *path, DmError **error) {
  if (!check(significance, path, error)) return false;
  DmAtomicFile *file = dm_atomic_file_new(path, error);
  if (!file) return false;
  fitsfile *fits = NULL;
  int status = 0;
  fits_clear_errmsg();
  bool ok = !dm_fits_create_atomic(&fits, file, &status) &&
            write_table(fits, significance, &status);
  return dm_fits_finish_atomic(fits, file, ok, status, path, error);
}

bool dm_cluster_significance_write(const DmClusterSignificance *significance, const char *path,
                                   DmError **error) {
  if (!check(significance, path, error)) return false;
  const char *dot = strrchr(path, '.');
  bool fits = dot && (strcasecmp(dot, ".fits") == 0 || strcasecmp(dot, ".fit") == 0);
  return fits ? dm_cluster_significance_write_fits(significance, path, error)
              : dm_cluster_significance_write_csv(significance, path, error);
}
