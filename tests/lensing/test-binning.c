/* Binning against a galaxy-by-galaxy reference.
 *
 * A synthetic catalogue large enough for every pass to run on the threads
 * (300,000 galaxies, some outside the grid, some on pixel edges) is binned
 * on FLAT and TAN grids with both noise models.  The reference below adds the
 * galaxies one by one in catalogue order, in double, as the binning promises
 * to, so every map must agree bit for bit; sigma_e (a sum over all galaxies,
 * added in blocks) to rounding. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/binning.h"
#include "darkmap/rng.h"
#include "darkmap/wcs.h"
#include "test-util.h"

enum { N_GALAXIES = 300000 };

/* A field around (150°, 2°), wider than the grids below; a few galaxies on
 * the FLAT grid's pixel edges; weights from 0.2 to 2.2. */
static DmCatalog *synthetic_catalog(void) {
  DmCatalog *c = calloc(1, sizeof *c);
  c->n = c->n_rows = N_GALAXIES;
  c->ra = malloc(N_GALAXIES * sizeof *c->ra);
  c->dec = malloc(N_GALAXIES * sizeof *c->dec);
  c->e1 = malloc(N_GALAXIES * sizeof *c->e1);
  c->e2 = malloc(N_GALAXIES * sizeof *c->e2);
  c->weight = malloc(N_GALAXIES * sizeof *c->weight);
  DmRng rng;
  dm_rng_init(&rng, 17, 0);
  for (size_t i = 0; i < N_GALAXIES; i++) {
    c->ra[i] = 150.0 + 0.9 * (2.0 * dm_rng_uniform(&rng) - 1.0);
    c->dec[i] = 2.0 + 0.9 * (2.0 * dm_rng_uniform(&rng) - 1.0);
    c->e1[i] = 0.3 * dm_rng_normal(&rng);
    c->e2[i] = 0.3 * dm_rng_normal(&rng);
    c->weight[i] = 0.2 + 2.0 * dm_rng_uniform(&rng);
  }
  for (int k = 0; k < 1000; k++) { /* on the FLAT grid's edges, 1.2′ apart */
    c->ra[k] = 150.0 + (k % 40 - 20) * 0.02;
    c->dec[k] = 2.0 + (k / 40 - 12) * 0.02;
  }
  return c;
}

/* The bin of v on n uniform bins from lo to hi: edges lo + k (hi − lo) / n
 * as NumPy's linspace makes them (the last one hi), a value on an edge in the
 * upper bin, the last bin closed; −1 outside. */
static int reference_bin(double v, double lo, double hi, int n) {
  if (!(v >= lo && v <= hi)) return -1;
  double width = (hi - lo) / n;
  int k = (int)((v - lo) / width);
  if (k > n - 1) k = n - 1;
  while (k > 0 && v < k * width + lo) k--;
  while (k < n - 1 && v >= (k + 1) * width + lo) k++;
  return k;
}

/* The pixel of galaxy i on spec's grid (binning.h), or −1; px, py: the
 * galaxies' projected pixel coordinates on TAN grids. */
static long reference_pixel(const DmCatalog *c, const DmGridSpec *spec, const double *px,
                            const double *py, size_t i) {
  int ix, iy;
  if (spec->projection == DM_PROJECTION_FLAT) {
    double half_x = spec->nx * spec->pixel_arcmin / 60.0 / 2.0;
    double half_y = spec->ny * spec->pixel_arcmin / 60.0 / 2.0;
    ix = reference_bin(c->ra[i], spec->center_ra - half_x, spec->center_ra + half_x, spec->nx);
    iy = reference_bin(c->dec[i], spec->center_dec - half_y, spec->center_dec + half_y, spec->ny);
    if (ix >= 0 && spec->ra_left) ix = spec->nx - 1 - ix;
  } else {
    ix = reference_bin(px[i], -0.5, spec->nx - 0.5, spec->nx);
    iy = reference_bin(py[i], -0.5, spec->ny - 0.5, spec->ny);
  }
  return ix < 0 || iy < 0 ? -1 : (long)iy * spec->nx + ix;
}

static void test_grid(const DmCatalog *c, DmProjection projection, DmNoiseModel noise) {
  DmGridSpec spec;
  dm_grid_spec_init(&spec);
  spec.nx = 300;
  spec.ny = 260;
  spec.pixel_arcmin = 0.3;
  spec.has_center = true;
  spec.center_ra = 150.0;
  spec.center_dec = 2.0;
  spec.projection = projection;
  spec.ra_left = projection == DM_PROJECTION_TAN;
  spec.flip_e2 = true;
  spec.noise_model = noise;
  DmError *error = NULL;
  DmBinnedShear *b = dm_bin_catalog(c, &spec, NULL, &error);
  CHECK_OK(b != NULL, error);
  DmWcs *wcs = dm_grid_spec_wcs(&spec, &error);
  CHECK_OK(wcs != NULL, error);
  if (!b || !wcs) {
    dm_binned_shear_free(b);
    dm_wcs_free(wcs);
    return;
  }

  double *px = malloc(c->n * sizeof *px), *py = malloc(c->n * sizeof *py);
  if (projection == DM_PROJECTION_TAN)
    CHECK_OK(dm_wcs_world_to_pixel(wcs, c->n, c->ra, c->dec, px, py, &error), error);
  size_t npix = (size_t)spec.nx * spec.ny, inside = 0;
  double *sums = calloc(5 * npix, sizeof *sums); /* w, w e1, w e2, w², N per pixel */
  double t[4] = {0};                             /* e1, e2, e1², e2² */
  for (size_t i = 0; i < c->n; i++) {
    long p = reference_pixel(c, &spec, px, py, i);
    if (p < 0) continue;
    double w = c->weight[i], e1 = c->e1[i], e2 = -c->e2[i];
    sums[p] += w;
    sums[npix + p] += w * e1;
    sums[2 * npix + p] += w * e2;
    sums[3 * npix + p] += w * w;
    sums[4 * npix + p] += 1.0;
    inside++;
    t[0] += e1;
    t[1] += e2;
    t[2] += e1 * e1;
    t[3] += e2 * e2;
  }
  double sigma[2];
  for (int k = 0; k < 2; k++) {
    double mean = t[k] / inside;
    sigma[k] = sqrt(t[2 + k] / inside - mean * mean);
  }
  CHECK(b->n_binned == inside && b->n_outside == c->n - inside);
  CHECK_CLOSE(b->sigma_e[0] / sigma[0], 1.0, 1e-12);
  CHECK_CLOSE(b->sigma_e[1] / sigma[1], 1.0, 1e-12);

  size_t wrong = 0;
  for (size_t p = 0; p < npix; p++) {
    double w = sums[p], n = sums[4 * npix + p];
    double scale = noise == DM_NOISE_WEIGHTED ? sqrt(sums[3 * npix + p]) / w : 1.0 / sqrt(n);
    float expected[7] = {
        n > 0 ? (float)(sums[npix + p] / w) : 0.0f,
        n > 0 ? (float)(sums[2 * npix + p] / w) : 0.0f,
        (float)n,
        (float)w,
        n > 0 ? (float)(b->sigma_e[0] * scale) : 0.0f,
        n > 0 ? (float)(b->sigma_e[1] * scale) : 0.0f,
        n > 0 ? 1.0f : 0.0f,
    };
    float got[7] = {dm_map_plane(b->shear, 0)[p], dm_map_plane(b->shear, 1)[p],
                    b->counts->data[p],            b->weight->data[p],
                    dm_map_plane(b->noise, 0)[p],  dm_map_plane(b->noise, 1)[p],
                    b->mask->data[p]};
    wrong += memcmp(expected, got, sizeof got) != 0;
  }
  printf("%s grid, %s noise: %zu of %zu galaxies inside, %zu of %zu pixels differ\n",
         projection == DM_PROJECTION_FLAT ? "FLAT" : "TAN",
         noise == DM_NOISE_WEIGHTED ? "weighted" : "count", inside, c->n, wrong, npix);
  CHECK(inside > 100000 && inside < c->n);
  CHECK(wrong == 0);
  free(sums);
  free(px);
  free(py);
  dm_wcs_free(wcs);
  dm_binned_shear_free(b);
}

int main(void) {
  DmCatalog *c = synthetic_catalog();
  test_grid(c, DM_PROJECTION_FLAT, DM_NOISE_COUNT);
  test_grid(c, DM_PROJECTION_FLAT, DM_NOISE_WEIGHTED);
  test_grid(c, DM_PROJECTION_TAN, DM_NOISE_COUNT);
  dm_catalog_free(c);
  return dm_test_result();
}
