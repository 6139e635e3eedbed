/* DmMap: allocation, copies and provenance metadata (see darkmap/map.h). */
#include "darkmap/map.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/memory-budget.h"

bool dm_map_check_size(int nx, int ny, int nplanes, DmError **error) {
  if (nx <= 0 || ny <= 0 || nplanes <= 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Invalid map size %d × %d × %d: every dimension must be positive.",
                        nx, ny, nplanes);
  double bytes = (double)nx * (double)ny * (double)nplanes * sizeof(float);
  bool fits = nplanes == 1 ? dm_memory_check(error, bytes, "A %d × %d map", nx, ny)
                           : dm_memory_check(error, bytes, "A %d × %d map of %d planes", nx,
                                             ny, nplanes);
  if (!fits) return false;
  if (nx > DM_MAP_MAX_SIDE || ny > DM_MAP_MAX_SIDE)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Map size %d × %d is too large: at most %d pixels per side.", nx, ny,
                        DM_MAP_MAX_SIDE);
  return true;
}

DmMap *dm_map_new(int nx, int ny, int nplanes, const DmWcs *wcs, DmError **error) {
  if (!dm_map_check_size(nx, ny, nplanes, error)) return NULL;
  DmMap *map = calloc(1, sizeof *map);
  size_t count = (size_t)nx * (size_t)ny * (size_t)nplanes;
  float *data = calloc(count, sizeof(float));
  if (!map || !data) {
    free(map);
    free(data);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a %d × %d × %d map.", nx, ny,
                 nplanes);
    return NULL;
  }
  map->nx = nx;
  map->ny = ny;
  map->nplanes = nplanes;
  map->data = data;
  if (wcs && !(map->wcs = dm_wcs_copy(wcs, error))) {
    dm_map_free(map);
    return NULL;
  }
  return map;
}

void dm_meta_cards_free(DmMetaCard *cards, int n) {
  for (int i = 0; cards && i < n; i++) {
    free(cards[i].text);
    free(cards[i].comment);
  }
  free(cards);
}

DmMetaCard *dm_meta_cards_copy(const DmMetaCard *cards, int n, DmError **error) {
  DmMetaCard *copy = calloc(n > 0 ? (size_t)n : 1, sizeof *copy);
  bool ok = copy != NULL;
  for (int i = 0; ok && i < n; i++) {
    copy[i] = cards[i];
    copy[i].text = cards[i].text ? strdup(cards[i].text) : NULL;
    copy[i].comment = cards[i].comment ? strdup(cards[i].comment) : NULL;
    ok = (!cards[i].text || copy[i].text) && (!cards[i].comment || copy[i].comment);
  }
  if (ok) return copy;
  dm_meta_cards_free(copy, n); /* the cards not reached are zero */
  dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory copying metadata cards.");
  return NULL;
}

void dm_map_free(DmMap *map) {
  if (!map) return;
  free(map->data);
  dm_wcs_free(map->wcs);
  dm_meta_cards_free(map->cards, map->n_cards);
  free(map);
}

double dm_plane_remove_mean(const float *src, float *dst, size_t npix) {
  double sum = 0.0;
  for (size_t i = 0; i < npix; i++) sum += src[i];
  double mean = npix ? sum / (double)npix : 0.0;
  for (size_t i = 0; i < npix; i++) dst[i] = (float)(src[i] - mean);
  return mean;
}

DmMap *dm_map_copy(const DmMap *map, DmError **error) {
  DmMap *copy = dm_map_new(map->nx, map->ny, map->nplanes, map->wcs, error);
  if (!copy) return NULL;
  memcpy(copy->data, map->data, dm_map_plane_size(map) * (size_t)map->nplanes * sizeof(float));
  if (!dm_map_copy_meta(copy, map, error)) {
    dm_map_free(copy);
    return NULL;
  }
  return copy;
}

DmMap *dm_map_copy_plane(const DmMap *map, int plane, DmError **error) {
  if (plane < 0 || plane >= map->nplanes) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Plane %d does not exist (map has %d).",
                 plane, map->nplanes);
    return NULL;
  }
  DmMap *copy = dm_map_new(map->nx, map->ny, 1, map->wcs, error);
  if (!copy) return NULL;
  memcpy(copy->data, dm_map_plane(map, plane), dm_map_plane_size(map) * sizeof(float));
  if (!dm_map_copy_meta(copy, map, error)) {
    dm_map_free(copy);
    return NULL;
  }
  return copy;
}

bool dm_map_set_wcs(DmMap *map, const DmWcs *wcs, DmError **error) {
  DmWcs *copy = NULL;
  if (wcs && !(copy = dm_wcs_copy(wcs, error))) return false;
  dm_wcs_free(map->wcs);
  map->wcs = copy;
  return true;
}

/* Appends a card or, for a keyed (non-history) card, replaces the card with
 * the same key.  text and comment are copied. */
static bool put_card(DmMap *map, const char *key, DmMetaType type, const char *text,
                     double number, const char *comment, DmError **error) {
  char upper[9] = {0};
  if (type != DM_META_HISTORY) {
    size_t len = key ? strlen(key) : 0;
    if (len == 0 || len > 8)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Metadata key '%s' must have 1 to 8 characters.", key ? key : "");
    for (size_t i = 0; i < len; i++) upper[i] = (char)toupper((unsigned char)key[i]);
  }
  char *text_copy = text ? strdup(text) : NULL;
  char *comment_copy = comment ? strdup(comment) : NULL;
  if ((text && !text_copy) || (comment && !comment_copy)) goto oom;

  DmMetaCard *card = NULL;
  if (type != DM_META_HISTORY) {
    for (int i = 0; i < map->n_cards; i++)
      if (map->cards[i].type != DM_META_HISTORY && strcmp(map->cards[i].key, upper) == 0)
        card = &map->cards[i];
  }
  if (card) {
    free(card->text);
    free(card->comment);
  } else {
    DmMetaCard *grown = realloc(map->cards, (size_t)(map->n_cards + 1) * sizeof *grown);
    if (!grown) goto oom;
    map->cards = grown;
    card = &map->cards[map->n_cards++];
  }
  memcpy(card->key, upper, sizeof upper);
  card->type = type;
  card->text = text_copy;
  card->number = number;
  card->comment = comment_copy;
  return true;

oom:
  free(text_copy);
  free(comment_copy);
  return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for map metadata.");
}

bool dm_map_set_string(DmMap *map, const char *key, const char *value, const char *comment,
                       DmError **error) {
  return put_card(map, key, DM_META_STRING, value ? value : "", 0.0, comment, error);
}

bool dm_map_set_double(DmMap *map, const char *key, double value, const char *comment,
                       DmError **error) {
  return put_card(map, key, DM_META_DOUBLE, NULL, value, comment, error);
}

bool dm_map_set_int(DmMap *map, const char *key, long value, const char *comment,
                    DmError **error) {
  return put_card(map, key, DM_META_INT, NULL, (double)value, comment, error);
}

bool dm_map_set_bool(DmMap *map, const char *key, bool value, const char *comment,
                     DmError **error) {
  return put_card(map, key, DM_META_BOOL, NULL, value ? 1.0 : 0.0, comment, error);
}

bool dm_map_add_history(DmMap *map, const char *text, DmError **error) {
  return put_card(map, NULL, DM_META_HISTORY, text ? text : "", 0.0, NULL, error);
}

bool dm_map_copy_meta(DmMap *dest, const DmMap *src, DmError **error) {
  for (int i = 0; i < src->n_cards; i++) {
    const DmMetaCard *c = &src->cards[i];
    if (!put_card(dest, c->key, c->type, c->text, c->number, c->comment, error)) return false;
  }
  return true;
}

const DmMetaCard *dm_map_find_card(const DmMap *map, const char *key) {
  for (int i = 0; i < map->n_cards; i++)
    if (map->cards[i].type != DM_META_HISTORY && strcasecmp(map->cards[i].key, key) == 0)
      return &map->cards[i];
  return NULL;
}
