/* The cube of emulated maps (darkmap/cosmogan.h): mean, STD and SAMPLES
 * written as the maps come, with the TAN grid of the model and the
 * provenance. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cosmogan/cosmogan-private.h"
#include "darkmap/fits-cube-writer.h"
#include "darkmap/sha256.h"

enum { HDU_MEAN, HDU_STD, HDU_SAMPLES };

struct DmCosmoganCube {
  DmFitsCubeWriter *writer;
  DmMap *mean, *std;              /* 1 plane each, with the headers; std NULL for one map */
  double *running_mean, *squares; /* Welford: the mean so far and the sum of squared deviations */
  int n, added;
  size_t npix;
};

bool dm_cosmogan_record_provenance(DmMap *map, const DmCosmogan *m, int n,
                                   const DmCosmoganCubeOptions *o, DmError **error) {
  const DmCosmoganConfig *c = &m->config;
  char digest[65];
  bool ok =
      dm_map_set_string(map, "METHOD", "COSMOGAN", "emulated maps of a DCGAN generator", error);
  if (ok && o->model_path)
    ok = dm_sha256_file(o->model_path, digest, error) &&
         dm_map_set_string(map, "MODEL", o->model_path, "generator weights", error) &&
         dm_map_set_string(map, "MODELSHA", digest, "SHA-256 of the generator weights", error);
  return ok && dm_map_set_int(map, "SEED", (long)o->seed, "seed of the latent vectors", error) &&
         dm_map_set_int(map, "NSAMPLES", n, "emulated maps", error) &&
         dm_map_set_int(map, "ZDIM", c->z_dim, "latent size", error) &&
         dm_map_set_int(map, "GWIDTH", c->base_width, "generator base width", error) &&
         dm_map_set_int(map, "GPARAMS", (long)dm_cosmogan_generator_size(m), "generator parameters",
                        error) &&
         dm_map_set_string(map, "TRANSFRM", DM_COSMOGAN_TRANSFORM_NAME,
                           "the generator's map transform", error) &&
         dm_map_set_double(map, "TRANSFA", c->transform_a, "transform a", error) &&
         dm_map_set_double(map, "TRANSFC", c->transform_offset, "transform offset c", error) &&
         dm_map_set_double(map, "PIXSCALE", c->pixel_arcmin, "pixel side (arcmin)", error) &&
         dm_map_add_history(map,
                            "Convergence maps emulated by a CosmoGAN generator (Mustafa et al. "
                            "2019): map k from latent stream k of SEED.",
                            error);
}

/* The mean's and std's maps with their headers. */
static bool make_headers(DmCosmoganCube *cube, const DmCosmogan *m, const DmWcs *wcs,
                         const DmCosmoganCubeOptions *o, DmError **error) {
  int s = m->config.size;
  cube->mean = dm_map_new(s, s, 1, wcs, error);
  bool ok = cube->mean && dm_cosmogan_record_provenance(cube->mean, m, cube->n, o, error) &&
            dm_map_set_string(cube->mean, "BUNIT", "", "mean of the emulated kappa maps", error);
  if (ok && cube->n < 2)
    ok = dm_map_add_history(cube->mean,
                            "One map: its standard deviation is undefined, so the file has no "
                            "STD.",
                            error);
  else if (ok)
    ok = (cube->std = dm_map_new(s, s, 1, wcs, error)) &&
         dm_map_set_string(cube->std, "BUNIT", "", "std of the emulated kappa maps", error) &&
         dm_map_set_int(cube->std, "NSAMPLES", cube->n, "maps behind the std", error);
  return ok;
}

static void cube_free(DmCosmoganCube *cube) {
  dm_map_free(cube->mean);
  dm_map_free(cube->std);
  free(cube->running_mean);
  free(cube->squares);
  free(cube);
}

DmCosmoganCube *dm_cosmogan_cube_new(const char *path, const DmCosmogan *m, int n,
                                     const DmCosmoganCubeOptions *options, DmError **error) {
  if (n < 1) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "A cube of emulated maps needs maps.");
    return NULL;
  }
  DmCosmoganCube *cube = calloc(1, sizeof *cube);
  if (!cube) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
    return NULL;
  }
  cube->n = n;
  cube->npix = (size_t)m->config.size * (size_t)m->config.size;
  DmCosmoganCubeOptions o = *options;
  DmWcs *wcs = dm_cosmogan_wcs(&m->config, o.has_center ? o.center_ra : 0.0,
                               o.has_center ? o.center_dec : 0.0, error);
  bool ok = wcs && make_headers(cube, m, wcs, &o, error);
  if (ok && !((cube->running_mean = calloc(cube->npix, sizeof(double))) &&
              (cube->squares = calloc(cube->npix, sizeof(double)))))
    ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  if (ok) {
    DmFitsCubeHdu hdus[3] = {dm_fits_cube_hdu_for_map(cube->mean, NULL)};
    int count = 1;
    if (cube->std) hdus[count++] = dm_fits_cube_hdu_for_map(cube->std, "STD");
    hdus[count++] = (DmFitsCubeHdu){
        .extname = "SAMPLES", .nx = m->config.size, .ny = m->config.size, .nplanes = n, .wcs = wcs};
    ok = (cube->writer = dm_fits_cube_writer_new(path, hdus, count, error)) != NULL;
  }
  dm_wcs_free(wcs);
  if (!ok) {
    cube_free(cube);
    return NULL;
  }
  return cube;
}

bool dm_cosmogan_cube_add(DmCosmoganCube *cube, const float *maps, int count, DmError **error) {
  if (count < 0 || cube->added + count > cube->n)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "%d more maps do not fit the cube's %d (%d added).", count, cube->n,
                        cube->added);
  int samples_hdu = cube->std ? HDU_SAMPLES : HDU_STD;
  for (int k = 0; k < count; k++) {
    const float *map = maps + (size_t)k * cube->npix;
    if (!dm_fits_cube_writer_write_plane(cube->writer, samples_hdu, cube->added, map, error))
      return false;
    cube->added++;
    for (size_t i = 0; i < cube->npix; i++) {
      double delta = map[i] - cube->running_mean[i];
      cube->running_mean[i] += delta / cube->added;
      cube->squares[i] += delta * (map[i] - cube->running_mean[i]);
    }
  }
  return true;
}

bool dm_cosmogan_cube_finish(DmCosmoganCube *cube, DmError **error) {
  bool ok = cube->added == cube->n;
  if (!ok)
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "The cube holds %d of its %d maps: not written.", cube->added, cube->n);
  for (size_t i = 0; ok && i < cube->npix; i++) {
    cube->mean->data[i] = (float)cube->running_mean[i];
    if (cube->std) cube->std->data[i] = (float)sqrt(cube->squares[i] / (cube->n - 1));
  }
  ok = ok && dm_fits_cube_writer_write_map(cube->writer, HDU_MEAN, cube->mean, error) &&
       (!cube->std || dm_fits_cube_writer_write_map(cube->writer, HDU_STD, cube->std, error));
  if (ok)
    ok = dm_fits_cube_writer_finish(cube->writer, error);
  else
    dm_fits_cube_writer_abort(cube->writer);
  cube_free(cube);
  return ok;
}

void dm_cosmogan_cube_abort(DmCosmoganCube *cube) {
  if (!cube) return;
  dm_fits_cube_writer_abort(cube->writer);
  cube_free(cube);
}
