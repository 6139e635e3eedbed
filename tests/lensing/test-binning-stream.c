/* Streamed catalogues and their binning: a catalogue read chunk by chunk is
 * the catalogue dm_catalog_read gives, its streamed median is the exact
 * median, and the streamed binning equals the in-memory binning bit for bit,
 * on the COSMOS catalogue (417,117 rows: one chunk) and on a synthetic one
 * of 4.5 Mi rows (five chunks, rows skipped, many tied values, more values
 * than the median gathers at once: the histogram pass); and the synthetic
 * one binned in row ranges whose binners' sums are added. */
#include <fitsio.h>
#include <math.h>
#include <stdint.h>

#include "darkmap/binning.h"
#include "darkmap/catalog.h"
#include "darkmap/rng.h"
#include "test-util.h"

/* The maps of two binned shears are equal bit for bit. */
static bool maps_equal(const DmMap *a, const DmMap *b) {
  return a->nx == b->nx && a->ny == b->ny && a->nplanes == b->nplanes &&
         memcmp(a->data, b->data, dm_map_plane_size(a) * a->nplanes * sizeof(float)) == 0;
}

static void check_same_binning(const DmBinnedShear *a, const DmBinnedShear *b) {
  CHECK(maps_equal(a->shear, b->shear));
  CHECK(maps_equal(a->counts, b->counts));
  CHECK(maps_equal(a->weight, b->weight));
  CHECK(maps_equal(a->noise, b->noise));
  CHECK(maps_equal(a->mask, b->mask));
  CHECK(a->sigma_e[0] == b->sigma_e[0] && a->sigma_e[1] == b->sigma_e[1]);
  CHECK(a->n_binned == b->n_binned && a->n_outside == b->n_outside);
  CHECK(dm_wcs_equal(a->shear->wcs, b->shear->wcs, a->shear->nx, a->shear->ny, 1e-9));
}

/* The chunks of a pass concatenated are the catalogue's arrays; every chunk
 * but the last is full. */
static void check_chunks(DmCatalogStream *stream, const DmCatalog *whole) {
  DmError *error = NULL;
  size_t at = 0, chunks = 0;
  bool same = true;
  const DmCatalog *chunk;
  while ((chunk = dm_catalog_stream_next(stream, NULL, &error)) && chunk->n > 0) {
    if (at + chunk->n > whole->n) break;
    same = same && memcmp(chunk->ra, whole->ra + at, chunk->n * 8) == 0 &&
           memcmp(chunk->dec, whole->dec + at, chunk->n * 8) == 0 &&
           memcmp(chunk->e1, whole->e1 + at, chunk->n * 8) == 0 &&
           memcmp(chunk->e2, whole->e2 + at, chunk->n * 8) == 0 &&
           memcmp(chunk->weight, whole->weight + at, chunk->n * 8) == 0;
    at += chunk->n;
    chunks++;
    CHECK(chunk->n == DM_CATALOG_STREAM_CHUNK || at == whole->n);
  }
  CHECK_OK(chunk != NULL, error);
  CHECK(same);
  CHECK(at == whole->n);
  CHECK(chunks == (whole->n + DM_CATALOG_STREAM_CHUNK - 1) / DM_CATALOG_STREAM_CHUNK);
  CHECK(dm_catalog_stream_kept(stream) == whole->n);
  CHECK(dm_catalog_stream_rows_read(stream) == whole->n_rows);
  const DmCatalog *layout = dm_catalog_stream_layout(stream);
  CHECK(layout->n_skipped_nonfinite == whole->n_skipped_nonfinite);
  CHECK(layout->n_skipped_weight == whole->n_skipped_weight);
  CHECK(layout->hdu == whole->hdu && layout->n_rows == whole->n_rows);
  for (int i = 0; i < 5; i++) CHECK(strcmp(layout->column_names[i], whole->column_names[i]) == 0);
}

/* Streams path against dm_catalog_read: the chunks, the median (exactly
 * equal) and the binning on the default grid, count and weighted noise. */
static void check_catalog(const char *path, int size, double pixel_arcmin) {
  DmError *error = NULL;
  DmCatalog *whole = dm_catalog_read(path, 0, NULL, NULL, &error);
  CHECK_OK(whole != NULL, error);
  DmCatalogStream *stream = dm_catalog_stream_open(path, 0, NULL, &error);
  CHECK_OK(stream != NULL, error);
  if (!whole || !stream) return;
  check_chunks(stream, whole);

  double ra = 0, dec = 0, ra_stream = 1, dec_stream = 1;
  CHECK_OK(dm_catalog_median_center(whole, &ra, &dec, &error), error);
  CHECK_OK(dm_catalog_stream_median_center(stream, &ra_stream, &dec_stream, NULL, &error), error);
  printf("%s: median %.12f %.12f, streamed %.12f %.12f\n", path, ra, dec, ra_stream, dec_stream);
  CHECK(ra == ra_stream && dec == dec_stream);

  for (int noise = 0; noise < 2; noise++) {
    DmGridSpec spec;
    dm_grid_spec_init(&spec);
    spec.nx = spec.ny = size;
    spec.pixel_arcmin = pixel_arcmin;
    spec.noise_model = noise ? DM_NOISE_WEIGHTED : DM_NOISE_COUNT;
    DmBinnedShear *in_memory = dm_bin_catalog(whole, &spec, NULL, &error);
    CHECK_OK(in_memory != NULL, error);
    DmBinnedShear *streamed = dm_bin_catalog_stream(stream, &spec, NULL, &error);
    CHECK_OK(streamed != NULL, error);
    if (in_memory && streamed) check_same_binning(in_memory, streamed);
    CHECK(dm_catalog_stream_kept(stream) == whole->n);
    dm_binned_shear_free(in_memory);
    dm_binned_shear_free(streamed);
  }
  dm_catalog_stream_close(stream);
  dm_catalog_free(whole);
}

/* Largest difference between two maps' values, relative to the largest. */
static double relative_difference(const DmMap *a, const DmMap *b) {
  double worst = 0.0, largest = 0.0;
  for (size_t i = 0; i < dm_map_plane_size(a) * (size_t)a->nplanes; i++) {
    worst = fmax(worst, fabs((double)a->data[i] - b->data[i]));
    largest = fmax(largest, fabs((double)a->data[i]));
  }
  return largest > 0.0 ? worst / largest : worst;
}

/* The table split in three row ranges (the first holding more than a
 * chunk's worth of rows only for tables that long), each binned by its own
 * binner, the sums added into one (dm_binner_sums_copy/add): the whole
 * table's binning, counts and mask exactly, shear, weight and noise and
 * sigma_e to rounding.  A range past the table's end reads no galaxy. */
static void check_row_split(const char *path, int size, double pixel_arcmin) {
  DmError *error = NULL;
  DmCatalogStream *stream = dm_catalog_stream_open(path, 0, NULL, &error);
  CHECK_OK(stream != NULL, error);
  if (!stream) return;
  DmGridSpec spec;
  dm_grid_spec_init(&spec);
  spec.nx = spec.ny = size;
  spec.pixel_arcmin = pixel_arcmin;
  spec.noise_model = DM_NOISE_WEIGHTED;
  CHECK_OK(dm_catalog_stream_median_center(stream, &spec.center_ra, &spec.center_dec, NULL,
                                           &error),
           error);
  spec.has_center = true;
  DmBinnedShear *whole = dm_bin_catalog_stream(stream, &spec, NULL, &error);
  CHECK_OK(whole != NULL, error);
  size_t rows = dm_catalog_stream_layout(stream)->n_rows;
  size_t cuts[4] = {0, rows / 3, rows / 3 + rows / 5, rows};
  DmBinner *sum = dm_binner_new(&spec, &error);
  CHECK_OK(sum != NULL, error);
  size_t rows_seen = 0;
  for (int part = 0; sum && part < 3; part++) {
    dm_catalog_stream_set_rows(stream, cuts[part], cuts[part + 1] - cuts[part]);
    CHECK(dm_catalog_stream_pass_rows(stream) == cuts[part + 1] - cuts[part]);
    DmBinner *binner = dm_binner_new(&spec, &error);
    const DmCatalog *chunk;
    while ((chunk = dm_catalog_stream_next(stream, NULL, &error)) && chunk->n > 0)
      CHECK_OK(dm_binner_add(binner, chunk, 0, chunk->n, &error), error);
    CHECK_OK(chunk != NULL, error);
    rows_seen += dm_catalog_stream_rows_read(stream);
    double *sums = malloc(dm_binner_sums_count(binner) * sizeof *sums);
    dm_binner_sums_copy(binner, sums);
    dm_binner_sums_add(sum, sums);
    free(sums);
    dm_binner_free(binner);
  }
  CHECK(rows_seen == rows);
  DmBinnedShear *parts = sum ? dm_binner_finish(sum, &error) : NULL;
  CHECK_OK(parts != NULL, error);
  if (whole && parts) {
    double shear = relative_difference(whole->shear, parts->shear);
    double noise = relative_difference(whole->noise, parts->noise);
    printf("%s in 3 row ranges: counts and mask %s, shear within %.2g, noise within %.2g, "
           "sigma_e %.9f %.9f (whole %.9f %.9f)\n",
           path, maps_equal(whole->counts, parts->counts) ? "equal" : "DIFFER", shear, noise,
           parts->sigma_e[0], parts->sigma_e[1], whole->sigma_e[0], whole->sigma_e[1]);
    CHECK(maps_equal(whole->counts, parts->counts) && maps_equal(whole->mask, parts->mask));
    CHECK(whole->n_binned == parts->n_binned && whole->n_outside == parts->n_outside);
    CHECK(shear < 1e-6 && noise < 1e-6 && relative_difference(whole->weight, parts->weight) < 1e-6);
    CHECK(fabs(whole->sigma_e[0] - parts->sigma_e[0]) < 1e-9 &&
          fabs(whole->sigma_e[1] - parts->sigma_e[1]) < 1e-9);
  }
  dm_catalog_stream_set_rows(stream, rows + 10, 5);
  const DmCatalog *none = dm_catalog_stream_next(stream, NULL, &error);
  CHECK_OK(none != NULL, error);
  CHECK(none && none->n == 0 && dm_catalog_stream_pass_rows(stream) == 0);
  dm_binned_shear_free(whole);
  dm_binned_shear_free(parts);
  dm_binner_free(sum);
  dm_catalog_stream_close(stream);
}

/* A synthetic catalogue of n rows in float32 columns (values repeat), with
 * every 1000th row NaN in DEC and every 777th of weight 0. */
static bool write_synthetic(const char *path, long n) {
  fitsfile *fits = NULL;
  int status = 0;
  char *names[] = {"RA", "DEC", "E1", "E2", "WEIGHT"};
  char *forms[] = {"E", "E", "E", "E", "E"};
  remove(path);
  fits_create_file(&fits, path, &status);
  fits_create_tbl(fits, BINARY_TBL, 0, 5, names, forms, NULL, "SHEAR", &status);
  enum { BLOCK = 1 << 16 };
  float *column = malloc(BLOCK * sizeof *column);
  DmRng rng;
  dm_rng_init(&rng, 7, 0);
  for (long start = 0; start < n && !status; start += BLOCK) {
    long count = n - start < BLOCK ? n - start : BLOCK;
    for (int c = 0; c < 5 && !status; c++) {
      for (long i = 0; i < count; i++) {
        long row = start + i;
        double u = dm_rng_uniform(&rng);
        column[i] = c == 0   ? (float)(35.0 + 2.0 * u)
                    : c == 1 ? (row % 1000 == 999 ? NAN : (float)(-4.0 + 2.0 * u * u))
                    : c == 4 ? (row % 777 == 0 ? 0.0f : (float)(0.5 + u))
                             : (float)(0.6 * u - 0.3);
      }
      fits_write_col(fits, TFLOAT, c + 1, start + 1, 1, count, column, &status);
    }
  }
  free(column);
  fits_close_file(fits, &status);
  return status == 0;
}

/* A stream is refused as dm_catalog_read refuses: a missing column when
 * opened, a table of skipped rows at the end of its first pass. */
static void check_refusals(void) {
  DmError *error = NULL;
  const char *path = dm_test_tmp_path("all-skipped.fits");
  fitsfile *fits = NULL;
  int status = 0;
  char *names[] = {"RA", "DEC", "E1", "E2"};
  char *forms[] = {"D", "D", "D", "D"};
  double values[3] = {NAN, NAN, NAN};
  remove(path);
  fits_create_file(&fits, path, &status);
  fits_create_tbl(fits, BINARY_TBL, 0, 4, names, forms, NULL, "SHEAR", &status);
  for (int c = 1; c <= 4; c++) fits_write_col(fits, TDOUBLE, c, 1, 1, 3, values, &status);
  fits_close_file(fits, &status);
  CHECK(status == 0);

  DmCatalogColumns columns = {.e1 = "G1"};
  CHECK_FAILS(dm_catalog_stream_open(path, 0, &columns, &error), error, DM_ERROR_NOT_FOUND);
  DmCatalogStream *stream = dm_catalog_stream_open(path, 0, NULL, &error);
  CHECK_OK(stream != NULL, error);
  if (stream) {
    CHECK_FAILS(dm_catalog_stream_next(stream, NULL, &error), error, DM_ERROR_NO_DATA);
    DmGridSpec spec;
    dm_grid_spec_init(&spec);
    DmBinnedShear *binned = dm_bin_catalog_stream(stream, &spec, NULL, &error);
    CHECK(binned == NULL && error && strstr(error->message, "all 3 rows were skipped, 3 with"));
    dm_error_clear(&error);
    dm_catalog_stream_close(stream);
  }
  remove(path);
}

int main(void) {
  check_catalog(dm_test_app_data_path("cosmos/cosmos_shear_schrabback2010.fits"), 360, 0.29);

  const char *path = dm_test_tmp_path("stream.fits");
  long rows = 4L * 1024 * 1024 + 512 * 1024;
  CHECK(write_synthetic(path, rows));
  check_catalog(path, 256, 0.5);
  check_row_split(path, 256, 0.5);
  remove(path);

  check_refusals();
  return dm_test_result();
}
