/* Sets of square maps (darkmap/map-tiles.h): simulated, or tiles of the
 * users' FITS images. */
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "darkmap/map-tiles.h"

#include "darkmap/fits.h"
#include "darkmap/sha256.h"

struct DmMapTiles {
  int count, size;
  double pixel_arcmin;
  float *data; /* count × size × size */
  char description[96];
};

void dm_map_tiles_free(DmMapTiles *maps) {
  if (!maps) return;
  free(maps->data);
  free(maps);
}

int dm_map_tiles_count(const DmMapTiles *maps) { return maps->count; }
int dm_map_tiles_size(const DmMapTiles *maps) { return maps->size; }
double dm_map_tiles_pixel_arcmin(const DmMapTiles *maps) { return maps->pixel_arcmin; }
const float *dm_map_tiles_data(const DmMapTiles *maps) { return maps->data; }
const char *dm_map_tiles_describe(const DmMapTiles *maps) { return maps->description; }

/* count maps of size², uninitialised. */
static DmMapTiles *maps_new(int count, int size, double pixel_arcmin, DmError **error) {
  DmMapTiles *maps = calloc(1, sizeof *maps);
  size_t floats = (size_t)count * (size_t)size * (size_t)size;
  if (maps) maps->data = malloc(floats * sizeof(float));
  if (!maps || !maps->data) {
    dm_map_tiles_free(maps);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %d training maps of %d × %d.",
                 count, size, size);
    return NULL;
  }
  maps->count = count;
  maps->size = size;
  maps->pixel_arcmin = pixel_arcmin;
  return maps;
}

/* ---- Simulated ------------------------------------------------------------------ */

DmMapTiles *dm_map_tiles_simulate(const DmDatasetConfig *fields, int n,
                                  const DmProgress *progress, DmError **error) {
  if (n < 1 || fields->nx != fields->ny) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "CosmoGAN trains on square maps (%d of %d × %d asked for).", n, fields->nx,
                 fields->ny);
    return NULL;
  }
  DmDataset *dataset = dm_dataset_new(fields, error);
  DmMapTiles *maps = dataset ? maps_new(n, fields->nx, fields->pixel_arcmin, error) : NULL;
  if (!maps) {
    dm_dataset_free(dataset);
    return NULL;
  }
  snprintf(maps->description, sizeof maps->description, "%d simulated maps", n);
  size_t npix = (size_t)fields->nx * (size_t)fields->nx;
  DmError *first_error = NULL;
  atomic_int done = 0, failed = 0;
#pragma omp parallel for schedule(dynamic, 1)
  for (int i = 0; i < n; i++) {
    if (atomic_load(&failed)) continue;
    if (progress && progress->cancel && atomic_load(progress->cancel)) {
      atomic_store(&failed, 1);
      continue;
    }
    DmError *item_error = NULL;
    DmDatasetTuple *tuple = dm_dataset_tuple(dataset, (uint64_t)i, &item_error);
    if (!tuple) {
#pragma omp critical(dm_map_tiles_error)
      {
        if (!first_error)
          first_error = item_error;
        else
          dm_error_free(item_error);
      }
      atomic_store(&failed, 1);
      continue;
    }
    memcpy(maps->data + (size_t)i * npix, tuple->kappa->data, npix * sizeof(float));
    dm_dataset_tuple_free(tuple);
    int count = atomic_fetch_add(&done, 1) + 1;
#pragma omp critical(dm_map_tiles_progress)
    dm_progress_report(progress, (double)count / n, "Simulating the training maps");
  }
  dm_dataset_free(dataset);
  if (atomic_load(&failed)) {
    if (first_error)
      dm_error_propagate(error, first_error);
    else
      dm_progress_check_cancel(progress, error);
    dm_map_tiles_free(maps);
    return NULL;
  }
  return maps;
}

/* ---- Read from FITS ------------------------------------------------------------------ */

static bool is_fits_name(const char *name) {
  static const char *const suffixes[] = {".fits", ".fit", ".fits.gz"};
  size_t n = strlen(name);
  for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
    size_t k = strlen(suffixes[i]);
    if (n > k && strcasecmp(name + n - k, suffixes[i]) == 0) return true;
  }
  return false;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct {
  char **paths;
  int count;
} FileList;

static void file_list_clear(FileList *list) {
  for (int i = 0; i < list->count; i++) free(list->paths[i]);
  free(list->paths);
  *list = (FileList){0};
}

/* path itself, or the FITS files of the folder path in name order. */
static bool list_files(const char *path, FileList *list, DmError **error) {
  *list = (FileList){0};
  struct stat info;
  if (stat(path, &info) != 0)
    return dm_error_set(error, DM_ERROR_NOT_FOUND, 0, "There are no training maps at %s.", path);
  if (!S_ISDIR(info.st_mode)) {
    list->paths = malloc(sizeof *list->paths);
    if (list->paths && (list->paths[0] = strdup(path))) list->count = 1;
    return list->count == 1 || dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  }
  DIR *dir = opendir(path);
  if (!dir) return dm_error_set(error, DM_ERROR_IO, 0, "Cannot read the folder %s.", path);
  int capacity = 0;
  bool ok = true;
  for (struct dirent *entry; ok && (entry = readdir(dir));) {
    if (entry->d_name[0] == '.' || !is_fits_name(entry->d_name)) continue;
    if (list->count == capacity) {
      capacity = capacity ? 2 * capacity : 16;
      char **bigger = realloc(list->paths, (size_t)capacity * sizeof *bigger);
      if (!bigger) {
        ok = false;
        break;
      }
      list->paths = bigger;
    }
    size_t n = strlen(path) + strlen(entry->d_name) + 2;
    char *full = malloc(n);
    if (!full) {
      ok = false;
      break;
    }
    snprintf(full, n, "%s/%s", path, entry->d_name);
    list->paths[list->count++] = full;
  }
  closedir(dir);
  if (!ok) {
    file_list_clear(list);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  }
  if (list->count == 0) {
    file_list_clear(list);
    return dm_error_set(error, DM_ERROR_NOT_FOUND, 0,
                        "The folder %s holds no FITS image (*.fits, *.fit, *.fits.gz).", path);
  }
  qsort(list->paths, (size_t)list->count, sizeof *list->paths, compare_names);
  return true;
}

/* The maps of one file: its SAMPLES extension when it has one (a Darkmap
 * posterior or cube of emulated maps), else its primary image. */
static DmMap *read_maps(const char *path, DmError **error) {
  DmError *missing = NULL;
  DmMap *samples = dm_fits_read_image(path, "SAMPLES", &missing);
  if (samples || (missing && missing->code != DM_ERROR_NOT_FOUND)) {
    dm_error_propagate(error, missing);
    return samples;
  }
  dm_error_free(missing);
  return dm_fits_read_image(path, NULL, error);
}

/* The pixel side of an image in arcmin from its WCS, 0 without one. */
static double pixel_of(const DmMap *image) {
  return image->wcs ? dm_wcs_pixel_scale_deg(image->wcs) * 60.0 : 0.0;
}

bool dm_map_tiles_probe(const char *path, double *pixel_arcmin, DmError **error) {
  FileList list;
  if (!list_files(path, &list, error)) return false;
  DmMap *image = read_maps(list.paths[0], error);
  file_list_clear(&list);
  if (!image) return false;
  *pixel_arcmin = pixel_of(image);
  dm_map_free(image);
  return true;
}

bool dm_map_tiles_digest(const char *path, char hex[65], DmError **error) {
  struct stat info;
  if (stat(path, &info) == 0 && !S_ISDIR(info.st_mode)) return dm_sha256_file(path, hex, error);
  FileList list;
  if (!list_files(path, &list, error)) return false;
  /* One line per file: its name in the folder, a space, its digest. */
  size_t size = 1;
  for (int i = 0; i < list.count; i++) size += strlen(list.paths[i]) + 66;
  char *text = malloc(size);
  bool ok = text != NULL;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  size_t used = 0, skip = strlen(path) + 1;
  for (int i = 0; ok && i < list.count; i++) {
    char digest[65];
    ok = dm_sha256_file(list.paths[i], digest, error);
    if (ok)
      used += (size_t)snprintf(text + used, size - used, "%s %s\n", list.paths[i] + skip, digest);
  }
  if (ok) dm_sha256_bytes(text, used, hex);
  free(text);
  file_list_clear(&list);
  return ok;
}

/* Whether the size × size tile at (x0, y0) of plane is finite throughout. */
static bool tile_finite(const DmMap *image, int plane, int x0, int y0, int size) {
  const float *data = dm_map_plane(image, plane);
  for (int y = y0; y < y0 + size; y++)
    for (int x = x0; x < x0 + size; x++)
      if (!isfinite(data[(size_t)y * (size_t)image->nx + (size_t)x])) return false;
  return true;
}

/* Appends the finite tiles of image to maps (grown as needed), up to
 * max_maps in all. */
static bool add_tiles(DmMapTiles *maps, const DmMap *image, int max_maps, int *capacity,
                      DmError **error) {
  int size = maps->size;
  size_t npix = (size_t)size * (size_t)size;
  for (int p = 0; p < image->nplanes; p++)
    for (int y0 = 0; y0 + size <= image->ny; y0 += size)
      for (int x0 = 0; x0 + size <= image->nx; x0 += size) {
        if (maps->count >= max_maps) return true;
        if (!tile_finite(image, p, x0, y0, size)) continue;
        if (maps->count == *capacity) {
          int grown = *capacity ? 2 * *capacity : 64;
          if (grown > max_maps) grown = max_maps;
          float *bigger = realloc(maps->data, (size_t)grown * npix * sizeof(float));
          if (!bigger) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
          maps->data = bigger;
          *capacity = grown;
        }
        float *tile = maps->data + (size_t)maps->count * npix;
        const float *data = dm_map_plane(image, p);
        for (int y = 0; y < size; y++)
          memcpy(tile + (size_t)y * size, data + (size_t)(y0 + y) * image->nx + x0,
                 (size_t)size * sizeof(float));
        maps->count++;
      }
  return true;
}

DmMapTiles *dm_map_tiles_read(const char *path, int size, int max_maps, double pixel_arcmin,
                              const DmProgress *progress, DmError **error) {
  if (size < 1 || max_maps < 1) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                 "Training maps need a side and a count (%d, %d).", size, max_maps);
    return NULL;
  }
  FileList list;
  if (!list_files(path, &list, error)) return NULL;
  DmMapTiles *maps = calloc(1, sizeof *maps);
  if (!maps) {
    file_list_clear(&list);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
    return NULL;
  }
  maps->size = size;
  double pixel = 0.0; /* the first file's WCS pixel; 0 until one has a WCS */
  int capacity = 0, used_files = 0;
  bool ok = true;
  for (int f = 0; ok && f < list.count && maps->count < max_maps; f++) {
    ok = dm_progress_check_cancel(progress, error);
    DmMap *image = ok ? read_maps(list.paths[f], error) : NULL;
    ok = image != NULL;
    if (ok && (image->nx < size || image->ny < size))
      ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "%s is %d × %d pixels, smaller than the %d × %d training maps.",
                        list.paths[f], image->nx, image->ny, size, size);
    double own = ok ? pixel_of(image) : 0.0;
    if (ok && own > 0.0 && pixel > 0.0 && fabs(own / pixel - 1.0) > 0.01)
      ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "%s has pixels of %.4g′, the files before it %.4g′: one set of maps has "
                        "one pixel scale.",
                        list.paths[f], own, pixel);
    if (ok && own > 0.0 && pixel == 0.0) pixel = own;
    int before = maps->count;
    ok = ok && add_tiles(maps, image, max_maps, &capacity, error);
    if (ok && maps->count > before) used_files++;
    dm_map_free(image);
    dm_progress_report(progress, (double)(f + 1) / list.count, "Reading the training maps");
  }
  if (ok && maps->count == 0)
    ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "%s holds no finite %d × %d tile to train on.", path, size, size);
  maps->pixel_arcmin = pixel > 0.0 ? pixel : pixel_arcmin;
  if (ok && !(maps->pixel_arcmin > 0.0))
    ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "The training maps of %s have no WCS: give their pixel side.", path);
  if (ok)
    snprintf(maps->description, sizeof maps->description, "%d tiles of %d file%s", maps->count,
             used_files, used_files == 1 ? "" : "s");
  file_list_clear(&list);
  if (!ok) {
    dm_map_tiles_free(maps);
    return NULL;
  }
  return maps;
}

DmMapTiles *dm_map_tiles_read_grid(const char *path, int size, int count,
                                   double pixel_arcmin, const char *purpose,
                                   const DmProgress *progress, DmError **error) {
  DmMapTiles *maps = dm_map_tiles_read(path, size, count, pixel_arcmin, progress, error);
  if (!maps) return NULL;
  bool ok = true;
  if (maps->count < count)
    ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "%s holds %d finite tile%s of %d × %d pixels; %s need %d.", path,
                      maps->count, maps->count == 1 ? "" : "s", size, size, purpose, count);
  else if (fabs(maps->pixel_arcmin / pixel_arcmin - 1.0) > 0.01)
    ok = dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                      "%s has pixels of %.4g′; %s are of %.4g′ (they must agree within 1 %%).",
                      path, maps->pixel_arcmin, purpose, pixel_arcmin);
  if (!ok) {
    dm_map_tiles_free(maps);
    return NULL;
  }
  return maps;
}
