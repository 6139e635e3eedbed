/* A human-readable summary of every HDU of a FITS file, as
 * `darkmap-cli info` prints it (darkmap/fits.h):
 *
 *   cosmos.fits: 2 HDUs
 *   HDU 1 (primary): image 360 x 360, BITPIX -32 (32-bit float)
 *     WCS: RA---TAN / DEC--TAN, CRVAL (150.116103, 2.247490) deg, pixel 0.2900 arcmin
 *   HDU 2 'SHEAR': binary table, 417117 rows, 5 columns
 *     RA               D      [deg]
 *     ...
 */
#include "darkmap/fits.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/fits-common.h"

/* A growing string; `failed` records an allocation failure. */
typedef struct {
  char *text;
  size_t len, capacity;
  bool failed;
} Text;

static void appendf(Text *out, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void appendf(Text *out, const char *format, ...) {
  if (out->failed) return;
  va_list args;
  va_start(args, format);
  int needed = vsnprintf(NULL, 0, format, args);
  va_end(args);
  if (needed < 0) {
    out->failed = true;
    return;
  }
  if (out->len + (size_t)needed + 1 > out->capacity) {
    size_t capacity = 2 * (out->len + (size_t)needed + 1);
    char *grown = realloc(out->text, capacity);
    if (!grown) {
      out->failed = true;
      return;
    }
    out->text = grown;
    out->capacity = capacity;
  }
  va_start(args, format);
  vsnprintf(out->text + out->len, out->capacity - out->len, format, args);
  va_end(args);
  out->len += (size_t)needed;
}

static const char *bitpix_name(int bitpix) {
  switch (bitpix) {
  case BYTE_IMG: return "8-bit unsigned integer";
  case SHORT_IMG: return "16-bit integer";
  case LONG_IMG: return "32-bit integer";
  case LONGLONG_IMG: return "64-bit integer";
  case FLOAT_IMG: return "32-bit float";
  case DOUBLE_IMG: return "64-bit float";
  default: return "invalid";
  }
}

/* "  WCS: CTYPE1 / CTYPE2, CRVAL (...) deg, pixel ... arcmin" when the HDU
 * has a celestial WCS; a WCS that does not parse is reported, not fatal. */
static bool describe_wcs(fitsfile *fits, const char *path, Text *out, DmError **error) {
  if (!dm_fits_has_celestial_ctype(fits)) return true;
  char *ctype1 = dm_fits_read_string_key(fits, "CTYPE1");
  char *ctype2 = dm_fits_read_string_key(fits, "CTYPE2");
  double crval[2] = {0.0, 0.0};
  int status = 0;
  fits_write_errmark();
  fits_read_key(fits, TDOUBLE, "CRVAL1", &crval[0], NULL, &status);
  status = 0;
  fits_read_key(fits, TDOUBLE, "CRVAL2", &crval[1], NULL, &status);
  status = 0;
  fits_clear_errmark();
  appendf(out, "  WCS: %s / %s, CRVAL (%.6f, %.6f) deg", ctype1 ? ctype1 : "",
          ctype2 ? ctype2 : "", crval[0], crval[1]);
  free(ctype1);
  free(ctype2);

  int n_cards = 0;
  char *header = dm_fits_header_for_wcs(fits, path, &n_cards, error);
  if (!header) return false;
  DmError *wcs_error = NULL;
  DmWcs *wcs = dm_wcs_new_from_header(header, n_cards, &wcs_error);
  free(header);
  if (wcs)
    appendf(out, ", pixel %.4f arcmin\n", dm_wcs_pixel_scale_deg(wcs) * 60.0);
  else
    appendf(out, " (not usable: %s)\n", wcs_error ? wcs_error->message : "unknown error");
  dm_wcs_free(wcs);
  dm_error_free(wcs_error);
  return true;
}

static bool describe_image(fitsfile *fits, const char *path, Text *out, DmError **error) {
  int status = 0, bitpix = 0, naxis = 0;
  LONGLONG naxes[9] = {0};
  if (fits_get_img_paramll(fits, 9, &bitpix, &naxis, naxes, &status))
    return dm_fits_set_error(error, status, "Cannot read the image size in", path);
  bool compressed = fits_is_compressed_image(fits, &status);
  if (naxis == 0) {
    appendf(out, "no data\n");
    return true;
  }
  appendf(out, "%simage ", compressed ? "tile-compressed " : "");
  for (int i = 0; i < naxis && i < 9; i++)
    appendf(out, "%s%lld", i ? " x " : "", (long long)naxes[i]);
  appendf(out, ", BITPIX %d (%s)\n", bitpix, bitpix_name(bitpix));
  return describe_wcs(fits, path, out, error);
}

static bool describe_table(fitsfile *fits, const char *path, bool ascii, Text *out,
                           DmError **error) {
  int status = 0, n_columns = 0;
  long long n_rows = 0;
  if (fits_get_num_rowsll(fits, &n_rows, &status) ||
      fits_get_num_cols(fits, &n_columns, &status))
    return dm_fits_set_error(error, status, "Cannot read the table size in", path);
  appendf(out, "%s table, %lld rows, %d columns\n", ascii ? "ASCII" : "binary", n_rows,
          n_columns);
  for (int i = 1; i <= n_columns; i++) {
    char *name = dm_fits_read_indexed_string_key(fits, "TTYPE", i);
    char *form = dm_fits_read_indexed_string_key(fits, "TFORM", i);
    char *unit = dm_fits_read_indexed_string_key(fits, "TUNIT", i);
    if (name && form && unit && unit[0])
      appendf(out, "    %-16s %-6s [%s]\n", name[0] ? name : "(unnamed)", form, unit);
    else if (name && form && unit)
      appendf(out, "    %-16s %s\n", name[0] ? name : "(unnamed)", form);
    else
      out->failed = true;
    free(name);
    free(form);
    free(unit);
  }
  return true;
}

static bool describe_hdus(fitsfile *fits, const char *path, Text *out, DmError **error) {
  int status = 0, n_hdus = 0, type = 0;
  if (fits_get_num_hdus(fits, &n_hdus, &status))
    return dm_fits_set_error(error, status, "Cannot count the HDUs of", path);
  appendf(out, "%s: %d HDU%s\n", path, n_hdus, n_hdus == 1 ? "" : "s");
  for (int hdu = 1; hdu <= n_hdus; hdu++) {
    if (fits_movabs_hdu(fits, hdu, &type, &status))
      return dm_fits_set_error(error, status, "Cannot read an HDU of", path);
    char *extname = dm_fits_read_string_key(fits, "EXTNAME");
    if (!extname) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
    appendf(out, "HDU %d%s%s%s%s: ", hdu, hdu == 1 ? " (primary)" : "",
            extname[0] ? " '" : "", extname, extname[0] ? "'" : "");
    free(extname);
    bool ok = type == IMAGE_HDU ? describe_image(fits, path, out, error)
                                : describe_table(fits, path, type == ASCII_TBL, out, error);
    if (!ok) return false;
  }
  return true;
}

char *dm_fits_describe(const char *path, DmError **error) {
  fitsfile *fits = dm_fits_open_read(path, error);
  if (!fits) return NULL;
  Text out = {0};
  bool ok = describe_hdus(fits, path, &out, error);
  dm_fits_close_read(fits);
  if (ok && (out.failed || !out.text))
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory describing %s", path);
  if (!ok) {
    free(out.text);
    return NULL;
  }
  return out.text;
}
