/* Mosaics (darkmap/mosaic.h) on a synthetic 2° × 2° catalogue with an
 * empty corner: the plan's geometry, every galaxy counted once on the
 * mosaic, each tile's reconstruction that of the catalogue binned on the
 * tile's grid, ranges of tiles giving what one run gives, the stitch's
 * weights adding up to one and its offsets matching the tiles, and the
 * refusals' messages. */

#include "darkmap/fits.h"
#include "darkmap/mosaic.h"
#include "darkmap/rng.h"
#include "reconstruct-test-util.h"

enum { N_GALAXIES = 60000 };

/* Galaxies uniform over RA 29-31, Dec −6 to −4 but the corner RA > 30.4,
 * Dec > −4.6; shear e1 = 0.02 + noise, e2 = −0.01 + noise. */
static bool write_catalog(const char *path) {
  static double columns[5][N_GALAXIES];
  DmRng rng;
  dm_rng_init(&rng, 3, 0);
  for (int i = 0; i < N_GALAXIES;) {
    double ra = 29.0 + 2.0 * dm_rng_uniform(&rng), dec = -6.0 + 2.0 * dm_rng_uniform(&rng);
    double n1 = 0.2 * (dm_rng_uniform(&rng) - 0.5), n2 = 0.2 * (dm_rng_uniform(&rng) - 0.5);
    if (ra > 30.4 && dec > -4.6) continue;
    columns[0][i] = ra;
    columns[1][i] = dec;
    columns[2][i] = 0.02 + n1;
    columns[3][i] = -0.01 + n2;
    columns[4][i] = 0.5 + dm_rng_uniform(&rng);
    i++;
  }
  double *const arrays[5] = {columns[0], columns[1], columns[2], columns[3], columns[4]};
  return dm_test_write_shear_table(path, arrays, N_GALAXIES);
}

static DmMosaicRequest ks_request(void) {
  DmMosaicRequest request;
  dm_mosaic_request_init(&request, DM_RECONSTRUCT_KS);
  request.tile_deg = 0.5;
  request.overlap_deg = 0.125;
  request.pixel_arcmin = 1.0;
  return request;
}

/* Cores tile the mosaic; tiles are centred on their cores. */
static void check_plan(const DmMosaicPlan *plan) {
  CHECK(plan->core == 30 && plan->overlap == 8);
  CHECK(plan->nx == plan->tiles_x * 30 && plan->ny == plan->tiles_y * 30);
  CHECK(plan->n_tiles == plan->tiles_x * plan->tiles_y);
  /* A 2° box at 1' needs 120 pixels and a few more for the projection. */
  CHECK(plan->tiles_x == 5 && plan->tiles_y == 5);
  DmError *error = NULL;
  for (int t = 0; t < plan->n_tiles; t++) {
    int x0, y0, x1, y1;
    dm_mosaic_plan_core(plan, t, &x0, &y0, &x1, &y1);
    CHECK(x0 == (t % plan->tiles_x) * 30 && y1 == y0 + 30 && x1 == x0 + 30);
    CHECK(plan->tiles[t].nx == 46 && plan->tiles[t].ny == 46);
    double x = 0.5 * (x0 + x1 - 1), y = 0.5 * (y0 + y1 - 1), tx, ty;
    DmWcs *wcs = dm_grid_spec_wcs(&plan->tiles[t], &error);
    CHECK_OK(wcs != NULL, error);
    double ra, dec;
    CHECK_OK(dm_wcs_pixel_to_world(plan->wcs, 1, &x, &y, &ra, &dec, &error), error);
    CHECK_OK(dm_wcs_world_to_pixel(wcs, 1, &ra, &dec, &tx, &ty, &error), error);
    CHECK_CLOSE(tx, 22.5, 1e-6);
    CHECK_CLOSE(ty, 22.5, 1e-6);
    dm_wcs_free(wcs);
  }
}

/* Each tile's KS map is the KS map of the catalogue binned on its grid, bit
 * for bit; empty tiles are those of the empty corner. */
static void check_tiles(const DmMosaicPlan *plan, const DmMosaicRequest *request,
                        DmPosterior *const *tiles, const char *path) {
  DmError *error = NULL;
  DmCatalog *catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
  CHECK_OK(catalog != NULL, error);
  int empty = 0;
  for (int t = 0; catalog && t < plan->n_tiles; t++) {
    DmBinnedShear *binned = dm_bin_catalog(catalog, &plan->tiles[t], NULL, &error);
    if (!binned) {
      CHECK(error && error->code == DM_ERROR_NO_DATA && tiles[t] == NULL);
      dm_error_clear(&error);
      empty++;
      continue;
    }
    DmReconstruction *ks = dm_reconstruct(binned, &request->reconstruct, NULL, &error);
    CHECK_OK(ks != NULL, error);
    CHECK(tiles[t] != NULL);
    if (ks && tiles[t]) {
      CHECK(tiles[t]->std == NULL && tiles[t]->samples == NULL);
      CHECK(memcmp(ks->posterior->mean->data, tiles[t]->mean->data, 46 * 46 * sizeof(float)) ==
            0);
    }
    dm_reconstruction_free(ks);
    dm_binned_shear_free(binned);
  }
  /* The corner RA > 30.4, Dec > −4.6 holds the top-left tile only (RA to
   * the left). */
  CHECK(empty == 1 && tiles[plan->n_tiles - plan->tiles_x] == NULL);
  dm_catalog_free(catalog);
}

/* Tiles of constant mean 1 and std 2 stitch to 1 and 2 everywhere (the
 * weights add up to 1); tiles of different constants are brought together
 * by their offsets. */
static void check_stitch_weights(const DmMosaicPlan *plan, const DmMosaicRequest *request) {
  DmError *error = NULL;
  DmPosterior **tiles = calloc((size_t)plan->n_tiles, sizeof *tiles);
  for (int t = 0; t < plan->n_tiles; t++) {
    DmWcs *wcs = dm_grid_spec_wcs(&plan->tiles[t], &error);
    tiles[t] = calloc(1, sizeof *tiles[t]);
    tiles[t]->mean = dm_map_new(46, 46, 1, wcs, &error);
    tiles[t]->std = dm_map_new(46, 46, 1, wcs, &error);
    for (int p = 0; p < 46 * 46; p++) {
      tiles[t]->mean->data[p] = 1.0f;
      tiles[t]->std->data[p] = 2.0f;
    }
    dm_wcs_free(wcs);
  }
  DmPosterior *ones = dm_mosaic_stitch(plan, request, tiles, &error);
  CHECK_OK(ones != NULL, error);
  double worst = 0.0;
  for (size_t p = 0; ones && p < dm_map_plane_size(ones->mean); p++) {
    worst = fmax(worst, fabs(ones->mean->data[p] - 1.0));
    worst = fmax(worst, fabs(ones->std->data[p] - 2.0));
    worst = fmax(worst, fabs(ones->signif->data[p] - 0.5));
  }
  CHECK(worst < 1e-6);
  CHECK(ones && dm_map_find_card(ones->mean, "NTILES")->number == 25);
  dm_posterior_free(ones);

  /* Tile t holds t, the top-left tile is missing: the offsets that make
   * neighbours agree where they overlap bring every tile to the mean label
   * (280 / 24); the missing tile's core, which no other tile reaches
   * beyond its seams, is 0. */
  int missing = plan->n_tiles - plan->tiles_x;
  for (int t = 0; t < plan->n_tiles; t++)
    for (int p = 0; p < 46 * 46; p++) tiles[t]->mean->data[p] = (float)t;
  DmPosterior *kept = tiles[missing];
  tiles[missing] = NULL;
  DmPosterior *labels = dm_mosaic_stitch(plan, request, tiles, &error);
  tiles[missing] = kept;
  CHECK_OK(labels != NULL, error);
  int wrong = 0;
  for (int y = 0; labels && y < plan->ny; y++)
    for (int x = 0; x < plan->nx; x++) {
      float v = labels->mean->data[(size_t)y * plan->nx + x];
      bool in_missing = x < 30 && y >= plan->ny - 30;
      bool beyond_reach = x < 30 - 8 && y >= plan->ny - 30 + 8;
      if (beyond_reach ? v != 0.0f : !in_missing && fabs(v - 280.0 / 24.0) > 1e-5) wrong++;
    }
  CHECK(wrong == 0);
  dm_posterior_free(labels);
  for (int t = 0; t < plan->n_tiles; t++) dm_posterior_free(tiles[t]);
  free(tiles);
}

static void check_refusals(DmCatalogStream *stream) {
  DmError *error = NULL;
  DmMosaicRequest request = ks_request();
  request.overlap_deg = 0.3;
  CHECK_FAILS(dm_mosaic_plan_new(&request, stream, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  request = ks_request();
  request.tile_deg = 0.05;
  DmMosaicPlan *plan = dm_mosaic_plan_new(&request, stream, NULL, &error);
  CHECK(!plan && error &&
        strcmp(error->message, "Tile size 0.05° is out of range: from 4 pixels (0.0666667°) "
                               "to 60°.") == 0);
  dm_error_clear(&error);
  request = ks_request();
  plan = dm_mosaic_plan_new(&request, stream, NULL, &error);
  CHECK_OK(plan != NULL, error);
  DmPosterior *tile = NULL;
  if (plan)
    CHECK_FAILS(dm_mosaic_reconstruct_tiles(plan, &request, stream, 3, 3, &tile, NULL, NULL,
                                            &error),
                error, DM_ERROR_INVALID_ARGUMENT);
  dm_mosaic_plan_free(plan);
}

int main(void) {
  const char *path = dm_test_tmp_path("mosaic.fits");
  CHECK(write_catalog(path));
  DmError *error = NULL;
  DmCatalogStream *stream = dm_catalog_stream_open(path, 0, NULL, &error);
  CHECK_OK(stream != NULL, error);
  if (!stream) return dm_test_result();

  DmMosaicRequest request = ks_request();
  DmMosaicPlan *plan = dm_mosaic_plan_new(&request, stream, NULL, &error);
  CHECK_OK(plan != NULL, error);
  if (plan) {
    check_plan(plan);
    int n = plan->n_tiles, split = 11;
    DmPosterior **whole = calloc((size_t)n, sizeof *whole);
    DmPosterior **parts = calloc((size_t)n, sizeof *parts);
    DmMap *counts = NULL;
    CHECK_OK(dm_mosaic_reconstruct_tiles(plan, &request, stream, 0, n, whole, &counts, NULL,
                                         &error),
             error);
    double total = 0.0;
    for (size_t p = 0; counts && p < dm_map_plane_size(counts); p++) total += counts->data[p];
    CHECK(total == N_GALAXIES);
    /* Two ranges, as two processes would run them. */
    CHECK_OK(dm_mosaic_reconstruct_tiles(plan, &request, stream, 0, split, parts, NULL, NULL,
                                         &error),
             error);
    CHECK_OK(dm_mosaic_reconstruct_tiles(plan, &request, stream, split, n, parts + split, NULL,
                                         NULL, &error),
             error);
    for (int t = 0; t < n; t++)
      CHECK((whole[t] == NULL) == (parts[t] == NULL) &&
            (!whole[t] || memcmp(whole[t]->mean->data, parts[t]->mean->data,
                                 46 * 46 * sizeof(float)) == 0));
    check_tiles(plan, &request, whole, path);
    check_stitch_weights(plan, &request);
    for (int t = 0; t < n; t++) {
      dm_posterior_free(whole[t]);
      dm_posterior_free(parts[t]);
    }
    free(whole);
    free(parts);
    dm_map_free(counts);
  }
  dm_mosaic_plan_free(plan);

  /* The one call and its file. */
  DmMosaic *mosaic = dm_mosaic_run(&request, stream, NULL, &error);
  CHECK_OK(mosaic != NULL, error);
  if (mosaic) {
    CHECK(mosaic->n_tiles == 25 && mosaic->n_empty == 1 && mosaic->tile_pixels == 46);
    const char *out = dm_test_tmp_path("mosaic-out.fits");
    CHECK_OK(dm_mosaic_write(out, mosaic, &error), error);
    DmMap *counts = dm_fits_read_image(out, "COUNTS", &error);
    CHECK_OK(counts != NULL, error);
    CHECK(counts && memcmp(counts->data, mosaic->counts->data,
                           dm_map_plane_size(counts) * sizeof(float)) == 0);
    dm_map_free(counts);
    remove(out);
  }
  dm_mosaic_free(mosaic);
  check_refusals(stream);
  dm_catalog_stream_close(stream);
  remove(path);
  return dm_test_result();
}
