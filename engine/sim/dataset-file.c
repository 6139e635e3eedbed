/* Dataset files: tuples streamed to FITS cubes one at a time, and read
 * back (layout in darkmap/dataset.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fits-cube-writer.h"
#include "darkmap/fits.h"
#include "dataset-private.h"

static const char *const field_names[] = {"gaussian", "lognormal"};
static const char *const noise_names[] = {"none", "rotated", "gaussian"};

/* Provenance of the set, on the kappa cube. */
static bool describe(DmMap *cube, const DmDataset *d, uint64_t first, int count,
                     DmError **error) {
  const DmDatasetConfig *c = &d->config;
  char seed[32];
  snprintf(seed, sizeof seed, "%" PRIu64, c->seed);
  return dm_map_set_int(cube, "DSFIRST", (long)first, "index of the first tuple", error) &&
         dm_map_set_int(cube, "DSCOUNT", count, "tuples in this file", error) &&
         dm_map_set_string(cube, "DSSEED", seed, "base seed of the set", error) &&
         dm_map_set_string(cube, "FIELD", field_names[c->field], "convergence field", error) &&
         dm_map_set_double(cube, "SHIFT", c->shift, "lognormal shift lambda", error) &&
         dm_map_set_int(cube, "BOXFACT", c->box_factor, "generated on this larger box", error) &&
         dm_map_set_bool(cube, "HALOES", c->haloes, "NFW haloes added", error) &&
         dm_map_set_double(cube, "ZSOURCE", c->paint.z_source, "source redshift (haloes)",
                           error) &&
         dm_map_set_double(cube, "HALOCSIG", c->halo_options.concentration_scatter,
                           "sigma of ln c about Duffy et al. 2008", error) &&
         dm_map_set_bool(cube, "HALOELL", c->halo_options.elliptical, "elliptical haloes",
                         error) &&
         dm_map_set_string(cube, "NOISEMOD", noise_names[dm_mock_survey_noise(d->survey)],
                           "mock noise", error) &&
         dm_map_set_double(cube, "PIXSCALE", d->pixel_arcmin, "pixel side [arcmin]", error);
}

/* Tuple first + j into plane j of the kappa cube and planes 2j, 2j + 1 of
 * the shear cube. */
static bool write_tuple(DmFitsCubeWriter *writer, const DmDataset *d, uint64_t first, int j,
                        DmError **error) {
  DmDatasetTuple *t = dm_dataset_tuple(d, first + (uint64_t)j, error);
  bool ok = t && dm_fits_cube_writer_write_plane(writer, 0, j, t->kappa->data, error) &&
            dm_fits_cube_writer_write_plane(writer, 1, 2 * j, dm_map_plane(t->shear, 0), error) &&
            dm_fits_cube_writer_write_plane(writer, 1, 2 * j + 1, dm_map_plane(t->shear, 1),
                                            error);
  dm_dataset_tuple_free(t);
  return ok;
}

bool dm_dataset_write(const DmDataset *d, uint64_t first, int count, const char *path,
                      const DmProgress *progress, DmError **error) {
  if (count < 1)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "A dataset file holds at least one tuple, not %d.", count);
  /* The reader holds a whole file in memory. */
  if (!dm_map_check_size(d->nx, d->ny, 3 * count, error)) return false;
  const DmBinnedShear *survey = dm_mock_survey_template(d->survey);
  DmMap *provenance = dm_map_new(1, 1, 1, NULL, error);
  DmFitsCubeWriter *writer = NULL;
  if (provenance && describe(provenance, d, first, count, error)) {
    DmFitsCubeHdu hdus[] = {
        {NULL, d->nx, d->ny, count, d->wcs, provenance->cards, provenance->n_cards},
        {"SHEAR", d->nx, d->ny, 2 * count, d->wcs, NULL, 0},
        dm_fits_cube_hdu_for_map(survey->noise, "NOISE"),
        dm_fits_cube_hdu_for_map(survey->mask, "MASK")};
    writer = dm_fits_cube_writer_new(path, hdus, 4, error);
  }
  dm_map_free(provenance);
  if (!writer) return false;

  bool ok = dm_fits_cube_writer_write_map(writer, 2, survey->noise, error) &&
            dm_fits_cube_writer_write_map(writer, 3, survey->mask, error);
  for (int j = 0; ok && j < count; j++) {
    ok = dm_progress_check_cancel(progress, error) && write_tuple(writer, d, first, j, error);
    dm_progress_report(progress, (j + 1.0) / count, "Simulating tuples");
  }
  if (!ok) {
    dm_fits_cube_writer_abort(writer);
    return false;
  }
  return dm_fits_cube_writer_finish(writer, error);
}

struct DmDatasetFile {
  DmMap *kappa, *shear, *noise, *mask;
  uint64_t first;
  int count;
};

void dm_dataset_file_free(DmDatasetFile *file) {
  if (!file) return;
  dm_map_free(file->kappa);
  dm_map_free(file->shear);
  dm_map_free(file->noise);
  dm_map_free(file->mask);
  free(file);
}

DmDatasetFile *dm_dataset_file_read(const char *path, DmError **error) {
  DmDatasetFile *f = calloc(1, sizeof *f);
  if (!f) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a dataset file.");
    return NULL;
  }
  bool ok = (f->kappa = dm_fits_read_image(path, NULL, error)) &&
            (f->shear = dm_fits_read_image(path, "SHEAR", error)) &&
            (f->noise = dm_fits_read_image(path, "NOISE", error)) &&
            (f->mask = dm_fits_read_image(path, "MASK", error));
  const DmMetaCard *first = ok ? dm_map_find_card(f->kappa, "DSFIRST") : NULL;
  const DmMetaCard *count = ok ? dm_map_find_card(f->kappa, "DSCOUNT") : NULL;
  if (ok && (!first || !count))
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "%s is not a dataset file: its primary header has no DSFIRST/DSCOUNT.",
                      path);
  /* A tuple index: a whole number that a double holds exactly. */
  if (ok && !(first->number >= 0.0 && first->number <= 9007199254740992.0 &&
              first->number == floor(first->number)))
    ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "%s: DSFIRST = %g is not a tuple index (a whole number from 0 to 2^53).",
                      path, first->number);
  if (ok) {
    f->first = (uint64_t)first->number;
    f->count = f->kappa->nplanes;
    int nx = f->kappa->nx, ny = f->kappa->ny;
    if (count->number != (double)f->count ||
        f->shear->nplanes != 2 * f->count || f->noise->nplanes != 2 || f->mask->nplanes != 1 ||
        f->shear->nx != nx || f->noise->nx != nx || f->mask->nx != nx || f->shear->ny != ny ||
        f->noise->ny != ny || f->mask->ny != ny)
      ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: the KAPPA, SHEAR, NOISE and MASK images do not fit together "
                        "(%d kappa planes, %d shear planes).",
                        path, f->count, f->shear->nplanes);
  }
  if (!ok) {
    dm_dataset_file_free(f);
    return NULL;
  }
  return f;
}

void dm_dataset_file_range(const DmDatasetFile *file, uint64_t *first, int *count) {
  *first = file->first;
  *count = file->count;
}

/* A copy of `n` planes of src from plane `plane`, with src's WCS. */
static DmMap *planes_copy(const DmMap *src, int plane, int n, DmError **error) {
  DmMap *map = dm_map_new(src->nx, src->ny, n, src->wcs, error);
  if (map)
    memcpy(map->data, dm_map_plane(src, plane), (size_t)n * dm_map_plane_size(src) * sizeof(float));
  return map;
}

DmDatasetTuple *dm_dataset_file_tuple(const DmDatasetFile *f, uint64_t index, DmError **error) {
  if (index < f->first || index - f->first >= (uint64_t)f->count) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Tuple %" PRIu64 " is not in this file (it holds %" PRIu64 " to %" PRIu64 ").",
                 index, f->first, f->first + (uint64_t)f->count - 1);
    return NULL;
  }
  int j = (int)(index - f->first);
  DmDatasetTuple *t = calloc(1, sizeof *t);
  if (!t) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a tuple.");
    return NULL;
  }
  t->n_haloes = -1;
  if (!(t->kappa = planes_copy(f->kappa, j, 1, error)) ||
      !(t->shear = planes_copy(f->shear, 2 * j, 2, error)) ||
      !(t->noise = planes_copy(f->noise, 0, 2, error)) ||
      !(t->mask = planes_copy(f->mask, 0, 1, error))) {
    dm_dataset_tuple_free(t);
    return NULL;
  }
  return t;
}
