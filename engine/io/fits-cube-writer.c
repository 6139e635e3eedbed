/* Streaming, atomic writes of float32 image HDUs: headers up front, pixels
 * plane by plane (darkmap/fits-cube-writer.h).  dm_fits_write_images is
 * built on it. */
#include "darkmap/fits-cube-writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/atomic-file.h"
#include "darkmap/version.h"
#include "io/fits-atomic.h"
#include "io/fits-common.h"

/* Where one HDU's planes are in the writer's table of written planes. */
typedef struct {
  int nx, ny, nplanes;
  size_t first_flag;
} HduShape;

struct DmFitsCubeWriter {
  fitsfile *fits;
  char *path;              /* the target */
  DmAtomicFile *file;      /* the file being written, until committed */
  HduShape *shapes;
  int n_hdus;
  unsigned char *written;  /* one flag per plane of every HDU */
  size_t n_planes;
};

DmFitsCubeHdu dm_fits_cube_hdu_for_map(const DmMap *map, const char *extname) {
  DmFitsCubeHdu hdu = {.extname = extname,
                       .nx = map->nx,
                       .ny = map->ny,
                       .nplanes = map->nplanes,
                       .wcs = map->wcs,
                       .cards = map->cards,
                       .n_cards = map->n_cards};
  return hdu;
}

/* ---- headers ----------------------------------------------------------- */

/* Refuses what cannot be written: no HDU, a size a DmMap would refuse, an
 * EXTNAME too long for a card, or metadata keys that FITS structure or the
 * WCS own. */
static bool check_hdus(const DmFitsCubeHdu *hdus, int n, DmError **error) {
  if (!hdus || n < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "No image to write");
  for (int i = 0; i < n; i++) {
    const DmFitsCubeHdu *hdu = &hdus[i];
    if (!dm_map_check_size(hdu->nx, hdu->ny, hdu->nplanes, error)) {
      dm_error_prefix(error, "Image %d to write", i + 1);
      return false;
    }
    if (hdu->extname && strlen(hdu->extname) > 68)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Extension name '%s' is too long for FITS", hdu->extname);
    if (hdu->n_cards > 0 && !hdu->cards)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Image %d to write has %d metadata cards but no card array", i + 1,
                          hdu->n_cards);
    for (int c = 0; c < hdu->n_cards; c++) {
      const char *key = hdu->cards[c].key;
      int status = 0;
      if (hdu->cards[c].type == DM_META_HISTORY) continue;
      fits_write_errmark();
      bool valid = fits_test_keyword(key, &status) == 0;
      fits_clear_errmark();
      if (!valid)
        return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                            "Metadata keyword '%s' is not a valid FITS keyword (A-Z, 0-9, "
                            "'-' and '_' only)",
                            key);
      if (dm_fits_key_is_reserved(key))
        return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                            "Metadata keyword %s is reserved: Darkmap writes it from the "
                            "image's size and WCS",
                            key);
    }
  }
  return true;
}

/* dm_wcs_to_header's cards, one 80-character record each. */
static bool write_wcs(fitsfile *fits, const DmWcs *wcs, int *status, DmError **error) {
  int nkeys = 0;
  char *header = dm_wcs_to_header(wcs, &nkeys, error);
  if (!header) return false;
  for (int k = 0; k < nkeys && *status == 0; k++) {
    char card[FLEN_CARD];
    memcpy(card, header + (size_t)k * 80, 80);
    card[80] = '\0';
    fits_write_record(fits, card, status);
  }
  free(header);
  return true;
}

/* One image HDU without its data: structure, EXTNAME, WCS, metadata and
 * provenance. */
static bool write_header(fitsfile *fits, const DmFitsCubeHdu *hdu, const char *path,
                         DmError **error) {
  long naxes[3] = {hdu->nx, hdu->ny, hdu->nplanes};
  int naxis = hdu->nplanes > 1 ? 3 : 2;
  int status = 0;
  char creator[FLEN_VALUE];
  snprintf(creator, sizeof creator, "Darkmap %s", dm_version());

  fits_create_img(fits, FLOAT_IMG, naxis, naxes, &status);
  if (hdu->extname && hdu->extname[0])
    fits_write_key(fits, TSTRING, "EXTNAME", (void *)hdu->extname, NULL, &status);
  if (hdu->wcs && status == 0 && !write_wcs(fits, hdu->wcs, &status, error)) {
    dm_error_prefix(error, "Cannot write the WCS of %s", path);
    return false;
  }
  for (int c = 0; c < hdu->n_cards && status == 0; c++)
    if (!dm_fits_write_meta_card(fits, &hdu->cards[c], &status))
      return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory writing %s", path);
  fits_update_key(fits, TSTRING, "ORIGIN", "Darkmap", "FITS file originator", &status);
  fits_update_key(fits, TSTRING, "CREATOR", creator, "software that wrote this file", &status);
  fits_write_date(fits, &status);
  if (status) return dm_fits_set_error(error, status, "Cannot write", path);
  return true;
}

/* ---- the temporary file ------------------------------------------------ */

/* Frees writer, discarding its file when it was not committed. */
static void free_writer(DmFitsCubeWriter *writer) {
  dm_atomic_file_abort(writer->file);
  free(writer->path);
  free(writer->shapes);
  free(writer->written);
  free(writer);
}

/* ---- the writer -------------------------------------------------------- */

DmFitsCubeWriter *dm_fits_cube_writer_new(const char *path, const DmFitsCubeHdu *hdus, int n,
                                          DmError **error) {
  if (!path || !path[0]) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "No file name to write to");
    return NULL;
  }
  if (!check_hdus(hdus, n, error)) return NULL;

  DmFitsCubeWriter *writer = calloc(1, sizeof *writer);
  if (writer) {
    writer->n_hdus = n;
    writer->shapes = calloc((size_t)n, sizeof *writer->shapes);
    for (int i = 0; writer->shapes && i < n; i++) {
      writer->shapes[i] = (HduShape){hdus[i].nx, hdus[i].ny, hdus[i].nplanes, writer->n_planes};
      writer->n_planes += (size_t)hdus[i].nplanes;
    }
    writer->written = calloc(writer->n_planes, 1);
    writer->path = strdup(path);
  }
  if (!writer || !writer->shapes || !writer->written || !writer->path) {
    if (writer) free_writer(writer);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
    return NULL;
  }
  if (!(writer->file = dm_atomic_file_new(path, error))) {
    free_writer(writer);
    return NULL;
  }

  int status = 0;
  fits_clear_errmsg();
  bool ok = true;
  if (dm_fits_create_atomic(&writer->fits, writer->file, &status)) {
    writer->fits = NULL;
    ok = dm_fits_set_error(error, status, "Cannot create", path);
  }
  for (int i = 0; ok && i < n; i++) ok = write_header(writer->fits, &hdus[i], path, error);
  if (!ok) {
    dm_fits_cube_writer_abort(writer);
    return NULL;
  }
  return writer;
}

static bool check_hdu_index(const DmFitsCubeWriter *writer, int hdu_index, DmError **error) {
  if (hdu_index >= 0 && hdu_index < writer->n_hdus) return true;
  return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "Cannot write HDU %d of %s: it has HDUs 0 to %d", hdu_index, writer->path,
                      writer->n_hdus - 1);
}

bool dm_fits_cube_writer_write_plane(DmFitsCubeWriter *writer, int hdu_index, int plane_index,
                                     const float *plane, DmError **error) {
  if (!check_hdu_index(writer, hdu_index, error)) return false;
  const HduShape *shape = &writer->shapes[hdu_index];
  if (plane_index < 0 || plane_index >= shape->nplanes)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Cannot write plane %d of HDU %d of %s: it has planes 0 to %d",
                        plane_index, hdu_index, writer->path, shape->nplanes - 1);
  if (!plane)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "No plane to write to %s",
                        writer->path);

  /* Unmarked until the write succeeds: a failed one may have left the plane
   * half overwritten. */
  unsigned char *written = &writer->written[shape->first_flag + (size_t)plane_index];
  *written = 0;
  LONGLONG first_pixel[3] = {1, 1, (LONGLONG)plane_index + 1};
  LONGLONG n_pixels = (LONGLONG)shape->nx * shape->ny;
  int status = 0;
  if (fits_movabs_hdu(writer->fits, hdu_index + 1, NULL, &status) ||
      fits_write_pixll(writer->fits, TFLOAT, first_pixel, n_pixels, (void *)plane, &status))
    return dm_fits_set_error(error, status, "Cannot write", writer->path);
  *written = 1;
  return true;
}

bool dm_fits_cube_writer_write_map(DmFitsCubeWriter *writer, int hdu_index, const DmMap *map,
                                   DmError **error) {
  if (!check_hdu_index(writer, hdu_index, error)) return false;
  const HduShape *shape = &writer->shapes[hdu_index];
  if (map->nx != shape->nx || map->ny != shape->ny || map->nplanes != shape->nplanes)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Cannot write a %d × %d × %d map to HDU %d of %s, which is "
                        "%d × %d × %d",
                        map->nx, map->ny, map->nplanes, hdu_index, writer->path, shape->nx,
                        shape->ny, shape->nplanes);
  for (int p = 0; p < map->nplanes; p++)
    if (!dm_fits_cube_writer_write_plane(writer, hdu_index, p, dm_map_plane(map, p), error))
      return false;
  return true;
}

/* The first plane never written, as HDU and plane indices; false if none. */
static bool find_unwritten(const DmFitsCubeWriter *writer, int *hdu, int *plane) {
  for (int h = 0; h < writer->n_hdus; h++)
    for (int p = 0; p < writer->shapes[h].nplanes; p++)
      if (!writer->written[writer->shapes[h].first_flag + (size_t)p]) {
        *hdu = h;
        *plane = p;
        return true;
      }
  return false;
}

bool dm_fits_cube_writer_finish(DmFitsCubeWriter *writer, DmError **error) {
  int hdu = 0, plane = 0;
  bool ok = true;
  if (find_unwritten(writer, &hdu, &plane))
    ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "Cannot finish %s: plane %d of HDU %d was never written", writer->path,
                      plane, hdu);
  int status = 0;
  if (fits_close_file(writer->fits, &status) && ok)
    ok = dm_fits_set_error(error, status, "Cannot finish writing", writer->path);
  if (ok) {
    ok = dm_atomic_file_commit(writer->file, error); /* discards the file on failure */
    writer->file = NULL;
  }
  free_writer(writer);
  return ok;
}

void dm_fits_cube_writer_abort(DmFitsCubeWriter *writer) {
  if (!writer) return;
  if (writer->fits) {
    int status = 0;
    fits_write_errmark(); /* the file is discarded: its errors do not matter */
    fits_close_file(writer->fits, &status);
    fits_clear_errmark();
  }
  free_writer(writer);
}
