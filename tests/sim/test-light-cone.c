/* Light cone: lens planes, box transforms, and the Born projection of
 * particle sets with a known answer (a uniform lattice: kappa = 0; a thin
 * overdense sheet: kappa from the closed form). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "darkmap/light-cone.h"
#include "test-util.h"

#define LATTICE 20  /* particles per side */
#define GRID 10     /* pixels per side: the field is half the box */

/* Sources at z = 1 (a triangle of half-width 1e-4): g(chi) = 1 − chi / chi_s. */
static DmLensingEfficiency *single_source_efficiency(const DmCosmology *c) {
  const double z[] = {0.0, 0.9999, 1.0, 1.0001}, n[] = {0.0, 0.0, 1.0, 0.0};
  DmError *error = NULL;
  DmRedshiftDistribution *nz = dm_redshift_distribution_new(z, n, 4, &error);
  CHECK_OK(nz != NULL, error);
  DmLensingEfficiency *efficiency = nz ? dm_lensing_efficiency_new(nz, c, &error) : NULL;
  CHECK_OK(efficiency != NULL, error);
  dm_redshift_distribution_free(nz);
  return efficiency;
}

static void test_planes(const DmCosmology *c, const DmLensingEfficiency *efficiency) {
  DmError *error = NULL;
  int n = 0;
  DmLensPlane *planes = dm_lens_planes_new(c, efficiency, 100.0, &n, &error);
  CHECK_OK(planes != NULL, error);
  if (!planes) return;
  double h = c->h0 / 100.0, chi_s = dm_comoving_distance(c, 1.0001) * h;
  CHECK(n == (int)ceil(chi_s / 100.0));
  CHECK(planes[0].chi_near == 0.0);
  CHECK_CLOSE(planes[n - 1].chi_far, chi_s, 1e-9);
  double c_kms = DM_SPEED_OF_LIGHT_KMS, chi_source = dm_comoving_distance(c, 1.0) * h;
  for (int i = 0; i < n; i++) {
    const DmLensPlane *p = &planes[i];
    double thickness = p->chi_far - p->chi_near;
    CHECK(thickness <= 100.0);
    CHECK_CLOSE(thickness, chi_s / n, 1e-9);
    if (i > 0) CHECK(p->chi_near == planes[i - 1].chi_far);
    CHECK_CLOSE(p->chi, 0.5 * (p->chi_near + p->chi_far), 1e-9);
    CHECK_CLOSE(dm_comoving_distance(c, p->z) * h, p->chi, 1e-6);
    CHECK_CLOSE(p->a, 1.0 / (1.0 + p->z), 1e-15);
    double expected = 1.5 * c->omega_m * (100.0 / c_kms) * (100.0 / c_kms) *
                      fmax(0.0, 1.0 - p->chi / chi_source) * p->chi / p->a * thickness;
    CHECK_CLOSE(p->weight, expected, 1e-6 * fabs(expected) + 1e-12);
    double kernel = 1.5 * c->omega_m * (100.0 / c_kms) * (100.0 / c_kms) * p->chi / p->a *
                    thickness;
    CHECK_CLOSE(p->kernel, kernel, 1e-12 * kernel);
  }
  free(planes);
  CHECK(dm_lens_planes_new(c, efficiency, 0.0, &n, &error) == NULL);
  CHECK(error && strcmp(error->message, "Lens planes need a thickness > 0, not 0 Mpc/h.") == 0);
  dm_error_clear(&error);
}

/* A transform written out, and drawn ones: determinism, every axis order and
 * flip, and isometries of the periodic box (distances between particles). */
static void test_transforms(void) {
  DmBoxTransform t = {.axes = {2, 0, 1}, .flip = {true, false, false}, .shift = {1.0, 2.0, 9.5}};
  const float in[3] = {1.0f, 2.0f, 3.0f};
  double out[3];
  dm_box_transform_apply(&t, 10.0, in, out);
  CHECK(out[0] == 8.0 && out[1] == 3.0 && out[2] == 1.5);

  int seen[6][8] = {{0}};
  const double box = 50.0;
  float points[2][3] = {{1.5f, 48.0f, 25.0f}, {47.0f, 3.0f, 0.5f}};
  for (uint32_t map = 0; map < 40; map++)
    for (uint32_t plane = 0; plane < 10; plane++) {
      DmBoxTransform a, b;
      dm_box_transform_draw(box, 7, map, plane, &a);
      dm_box_transform_draw(box, 7, map, plane, &b);
      /* field by field: the struct has padding, which nothing sets */
      for (int i = 0; i < 3; i++)
        CHECK(a.axes[i] == b.axes[i] && a.flip[i] == b.flip[i] && a.shift[i] == b.shift[i]);
      int perm = a.axes[0] * 2 + (a.axes[1] > a.axes[2] ? 1 : 0);
      CHECK(a.axes[0] + a.axes[1] + a.axes[2] == 3 && a.axes[0] != a.axes[1]);
      seen[perm][a.flip[0] | a.flip[1] << 1 | a.flip[2] << 2]++;
      double p[2][3], d_in = 0.0, d_out = 0.0;
      for (int k = 0; k < 2; k++) {
        dm_box_transform_apply(&a, box, points[k], p[k]);
        for (int i = 0; i < 3; i++) CHECK(p[k][i] >= 0.0 && p[k][i] < box);
      }
      for (int i = 0; i < 3; i++) {
        double di = fabs((double)points[0][i] - points[1][i]), dout = fabs(p[0][i] - p[1][i]);
        d_in += pow(fmin(di, box - di), 2.0);
        d_out += pow(fmin(dout, box - dout), 2.0);
      }
      CHECK_CLOSE(d_out, d_in, 1e-9);
    }
  int all = 1;
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 8; j++) all &= seen[i][j] > 0;
  CHECK(all);
  DmBoxTransform other;
  dm_box_transform_draw(box, 8, 0, 0, &t);
  dm_box_transform_draw(box, 7, 0, 0, &other);
  CHECK(t.shift[0] != other.shift[0]);
}

/* A lattice of LATTICE³ particles at cell centres, in a box whose side is
 * the plane's thickness, with GRID pixels of one lattice spacing at the
 * plane's middle: every pixel holds one column of LATTICE particles, so
 * kappa = 0.  Then a sheet of one particle per pixel over the left half of
 * the field adds 1/LATTICE to those columns. */
static void test_born(const DmCosmology *c, const DmLensingEfficiency *efficiency) {
  DmError *error = NULL;
  int n = 0;
  DmLensPlane *planes = dm_lens_planes_new(c, efficiency, 100.0, &n, &error);
  CHECK_OK(planes != NULL, error);
  if (!planes) return;
  const DmLensPlane *plane = &planes[n / 2];
  double box = plane->chi_far - plane->chi_near, spacing = box / LATTICE;
  double pixel_arcmin = spacing / plane->chi * 180.0 * 60.0 / M_PI;
  size_t sheet = GRID * GRID / 2, count = LATTICE * LATTICE * LATTICE;
  float *positions = malloc((count + sheet) * 3 * sizeof *positions);
  for (size_t i = 0; i < count; i++) {
    positions[3 * i] = (float)((i % LATTICE + 0.5) * spacing);
    positions[3 * i + 1] = (float)((i / LATTICE % LATTICE + 0.5) * spacing);
    positions[3 * i + 2] = (float)((i / (LATTICE * LATTICE) + 0.5) * spacing);
  }
  /* the field spans [box/4, 3 box/4) on both axes; the sheet covers its left half */
  for (size_t s = 0; s < sheet; s++) {
    float *p = positions + 3 * (count + s);
    p[0] = (float)(0.25 * box + (s % (GRID / 2) + 0.5) * spacing);
    p[1] = (float)(0.25 * box + (s / (GRID / 2) + 0.5) * spacing);
    p[2] = (float)(0.5 * box + 0.1 * spacing);
  }
  DmBoxTransform identity = {.axes = {0, 1, 2}};
  double counts[GRID * GRID], kappa[GRID * GRID] = {0};
  dm_lens_plane_add_born(plane, &identity, positions, count, box, GRID, GRID, pixel_arcmin,
                         counts, kappa);
  double worst = 0.0;
  for (int k = 0; k < GRID * GRID; k++) worst = fmax(worst, fabs(kappa[k]));
  CHECK(worst < 1e-12);
  /* the scratch holds the density contrast: LATTICE particles in every pixel, 0 */
  CHECK(fabs(counts[0]) < 1e-12 && fabs(counts[GRID * GRID - 1]) < 1e-12);

  double sheet_kappa[GRID * GRID] = {0};
  dm_lens_plane_add_born(plane, &identity, positions, count + sheet, box, GRID, GRID,
                         pixel_arcmin, counts, sheet_kappa);
  /* closed form: delta = N / (nbar spacing² box) − 1 with nbar = (count + sheet) / box³ */
  double h = c->h0 / 100.0, chi_source = dm_comoving_distance(c, 1.0) * h;
  double hubble_over_c = 100.0 / DM_SPEED_OF_LIGHT_KMS;
  double w = 1.5 * c->omega_m * hubble_over_c * hubble_over_c * (1.0 - plane->chi / chi_source) *
             plane->chi * (1.0 + plane->z) * box;
  double mean = (double)(count + sheet) / (double)count * LATTICE;
  double inside = w * ((LATTICE + 1) / mean - 1.0), outside = w * (LATTICE / mean - 1.0);
  int right = 1;
  for (int y = 0; y < GRID; y++)
    for (int x = 0; x < GRID; x++) {
      double expected = x < GRID / 2 ? inside : outside;
      right &= fabs(sheet_kappa[y * GRID + x] - expected) <= 1e-6 * fabs(inside);
    }
  CHECK(right);
  printf("sheet: kappa %.6g inside, %.6g outside (expected %.6g, %.6g)\n", sheet_kappa[0],
         sheet_kappa[GRID - 1], inside, outside);

  /* a field four times wider than the box is filled by periodic images: still 0 */
  double wide_counts[4 * GRID * 4 * GRID], wide[4 * GRID * 4 * GRID] = {0};
  dm_lens_plane_add_born(plane, &identity, positions, count, box, 4 * GRID, 4 * GRID,
                         pixel_arcmin, wide_counts, wide);
  worst = 0.0;
  for (int k = 0; k < 16 * GRID * GRID; k++) worst = fmax(worst, fabs(wide[k]));
  CHECK(worst < 1e-12);
  free(positions);
  free(planes);
}

int main(void) {
  DmCosmology c;
  dm_cosmology_init(&c);
  DmLensingEfficiency *efficiency = single_source_efficiency(&c);
  if (efficiency) {
    test_planes(&c, efficiency);
    test_born(&c, efficiency);
  }
  test_transforms();
  dm_lensing_efficiency_free(efficiency);
  return dm_test_result();
}
