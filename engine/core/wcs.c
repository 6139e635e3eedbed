/* DmWcs: celestial grids on top of wcslib (see darkmap/wcs.h). */
#include "darkmap/wcs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <wcslib/wcs.h>
#include <wcslib/wcserr.h>
#include <wcslib/wcshdr.h>
#include <wcslib/wcsutil.h>

struct DmWcs {
  struct wcsprm prm;     /* a 2-axis celestial wcsprm, wcsset() done */
  DmProjection projection;
};

/* The wcslib error of prm as a DmError.  wcslib's detailed error records
 * (wcserr_enable) are left off: they leak when points fail to project. */
static bool wcs_fail(DmError **error, const struct wcsprm *prm, int status, const char *call) {
  const char *detail = (prm && prm->err && prm->err->msg[0]) ? prm->err->msg
                       : (status > 0 && status < 14)        ? wcs_errmsg[status]
                                                            : "unknown error";
  return dm_error_set(error, DM_ERROR_WCS, status, "World coordinate system error in %s: %s.",
                      call, detail);
}

static DmWcs *wcs_alloc(DmError **error) {
  DmWcs *wcs = calloc(1, sizeof *wcs);
  if (!wcs) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a WCS.");
  return wcs;
}

/* Classifies a ready wcsprm from its projection code. */
static DmProjection classify(const struct wcsprm *prm) {
  if (strcmp(prm->cel.prj.code, "TAN") == 0) return DM_PROJECTION_TAN;
  if (strcmp(prm->cel.prj.code, "CAR") == 0 && prm->crval[prm->lat] == 0.0)
    return DM_PROJECTION_FLAT;
  return DM_PROJECTION_OTHER;
}

DmWcs *dm_wcs_new_grid(DmProjection projection, double ra0, double dec0, double pixel_deg,
                       int nx, int ny, bool ra_left, DmError **error) {
  if (!(pixel_deg > 0.0) || !isfinite(pixel_deg) || nx <= 0 || ny <= 0 || !isfinite(ra0) ||
      !(fabs(dec0) < 90.0)) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Invalid grid: %d × %d pixels of %g deg centred on RA %g, Dec %g.", nx, ny,
                 pixel_deg, ra0, dec0);
    return NULL;
  }
  if (projection != DM_PROJECTION_TAN && projection != DM_PROJECTION_FLAT) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Grids are made in TAN or FLAT projection.");
    return NULL;
  }
  DmWcs *wcs = wcs_alloc(error);
  if (!wcs) return NULL;
  struct wcsprm *prm = &wcs->prm;
  prm->flag = -1;
  int status = wcsini(1, 2, prm);
  if (status) {
    wcs_fail(error, prm, status, "wcsini");
    free(wcs);
    return NULL;
  }
  double centre_x = 0.5 * (nx + 1), centre_y = 0.5 * (ny + 1);  /* one-based */
  prm->cdelt[0] = ra_left ? -pixel_deg : pixel_deg;
  prm->cdelt[1] = pixel_deg;
  prm->crpix[0] = centre_x;
  strcpy(prm->cunit[0], "deg");
  strcpy(prm->cunit[1], "deg");
  strcpy(prm->radesys, "ICRS");
  if (projection == DM_PROJECTION_TAN) {
    strcpy(prm->ctype[0], "RA---TAN");
    strcpy(prm->ctype[1], "DEC--TAN");
    prm->crval[0] = ra0;
    prm->crval[1] = dec0;
    prm->crpix[1] = centre_y;
  } else {
    /* Plate carree referenced on the equator is exactly linear in RA and Dec. */
    strcpy(prm->ctype[0], "RA---CAR");
    strcpy(prm->ctype[1], "DEC--CAR");
    prm->crval[0] = ra0;
    prm->crval[1] = 0.0;
    prm->crpix[1] = centre_y - dec0 / pixel_deg;
  }
  if ((status = wcsset(prm))) {
    wcs_fail(error, prm, status, "wcsset");
    dm_wcs_free(wcs);
    return NULL;
  }
  wcs->projection = projection;
  return wcs;
}

/* True for an 80-character card wcslib's header parser can take safely: a
 * valued card ("KEYWORD = value") of printable ASCII, whose keyword uses the
 * FITS characters (A-Z 0-9 _ -) and whose string value, if any, is closed.
 * wcslib trusts its input: an unterminated string or a non-ASCII keyword
 * overflows its buffers, and a FITS header is untrusted input. */
static bool card_is_safe(const char *card) {
  for (int i = 0; i < 80; i++)
    if (card[i] < 0x20 || card[i] > 0x7e) return false;
  if (card[8] != '=' || card[9] != ' ') return false;
  bool blank_seen = false;
  for (int i = 0; i < 8; i++) {
    char c = card[i];
    if (c == ' ') {
      blank_seen = true;
    } else if (blank_seen || !((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                               c == '-')) {
      return false;
    }
  }
  int i = 10;
  while (i < 80 && card[i] == ' ') i++;
  if (i == 80 || card[i] != '\'') return true;
  for (i++; i < 80; i++) {
    if (card[i] != '\'') continue;
    if (i + 1 == 80 || card[i + 1] != '\'') return true;
    i++;  /* a doubled quote stands for one quote */
  }
  return false;
}

/* False for an axis count wcslib would size its arrays by (NAXIS, WCSAXES,
 * WCSAXESa) that is not an integer from 0 to 999, the most FITS allows:
 * wcslib allocates matrices of that many axes squared, so "NAXIS = 32768"
 * alone asks for 8 GiB.  Such a card is left out; the axes the other
 * keywords number still count. */
static bool axis_count_is_sane(const char *card) {
  bool naxis = strncmp(card, "NAXIS   ", 8) == 0;
  bool wcsaxes = strncmp(card, "WCSAXES", 7) == 0;
  if (!naxis && !wcsaxes) return true;
  int i = 10, digits = 0;
  while (i < 80 && card[i] == ' ') i++;
  long value = 0;
  for (; i < 80 && card[i] >= '0' && card[i] <= '9' && digits < 4; i++, digits++)
    value = 10 * value + (card[i] - '0');
  while (i < 80 && card[i] == ' ') i++;
  return digits > 0 && value <= 999 && (i == 80 || card[i] == '/');
}

DmWcs *dm_wcs_new_from_header(const char *header, int nkeys, DmError **error) {
  size_t length = (size_t)nkeys * 80;
  char *copy = malloc(length + 1);
  if (!copy) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a FITS header.");
    return NULL;
  }
  int kept = 0;
  for (int k = 0; k < nkeys; k++) {
    const char *card = header + (size_t)k * 80;
    if (!card_is_safe(card) || !axis_count_is_sane(card)) continue;
    memcpy(copy + (size_t)kept * 80, card, 80);
    kept++;
  }
  copy[(size_t)kept * 80] = '\0';
  nkeys = kept;
  int nreject = 0, nwcs = 0;
  struct wcsprm *all = NULL;
  int status = wcspih(copy, nkeys, WCSHDR_all, 0, &nreject, &nwcs, &all);
  free(copy);
  if (status) {
    dm_error_set(error, DM_ERROR_WCS, status, "Cannot parse the FITS header's WCS: %s.",
                 wcshdr_errmsg[status]);
    return NULL;
  }
  DmWcs *result = NULL;
  for (int i = 0; i < nwcs && !result; i++) {
    if (wcsset(&all[i]) != 0 || all[i].lng < 0 || all[i].lat < 0) continue;
    /* Keep the two celestial axes only (a cube's third axis is dropped). */
    DmWcs *wcs = wcs_alloc(error);
    if (!wcs) break;
    int nsub = 2, axes[2] = {all[i].lng + 1, all[i].lat + 1};
    wcs->prm.flag = -1;
    if ((status = wcssub(1, &all[i], &nsub, axes, &wcs->prm)) ||
        (status = wcsset(&wcs->prm))) {
      wcs_fail(error, &wcs->prm, status, "wcssub");
      dm_wcs_free(wcs);
      break;
    }
    double pixel_deg = dm_wcs_pixel_scale_deg(wcs);
    if (!(pixel_deg > 0.0 && isfinite(pixel_deg))) {
      dm_error_set(error, DM_ERROR_WCS, 0,
                   "The FITS header's WCS makes pixels of %g degrees, not a finite size.",
                   pixel_deg);
      dm_wcs_free(wcs);
      break;
    }
    wcs->projection = classify(&wcs->prm);
    result = wcs;
  }
  wcsvfree(&nwcs, &all);
  if (!result && !(error && *error))
    dm_error_set(error, DM_ERROR_WCS, 0, "The FITS header has no celestial WCS (RA/Dec axes).");
  return result;
}

DmWcs *dm_wcs_copy(const DmWcs *wcs, DmError **error) {
  DmWcs *copy = wcs_alloc(error);
  if (!copy) return NULL;
  copy->prm.flag = -1;
  int status = wcssub(1, &wcs->prm, NULL, NULL, &copy->prm);
  if (!status) status = wcsset(&copy->prm);
  if (status) {
    wcs_fail(error, &copy->prm, status, "wcssub");
    dm_wcs_free(copy);
    return NULL;
  }
  copy->projection = wcs->projection;
  return copy;
}

DmWcs *dm_wcs_new_block_grid(const DmWcs *wcs, int x0, int y0, int factor, DmError **error) {
  if (factor < 1) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "A block of %d pixels is not a size.",
                 factor);
    return NULL;
  }
  if (wcs->prm.lin.dispre || wcs->prm.lin.disseq) {
    dm_error_set(error, DM_ERROR_UNSUPPORTED, 0,
                 "Darkmap cannot cut or bin a WCS with distortions (SIP, TPV...).");
    return NULL;
  }
  DmWcs *grid = dm_wcs_copy(wcs, error);
  if (!grid) return NULL;
  struct wcsprm *prm = &grid->prm;
  const double origin[2] = {x0, y0};
  for (int axis = 0; axis < 2; axis++)
    prm->crpix[axis] = (prm->crpix[axis] - origin[axis] - 0.5) / factor + 0.5;
  /* wcsset takes the matrix from CD only when no PC was given. */
  if ((prm->altlin & 2) && !(prm->altlin & 1)) {
    for (int i = 0; i < 4; i++) prm->cd[i] *= factor;
  } else {
    prm->cdelt[0] *= factor;
    prm->cdelt[1] *= factor;
  }
  prm->flag = 0;
  int status = wcsset(prm);
  if (status) {
    wcs_fail(error, prm, status, "wcsset");
    dm_wcs_free(grid);
    return NULL;
  }
  return grid;
}

void dm_wcs_free(DmWcs *wcs) {
  if (!wcs) return;
  wcsfree(&wcs->prm);
  free(wcs);
}

DmProjection dm_wcs_projection(const DmWcs *wcs) { return wcs->projection; }

double dm_wcs_pixel_scale_deg(const DmWcs *wcs) {
  /* The 2×2 pixel → intermediate matrix: CD when given, else CDELT_i PC_ij. */
  const struct wcsprm *prm = &wcs->prm;
  double m[4];
  for (int i = 0; i < 4; i++)
    m[i] = (prm->altlin & 2) ? prm->cd[i] : prm->cdelt[i / 2] * prm->pc[i];
  return sqrt(fabs(m[0] * m[3] - m[1] * m[2]));
}

/* wcslib converts arrays; points go through in chunks of this many. */
enum { WCS_CHUNK = 4096 };

/* Scratch arrays for one chunk of conversions (on the heap: ~300 KiB). */
typedef struct {
  double in[2 * WCS_CHUNK], img[2 * WCS_CHUNK], out[2 * WCS_CHUNK];
  double phi[WCS_CHUNK], theta[WCS_CHUNK];
  int stat[WCS_CHUNK];
} WcsScratch;

/* Converts n points either way.  Inputs are interleaved per point in the
 * wcsprm's axis order; points wcslib rejects come out as NaN. */
static bool convert(const DmWcs *wcs, bool to_world, size_t n, const double *a, const double *b,
                    double *out_a, double *out_b, DmError **error) {
  struct wcsprm *prm = (struct wcsprm *)&wcs->prm;
  WcsScratch *s = malloc(sizeof *s);
  if (!s) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for WCS conversion.");
  int ia = to_world ? 0 : prm->lng, ib = to_world ? 1 : prm->lat;
  int oa = to_world ? prm->lng : 0, ob = to_world ? prm->lat : 1;
  double offset = to_world ? 1.0 : 0.0;  /* zero-based in, wcslib one-based */
  for (size_t start = 0; start < n; start += WCS_CHUNK) {
    int count = (int)(n - start < WCS_CHUNK ? n - start : WCS_CHUNK);
    for (int i = 0; i < count; i++) {
      s->in[2 * i + ia] = a[start + i] + offset;
      s->in[2 * i + ib] = b[start + i] + offset;
    }
    int status = to_world
        ? wcsp2s(prm, count, 2, s->in, s->img, s->phi, s->theta, s->out, s->stat)
        : wcss2p(prm, count, 2, s->in, s->phi, s->theta, s->img, s->out, s->stat);
    if (status && status != WCSERR_BAD_PIX && status != WCSERR_BAD_WORLD) {
      free(s);
      return wcs_fail(error, prm, status, to_world ? "wcsp2s" : "wcss2p");
    }
    for (int i = 0; i < count; i++) {
      bool bad = status && s->stat[i];
      out_a[start + i] = bad ? NAN : s->out[2 * i + oa] - (to_world ? 0.0 : 1.0);
      out_b[start + i] = bad ? NAN : s->out[2 * i + ob] - (to_world ? 0.0 : 1.0);
    }
  }
  free(s);
  return true;
}

bool dm_wcs_pixel_to_world(const DmWcs *wcs, size_t n, const double *x, const double *y,
                           double *ra, double *dec, DmError **error) {
  return convert(wcs, true, n, x, y, ra, dec, error);
}

bool dm_wcs_world_to_pixel(const DmWcs *wcs, size_t n, const double *ra, const double *dec,
                           double *x, double *y, DmError **error) {
  return convert(wcs, false, n, ra, dec, x, y, error);
}

char *dm_wcs_to_header(const DmWcs *wcs, int *nkeys, DmError **error) {
  char *cards = NULL;
  int count = 0;
  int status = wcshdo(WCSHDO_safe, (struct wcsprm *)&wcs->prm, &count, &cards);
  if (status) {
    wcs_fail(error, &wcs->prm, status, "wcshdo");
    return NULL;
  }
  char *copy = malloc((size_t)count * 80 + 1);
  if (copy) {
    memcpy(copy, cards, (size_t)count * 80);
    copy[(size_t)count * 80] = '\0';
    *nkeys = count;
  } else {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for WCS header cards.");
  }
  wcsdealloc(cards);
  return copy;
}

bool dm_wcs_equal(const DmWcs *a, const DmWcs *b, int nx, int ny, double tol_pixels) {
  double x[5] = {0, nx - 1.0, 0, nx - 1.0, 0.5 * (nx - 1)};
  double y[5] = {0, 0, ny - 1.0, ny - 1.0, 0.5 * (ny - 1)};
  double ra[5], dec[5], bx[5], by[5];
  if (!dm_wcs_pixel_to_world(a, 5, x, y, ra, dec, NULL) ||
      !dm_wcs_world_to_pixel(b, 5, ra, dec, bx, by, NULL))
    return false;
  for (int i = 0; i < 5; i++)
    if (!(fabs(bx[i] - x[i]) <= tol_pixels && fabs(by[i] - y[i]) <= tol_pixels)) return false;
  return true;
}
