/* WCS: pixel <-> world round trips for TAN and FLAT grids, the FLAT grid's
 * exact linearity (the shipped COSMOS convention), and a header round trip. */
#include <stdlib.h>
#include <string.h>

#include "darkmap/wcs.h"
#include "test-util.h"

static const double ra0 = 150.1161025, dec0 = 2.247490268, pixel = 0.29 / 60.0;

static void check_round_trip(DmProjection projection, bool ra_left) {
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(projection, ra0, dec0, pixel, 360, 360, ra_left, &error);
  CHECK(wcs != NULL);
  if (!wcs) return;
  double x[4] = {0, 359, 179.5, 12.25}, y[4] = {0, 359, 179.5, 300.75}, ra[4], dec[4], bx[4],
         by[4];
  CHECK_OK(dm_wcs_pixel_to_world(wcs, 4, x, y, ra, dec, &error), error);
  CHECK_OK(dm_wcs_world_to_pixel(wcs, 4, ra, dec, bx, by, &error), error);
  for (int i = 0; i < 4; i++) {
    CHECK_CLOSE(bx[i], x[i], 1e-9);
    CHECK_CLOSE(by[i], y[i], 1e-9);
  }
  /* The grid centre is the reference point. */
  CHECK_CLOSE(ra[2], ra0, 1e-12);
  CHECK_CLOSE(dec[2], dec0, 1e-12);
  /* Orientation: RA grows to the left when asked. */
  CHECK(ra_left ? ra[1] < ra[0] : ra[1] > ra[0]);
  CHECK_CLOSE(dm_wcs_pixel_scale_deg(wcs), pixel, 1e-15);
  CHECK(dm_wcs_projection(wcs) == projection);

  /* Header round trip gives the same grid. */
  int nkeys = 0;
  char *header = dm_wcs_to_header(wcs, &nkeys, &error);
  CHECK(header != NULL && nkeys > 5);
  DmWcs *back = header ? dm_wcs_new_from_header(header, nkeys, &error) : NULL;
  CHECK(back != NULL);
  if (back) {
    CHECK(dm_wcs_equal(wcs, back, 360, 360, 1e-8));
    CHECK(dm_wcs_projection(back) == projection);
  }
  DmWcs *copy = dm_wcs_copy(wcs, &error);
  CHECK(copy && dm_wcs_equal(wcs, copy, 360, 360, 1e-10));
  dm_wcs_free(copy);
  dm_wcs_free(back);
  free(header);
  dm_wcs_free(wcs);
}

/* FLAT: RA and Dec exactly linear in the pixel indices, no cos(Dec). */
static void check_flat_is_linear(void) {
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_FLAT, ra0, dec0, pixel, 360, 360, false, &error);
  CHECK(wcs != NULL);
  if (!wcs) return;
  double x[3] = {0, 359, 100}, y[3] = {0, 359, 250}, ra[3], dec[3];
  CHECK_OK(dm_wcs_pixel_to_world(wcs, 3, x, y, ra, dec, &error), error);
  for (int i = 0; i < 3; i++) {
    CHECK_CLOSE(ra[i], ra0 + (x[i] - 179.5) * pixel, 1e-10);
    CHECK_CLOSE(dec[i], dec0 + (y[i] - 179.5) * pixel, 1e-10);
  }
  dm_wcs_free(wcs);
}

/* TAN: a point at tangent-plane offset xi along the reference row has
 * tan(RA − RA0) = xi / cos(Dec0) (gnomonic projection, radians). */
static void check_tan_geometry(void) {
  DmError *error = NULL;
  DmWcs *wcs = dm_wcs_new_grid(DM_PROJECTION_TAN, ra0, dec0, pixel, 360, 360, true, &error);
  if (!wcs) {
    CHECK(wcs != NULL);
    return;
  }
  double x = 0, y = 179.5, ra, dec;
  CHECK_OK(dm_wcs_pixel_to_world(wcs, 1, &x, &y, &ra, &dec, &error), error);
  double xi = 179.5 * pixel * M_PI / 180.0;
  double expected = atan2(xi, cos(dec0 * M_PI / 180.0)) * 180.0 / M_PI;
  CHECK_CLOSE(ra - ra0, expected, 1e-10);
  dm_wcs_free(wcs);
}

static void check_errors(void) {
  DmError *error = NULL;
  CHECK_FAILS(dm_wcs_new_grid(DM_PROJECTION_TAN, ra0, 95.0, pixel, 10, 10, true, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_wcs_new_grid(DM_PROJECTION_TAN, ra0, dec0, -1.0, 10, 10, true, &error), error,
              DM_ERROR_INVALID_ARGUMENT);
  const char *no_wcs =
      "SIMPLE  =                    T                                                  "
      "BITPIX  =                  -32                                                  ";
  CHECK_FAILS(dm_wcs_new_from_header(no_wcs, 2, &error), error, DM_ERROR_WCS);

  /* Hostile cards (an unterminated string, a keyword with a non-ASCII byte)
   * are dropped before wcslib parses them; the valid cards still make a WCS. */
  DmWcs *grid = dm_wcs_new_grid(DM_PROJECTION_TAN, ra0, dec0, pixel, 10, 10, true, &error);
  int nkeys = 0;
  char *cards = grid ? dm_wcs_to_header(grid, &nkeys, &error) : NULL;
  CHECK(cards != NULL);
  if (cards) {
    char *hostile = malloc((size_t)(nkeys + 2) * 80 + 1);
    snprintf(hostile, 161, "%-80s%-80s", "CTYPE3  = 'RA---TAN", "CRV\xe9L3  = 1.0");
    memcpy(hostile + 160, cards, (size_t)nkeys * 80 + 1);
    DmWcs *parsed = dm_wcs_new_from_header(hostile, nkeys + 2, &error);
    CHECK_OK(parsed != NULL, error);
    CHECK(parsed && dm_wcs_equal(grid, parsed, 10, 10, 1e-9));
    dm_wcs_free(parsed);

    /* Axis counts past FITS's 999 (wcslib would allocate matrices of that
     * many axes squared: 8 GiB for NAXIS = 32768) are dropped likewise. */
    snprintf(hostile, 161, "%-80s%-80s", "NAXIS   =                32768",
             "WCSAXES =       33333333333333 / an axis count no file can use");
    parsed = dm_wcs_new_from_header(hostile, nkeys + 2, &error);
    CHECK_OK(parsed != NULL, error);
    CHECK(parsed && dm_wcs_equal(grid, parsed, 10, 10, 1e-9));
    dm_wcs_free(parsed);
    free(hostile);
  }
  /* Pixels whose side is no finite length: each CDELT is finite, their
   * product overflows (the pixel side came out infinite), or underflows. */
  const char *huge_pixels[] = {"-1E200", "1E200", "-1E-170", "1E-170"};
  for (int i = 0; i < 2; i++) {
    char header[6 * 80 + 1];
    snprintf(header, sizeof header, "%-80s%-80s%-80s%-80s%-80s%-80s", "CTYPE1  = 'RA---TAN'",
             "CTYPE2  = 'DEC--TAN'", "CRVAL1  =                150.0",
             "CRVAL2  =                  2.2", "CDELT1  = ", "CDELT2  = ");
    memcpy(header + 4 * 80 + 10, huge_pixels[2 * i], strlen(huge_pixels[2 * i]));
    memcpy(header + 5 * 80 + 10, huge_pixels[2 * i + 1], strlen(huge_pixels[2 * i + 1]));
    DmWcs *parsed = dm_wcs_new_from_header(header, 6, &error);
    CHECK(parsed == NULL && error && error->code == DM_ERROR_WCS &&
          strstr(error->message, "degrees, not a finite size"));
    if (error) printf("expected failure: %s\n", error->message);
    dm_error_clear(&error);
    dm_wcs_free(parsed);
  }
  free(cards);
  dm_wcs_free(grid);
}

int main(void) {
  check_round_trip(DM_PROJECTION_TAN, true);
  check_round_trip(DM_PROJECTION_TAN, false);
  check_round_trip(DM_PROJECTION_FLAT, false);
  check_flat_is_linear();
  check_tan_geometry();
  check_errors();
  return dm_test_result();
}
