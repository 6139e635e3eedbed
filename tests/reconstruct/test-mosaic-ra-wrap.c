/* Mosaics across RA 0/360 (darkmap/mosaic.h): one synthetic 2° × 1.5°
 * survey of sheared galaxies written three times, centred on RA 30, on RA 0
 * with its RAs in [0, 360) (359–360 and 0–1), and on RA 0 with negative RAs
 * (−1 to 1).  The three plan the same mosaic (its size and tiles; the
 * footprint's RA range runs through 0, not round the circle) and give the
 * same KS mosaic to float rounding; its WCS centre is RA 30 or 0.  A survey
 * all round the sky at one Dec has no gap and is refused as too wide. */
#include <math.h>

#include "darkmap/mosaic.h"
#include "darkmap/rng.h"
#include "reconstruct-test-util.h"

enum { N_GALAXIES = 40000 };

/* The survey with every RA shifted by ra_shift (not wrapped) and, when
 * wrap, brought into [0, 360); or, when ring, the galaxies spread over
 * every RA at Dec 0 to 1. */
static const char *write_catalog(const char *name, double ra_shift, bool wrap, bool ring) {
  const char *path = dm_test_tmp_path(name);
  static double columns[5][N_GALAXIES];
  DmRng rng;
  dm_rng_init(&rng, 11, 0);
  for (int i = 0; i < N_GALAXIES; i++) {
    double ra = 29.0 + 2.0 * dm_rng_uniform(&rng), dec = -5.0 + 1.5 * dm_rng_uniform(&rng);
    /* A shear pattern that varies across the field, so that the maps have
     * structure to compare. */
    double g1 = 0.03 * sin(3.0 * ra) * cos(4.0 * dec), g2 = 0.02 * cos(2.0 * ra + dec);
    columns[0][i] = ra + ra_shift;
    if (wrap && columns[0][i] < 0.0) columns[0][i] += 360.0;
    if (ring) columns[0][i] = 360.0 * (i + 0.5) / N_GALAXIES, dec = dec + 5.0;
    columns[1][i] = dec;
    columns[2][i] = g1 + 0.2 * (dm_rng_uniform(&rng) - 0.5);
    columns[3][i] = g2 + 0.2 * (dm_rng_uniform(&rng) - 0.5);
    columns[4][i] = 1.0;
  }
  double *const arrays[5] = {columns[0], columns[1], columns[2], columns[3], columns[4]};
  CHECK(dm_test_write_shear_table(path, arrays, N_GALAXIES));
  return path;
}

static DmMosaic *run(const char *path, DmError **error) {
  DmMosaicRequest request;
  dm_mosaic_request_init(&request, DM_RECONSTRUCT_KS);
  request.tile_deg = 0.5;
  request.overlap_deg = 0.125;
  DmCatalogStream *stream = dm_catalog_stream_open(path, 0, NULL, error);
  DmMosaic *mosaic = stream ? dm_mosaic_run(&request, stream, NULL, error) : NULL;
  dm_catalog_stream_close(stream);
  return mosaic;
}

/* The mosaic's WCS centre RA. */
static double centre_ra(const DmMosaic *m) {
  const DmMap *mean = m->posterior->mean;
  double x = 0.5 * (mean->nx - 1), y = 0.5 * (mean->ny - 1), ra = NAN, dec = NAN;
  DmError *error = NULL;
  CHECK_OK(dm_wcs_pixel_to_world(mean->wcs, 1, &x, &y, &ra, &dec, &error), error);
  return ra;
}

int main(void) {
  DmError *error = NULL;
  DmMosaic *at_30 = run(write_catalog("ra30.fits", 0.0, false, false), &error);
  CHECK_OK(at_30 != NULL, error);
  const char *names[] = {"ra0-wrapped.fits", "ra0-negative.fits"};
  for (int k = 0; at_30 && k < 2; k++) {
    DmMosaic *at_0 = run(write_catalog(names[k], -30.0, k == 0, false), &error);
    CHECK_OK(at_0 != NULL, error);
    if (!at_0) continue;
    const DmMap *a = at_30->posterior->mean, *b = at_0->posterior->mean;
    double worst = 0.0, largest = 0.0;
    bool same_size = a->nx == b->nx && a->ny == b->ny && at_0->n_tiles == at_30->n_tiles;
    for (size_t p = 0; same_size && p < dm_map_plane_size(a); p++) {
      if (isnan(a->data[p]) != isnan(b->data[p])) worst = INFINITY;
      if (isnan(a->data[p])) continue;
      worst = fmax(worst, fabs((double)a->data[p] - b->data[p]));
      largest = fmax(largest, fabs((double)a->data[p]));
    }
    double ra = centre_ra(at_0), ra_30 = centre_ra(at_30);
    printf("%s: %d × %d pixels, %d tiles (at RA 30: %d × %d, %d); centre RA %.6f (%.6f); "
           "largest difference %.3g of %.3g\n",
           names[k], b->nx, b->ny, at_0->n_tiles, a->nx, a->ny, at_30->n_tiles, ra, ra_30,
           worst, largest);
    CHECK(same_size);
    CHECK(worst <= 1e-5 * largest && largest > 0.0);
    CHECK(fabs(ra_30 - ra - 30.0) < 1e-9 || fabs(ra_30 - ra + 330.0) < 1e-9);
    dm_mosaic_free(at_0);
  }
  dm_mosaic_free(at_30);

  DmMosaic *ring = run(write_catalog("ring.fits", 0.0, false, true), &error);
  CHECK(ring == NULL && error && error->code == DM_ERROR_INVALID_ARGUMENT &&
        strstr(error->message, "too wide for one tangent-plane mosaic") != NULL);
  if (error) printf("all round the sky: %s\n", error->message);
  dm_error_free(error);
  dm_mosaic_free(ring);
  return dm_test_result();
}
