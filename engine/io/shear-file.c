/* The binned-shear file every reconstruction method reads (darkmap/binning.h):
 *
 *   primary  2-plane float32 cube (g1, g2) with WCS and the keywords
 *            SIGMAE1, SIGMAE2 (ellipticity std per component), NBINNED,
 *            NOUTSIDE (galaxies inside / outside the grid)
 *   COUNTS   galaxies per pixel
 *   WEIGHT   sum of weights per pixel
 *   NOISE    2 planes: noise std of g1 and g2 per pixel
 *   MASK     1 where COUNTS > 0, else 0
 *
 * Every HDU has the same nx × ny.  On reading, the four keywords also stay
 * in the shear map's metadata, where a later write updates them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/binning.h"
#include "darkmap/fits.h"

enum { EXT_COUNTS, EXT_WEIGHT, EXT_NOISE, EXT_MASK, N_EXTENSIONS };

static const char *const extension_names[N_EXTENSIONS] = {"COUNTS", "WEIGHT", "NOISE", "MASK"};
static const int extension_planes[N_EXTENSIONS] = {1, 1, 2, 1};

/* The maps of a DmBinnedShear in extension order. */
static void extension_maps(const DmBinnedShear *binned, DmMap *maps[N_EXTENSIONS]) {
  maps[EXT_COUNTS] = binned->counts;
  maps[EXT_WEIGHT] = binned->weight;
  maps[EXT_NOISE] = binned->noise;
  maps[EXT_MASK] = binned->mask;
}

static bool check_shape(const DmMap *map, const char *name, int nplanes, int nx, int ny,
                        const char *path, DmError **error) {
  if (map->nplanes == nplanes && map->nx == nx && map->ny == ny) return true;
  return dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "%s is not a Darkmap shear file: %s is %d x %d x %d, expected "
                      "%d x %d x %d",
                      path, name, map->nx, map->ny, map->nplanes, nx, ny, nplanes);
}

static DmMetaCard number_card(const char *key, DmMetaType type, double value,
                              const char *comment) {
  DmMetaCard card = {.type = type, .number = value, .comment = (char *)comment};
  snprintf(card.key, sizeof card.key, "%s", key);
  return card;
}

bool dm_binned_shear_write(const char *path, const DmBinnedShear *binned, DmError **error) {
  DmMap *maps[N_EXTENSIONS];
  if (!binned || !binned->shear || !binned->counts || !binned->weight || !binned->noise ||
      !binned->mask)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Incomplete binned shear: nothing written to %s", path);
  extension_maps(binned, maps);
  const DmMap *shear = binned->shear;
  if (!check_shape(shear, "the shear", 2, shear->nx, shear->ny, path, error)) return false;
  for (int i = 0; i < N_EXTENSIONS; i++)
    if (!check_shape(maps[i], extension_names[i], extension_planes[i], shear->nx, shear->ny,
                     path, error))
      return false;

  /* The primary borrows the shear map's pixels, WCS and cards and adds the
   * four summary keywords after them (so they win over older copies). */
  DmMetaCard *cards = malloc(((size_t)shear->n_cards + 4) * sizeof(DmMetaCard));
  if (!cards) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
  if (shear->n_cards > 0) memcpy(cards, shear->cards, (size_t)shear->n_cards * sizeof *cards);
  int n_cards = shear->n_cards;
  cards[n_cards++] = number_card("SIGMAE1", DM_META_DOUBLE, binned->sigma_e[0],
                                 "ellipticity std of component 1");
  cards[n_cards++] = number_card("SIGMAE2", DM_META_DOUBLE, binned->sigma_e[1],
                                 "ellipticity std of component 2");
  cards[n_cards++] = number_card("NBINNED", DM_META_INT, (double)binned->n_binned,
                                 "galaxies inside the grid");
  cards[n_cards++] = number_card("NOUTSIDE", DM_META_INT, (double)binned->n_outside,
                                 "galaxies outside the grid");
  DmMap primary = *shear;
  primary.cards = cards;
  primary.n_cards = n_cards;

  DmFitsImageHdu hdus[1 + N_EXTENSIONS] = {{.map = &primary, .extname = NULL}};
  for (int i = 0; i < N_EXTENSIONS; i++)
    hdus[1 + i] = (DmFitsImageHdu){.map = maps[i], .extname = extension_names[i]};
  bool ok = dm_fits_write_images(path, hdus, 1 + N_EXTENSIONS, error);
  free(cards);
  return ok;
}

/* A numeric keyword of the shear map that a shear file must have. */
static bool required_number(const DmMap *shear, const char *key, const char *path,
                            double *value, DmError **error) {
  const DmMetaCard *card = dm_map_find_card(shear, key);
  if (card && (card->type == DM_META_DOUBLE || card->type == DM_META_INT)) {
    *value = card->number;
    return true;
  }
  return dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "%s is not a Darkmap shear file: its primary HDU has no numeric %s "
                      "keyword",
                      path, key);
}

/* The same for a galaxy count: a whole number in [0, 2^53]. */
static bool required_count(const DmMap *shear, const char *key, const char *path,
                           double *value, DmError **error) {
  if (!required_number(shear, key, path, value, error)) return false;
  if (*value >= 0.0 && *value <= 9007199254740992.0 && *value == (double)(long long)*value)
    return true;
  return dm_error_set(error, DM_ERROR_FORMAT, 0, "%s: keyword %s = %g is not a galaxy count",
                      path, key, *value);
}

/* An extension of a shear file; its absence makes the file malformed. */
static DmMap *read_extension(const char *path, int index, const DmMap *shear,
                             DmError **error) {
  DmError *local = NULL;
  DmMap *map = dm_fits_read_image(path, extension_names[index], &local);
  if (!map) {
    if (local->code == DM_ERROR_NOT_FOUND) {
      dm_error_set(error, DM_ERROR_FORMAT, 0,
                   "%s is not a Darkmap shear file: it has no %s extension", path,
                   extension_names[index]);
      dm_error_free(local);
    } else {
      dm_error_propagate(error, local);
    }
    return NULL;
  }
  if (!check_shape(map, extension_names[index], extension_planes[index], shear->nx,
                   shear->ny, path, error)) {
    dm_map_free(map);
    return NULL;
  }
  return map;
}

DmBinnedShear *dm_binned_shear_read(const char *path, DmError **error) {
  DmMap *shear = dm_fits_read_image(path, NULL, error);
  if (!shear) return NULL;
  DmMap *maps[N_EXTENSIONS] = {NULL, NULL, NULL, NULL};
  double sigma_e[2] = {0.0, 0.0}, n_binned = 0.0, n_outside = 0.0;
  bool ok = check_shape(shear, "the primary HDU (g1, g2)", 2, shear->nx, shear->ny, path,
                        error) &&
            required_number(shear, "SIGMAE1", path, &sigma_e[0], error) &&
            required_number(shear, "SIGMAE2", path, &sigma_e[1], error) &&
            required_count(shear, "NBINNED", path, &n_binned, error) &&
            required_count(shear, "NOUTSIDE", path, &n_outside, error);
  for (int i = 0; ok && i < N_EXTENSIONS; i++) {
    maps[i] = read_extension(path, i, shear, error);
    ok = maps[i] != NULL;
  }

  DmBinnedShear *binned = ok ? calloc(1, sizeof *binned) : NULL;
  if (ok && !binned) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
  if (!binned) {
    dm_map_free(shear);
    for (int i = 0; i < N_EXTENSIONS; i++) dm_map_free(maps[i]);
    return NULL;
  }
  binned->shear = shear;
  binned->counts = maps[EXT_COUNTS];
  binned->weight = maps[EXT_WEIGHT];
  binned->noise = maps[EXT_NOISE];
  binned->mask = maps[EXT_MASK];
  binned->sigma_e[0] = sigma_e[0];
  binned->sigma_e[1] = sigma_e[1];
  binned->n_binned = (size_t)n_binned;
  binned->n_outside = (size_t)n_outside;
  return binned;
}
