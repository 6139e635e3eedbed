/* FITS images: atomic float32 writes of whole maps (through the streaming
 * writer of darkmap/fits-cube-writer.h), and reads of any image HDU as
 * float32 (darkmap/fits.h). */
#include "darkmap/fits.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fits-cube-writer.h"
#include "io/fits-common.h"

/* ---- writing ----------------------------------------------------------- */

bool dm_fits_write_images(const char *path, const DmFitsImageHdu *hdus, int n,
                          DmError **error) {
  if (!hdus || n < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "No image to write");
  DmFitsCubeHdu *cubes = calloc((size_t)n, sizeof *cubes);
  if (!cubes) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
  for (int i = 0; i < n; i++) {
    const DmMap *map = hdus[i].map;
    if (!map || !map->data) {
      free(cubes);
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Image %d to write is empty or missing", i + 1);
    }
    cubes[i] = dm_fits_cube_hdu_for_map(map, hdus[i].extname);
  }
  DmFitsCubeWriter *writer = dm_fits_cube_writer_new(path, cubes, n, error);
  free(cubes);
  if (!writer) return false;
  for (int i = 0; i < n; i++)
    if (!dm_fits_cube_writer_write_map(writer, i, hdus[i].map, error)) {
      dm_fits_cube_writer_abort(writer);
      return false;
    }
  return dm_fits_cube_writer_finish(writer, error);
}

bool dm_fits_write_map(const char *path, const DmMap *map, DmError **error) {
  DmFitsImageHdu hdu = {.map = map, .extname = NULL};
  return dm_fits_write_images(path, &hdu, 1, error);
}

/* ---- reading ----------------------------------------------------------- */

/* Moves to the image to read: the named extension, or the primary HDU, or
 * when that one is empty (NAXIS = 0) the first image extension with data. */
static bool move_to_image(fitsfile *fits, const char *path, const char *extname,
                          DmError **error) {
  int status = 0, naxis = 0, type = 0, n_hdus = 0;
  if (extname) {
    char name[FLEN_VALUE];
    snprintf(name, sizeof name, "%s", extname);
    fits_write_errmark();
    if (fits_movnam_hdu(fits, IMAGE_HDU, name, 0, &status) == BAD_HDU_NUM) {
      fits_clear_errmark();
      return dm_error_set(error, DM_ERROR_NOT_FOUND, 0, "%s has no image extension named '%s'",
                          path, extname);
    }
    fits_clear_errmark();
    return status ? dm_fits_set_error(error, status, "Cannot read", path) : true;
  }

  if (fits_get_img_dim(fits, &naxis, &status) || fits_get_num_hdus(fits, &n_hdus, &status))
    return dm_fits_set_error(error, status, "Cannot read", path);
  for (int hdu = 2; naxis == 0 && hdu <= n_hdus; hdu++) {
    if (fits_movabs_hdu(fits, hdu, &type, &status) ||
        (type == IMAGE_HDU && fits_get_img_dim(fits, &naxis, &status)))
      return dm_fits_set_error(error, status, "Cannot read", path);
  }
  if (naxis == 0)
    return dm_error_set(error, DM_ERROR_NOT_FOUND, 0,
                        "%s holds no image: its primary HDU is empty and no extension is "
                        "an image",
                        path);
  return true;
}

/* The size of the current image, refused unless 2-D or 3-D and acceptable
 * to DmMap, and unless its data are all in the file. */
static bool read_image_size(fitsfile *fits, const char *path, int size[3], DmError **error) {
  int status = 0, bitpix = 0, naxis = 0, hdu = 0;
  LONGLONG naxes[3] = {1, 1, 1};
  fits_get_hdu_num(fits, &hdu);
  if (fits_get_img_paramll(fits, 3, &bitpix, &naxis, naxes, &status))
    return dm_fits_set_error(error, status, "Cannot read the image size of", path);
  if (naxis != 2 && naxis != 3)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "HDU %d of %s has NAXIS = %d: Darkmap reads 2-D images and 3-D cubes",
                        hdu, path, naxis);
  for (int i = 0; i < 3; i++) {
    if (naxes[i] < 1 || naxes[i] > INT_MAX)
      return dm_error_set(error, DM_ERROR_FORMAT, 0, "HDU %d of %s has an invalid NAXIS%d",
                          hdu, path, i + 1);
    size[i] = (int)naxes[i];
  }
  if (!dm_map_check_size(size[0], size[1], size[2], error)) {
    dm_error_prefix(error, "Cannot read HDU %d of %s", hdu, path);
    return false;
  }
  if (fits_is_compressed_image(fits, &status)) return true;
  long long bytes = (long long)(bitpix < 0 ? -bitpix : bitpix) / 8 * naxes[0] * naxes[1] * naxes[2];
  return dm_fits_check_data_present(fits, path, bytes, error);
}

/* "HISTORY text" → "text", without trailing blanks. */
static void history_text(const char *card, char *text, size_t size) {
  snprintf(text, size, "%s", strlen(card) > 8 ? card + 8 : "");
  size_t len = strlen(text);
  while (len > 0 && text[len - 1] == ' ') text[--len] = '\0';
}

/* Stores one valued card of the current HDU as metadata. */
static bool keep_value(fitsfile *fits, const char *path, DmMap *map, const char *key,
                       const char *value, const char *comment, DmError **error) {
  const char *note = comment[0] ? comment : NULL;
  char type = 0;
  int status = 0;
  if (value[0] == '\0') return dm_map_set_double(map, key, NAN, note, error);
  if (fits_get_keytype(value, &type, &status)) return true; /* unparseable: not kept */

  if (type == 'C') {
    char *text = NULL;
    if (fits_read_key_longstr(fits, key, &text, NULL, &status))
      return dm_fits_set_error(error, status, "Cannot read a string keyword of", path);
    bool ok = dm_map_set_string(map, key, text, note, error);
    fits_free_memory(text, &status);
    return ok;
  }
  if (type == 'L') return dm_map_set_bool(map, key, value[0] == 'T', note, error);
  if (type == 'I') {
    errno = 0;
    long long number = strtoll(value, NULL, 10);
    if (errno == 0 && number >= LONG_MIN && number <= LONG_MAX)
      return dm_map_set_int(map, key, (long)number, note, error);
  }
  if (type == 'I' || type == 'F') {
    char text[FLEN_VALUE];
    snprintf(text, sizeof text, "%s", value);
    for (char *c = text; *c; c++) /* FITS allows a Fortran 'D' exponent */
      if (*c == 'D' || *c == 'd') *c = 'E';
    return dm_map_set_double(map, key, strtod(text, NULL), note, error);
  }
  return dm_map_set_string(map, key, value, note, error); /* complex: kept as text */
}

/* Whether a card read from a header has a value indicator ("= " in columns
 * 9 and 10): cfitsio trims the trailing blanks of the card, so that an
 * undefined value ("KEY     =", blanks after) ends at the '='. */
static bool has_value(const char *card) {
  return card[8] == '=' && (card[9] == ' ' || card[9] == '\0');
}

/* Splits a header card into its keyword and, when it has one, its value and
 * comment ("" when absent).  False for a card that does not parse, and for
 * a keyword with characters FITS does not allow (the writer refuses them,
 * so a map read could not be written back). */
static bool parse_card(char *card, char key[FLEN_KEYWORD], char value[FLEN_VALUE],
                       char comment[FLEN_COMMENT]) {
  int status = 0, key_len = 0;
  value[0] = comment[0] = '\0';
  fits_write_errmark(); /* a malformed card is dropped, not reported */
  fits_get_keyname(card, key, &key_len, &status);
  if (status == 0 && key_len >= 1 && key_len <= 8) {
    char upper[FLEN_KEYWORD]; /* the map keeps keys in upper case */
    for (int i = 0; i <= key_len; i++) upper[i] = (char)toupper((unsigned char)key[i]);
    fits_test_keyword(upper, &status);
  }
  if (status == 0 && has_value(card))
    fits_parse_value(card, value, comment, &status);
  fits_clear_errmark();
  return status == 0 && key_len >= 1 && key_len <= 8;
}

/* The current HDU's non-structural, non-WCS keywords and HISTORY lines as
 * the map's metadata.  Cards the map refuses (odd key names), COMMENT cards
 * and other keywords without a value are dropped. */
static bool read_metadata(fitsfile *fits, const char *path, DmMap *map, DmError **error) {
  int status = 0, n_keys = 0;
  if (fits_get_hdrspace(fits, &n_keys, NULL, &status))
    return dm_fits_set_error(error, status, "Cannot read the header of", path);
  for (int k = 1; k <= n_keys; k++) {
    char card[FLEN_CARD], key[FLEN_KEYWORD], value[FLEN_VALUE], comment[FLEN_COMMENT];
    if (fits_read_record(fits, k, card, &status))
      return dm_fits_set_error(error, status, "Cannot read the header of", path);
    if (!parse_card(card, key, value, comment) || dm_fits_key_is_reserved(key)) continue;

    DmError *card_error = NULL;
    bool ok = true;
    if (strcmp(key, "HISTORY") == 0) {
      char text[FLEN_CARD];
      history_text(card, text, sizeof text);
      ok = dm_map_add_history(map, text, &card_error);
    } else if (has_value(card)) {
      ok = keep_value(fits, path, map, key, value, comment, &card_error);
    }
    if (!ok && card_error && card_error->code != DM_ERROR_INVALID_ARGUMENT) {
      dm_error_propagate(error, card_error);
      return false;
    }
    dm_error_clear(&card_error);
  }
  return true;
}

/* The pixels as float32.  Integer images have their BLANK pixels replaced
 * by NaN; float images are read without a null check, which in cfitsio
 * would also turn ±inf into NaN: their values pass through unchanged. */
static bool read_pixels(fitsfile *fits, const char *path, DmMap *map, DmError **error) {
  int status = 0, any_null = 0, bitpix = 0;
  float null_value = NAN;
  LONGLONG n_pixels = (LONGLONG)dm_map_plane_size(map) * map->nplanes;
  fits_get_img_type(fits, &bitpix, &status);
  if (fits_read_img(fits, TFLOAT, 1, n_pixels, bitpix < 0 ? NULL : &null_value, map->data,
                    &any_null, &status))
    return dm_fits_set_error(error, status, "Cannot read the image in", path);
  return true;
}

DmMap *dm_fits_read_image(const char *path, const char *extname, DmError **error) {
  fitsfile *fits = dm_fits_open_read(path, error);
  if (!fits) return NULL;

  int size[3] = {0, 0, 0};
  DmMap *map = NULL;
  DmWcs *wcs = NULL;
  bool ok = move_to_image(fits, path, extname, error) &&
            read_image_size(fits, path, size, error) &&
            dm_fits_read_wcs(fits, path, &wcs, error) &&
            (map = dm_map_new(size[0], size[1], size[2], wcs, error)) != NULL;
  if (ok) ok = read_pixels(fits, path, map, error);
  ok = ok && read_metadata(fits, path, map, error);
  dm_fits_close_read(fits);
  dm_wcs_free(wcs);
  if (!ok) {
    dm_map_free(map);
    return NULL;
  }
  return map;
}
