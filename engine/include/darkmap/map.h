/* DmMap: a float32 image (one or more planes) with its WCS and metadata.
 *
 * Layout: data[(plane * ny + y) * nx + x], x the column (FITS axis 1, fastest),
 * y the row (FITS axis 2), plane the FITS axis 3.  A map owns its data, its
 * WCS (may be NULL) and its metadata.  Science data are never clipped. */
#ifndef DARKMAP_MAP_H
#define DARKMAP_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/error.h"
#include "darkmap/wcs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest side accepted (pixel indices of a plane fit in an int).  Sizes
 * are checked before anything is allocated, against this and the memory
 * budget (darkmap/memory-budget.h), so an absurd request fails cleanly. */
#define DM_MAP_MAX_SIDE 32768

typedef enum {
  DM_META_STRING,
  DM_META_DOUBLE,
  DM_META_INT,
  DM_META_BOOL,
  DM_META_HISTORY,  /* a free-text HISTORY line; key unused */
} DmMetaType;

/* One FITS-header-like card of provenance. */
typedef struct {
  char key[9];       /* FITS keyword, upper case, at most 8 characters */
  DmMetaType type;
  char *text;        /* string value or history text (owned) */
  double number;     /* double, int or bool (0/1) value */
  char *comment;     /* may be NULL (owned) */
} DmMetaCard;

typedef struct {
  int nx, ny, nplanes;
  float *data;       /* nplanes * ny * nx floats, owned */
  DmWcs *wcs;        /* owned, may be NULL */
  DmMetaCard *cards; /* owned array of n_cards */
  int n_cards;
} DmMap;

/* Checks that nx × ny × nplanes floats is a size the engine accepts:
 * positive, within the memory budget (DM_ERROR_NO_MEMORY naming the need)
 * and at most DM_MAP_MAX_SIDE per side. */
bool dm_map_check_size(int nx, int ny, int nplanes, DmError **error);

/* A zero-filled map.  wcs is copied when non-NULL. */
DmMap *dm_map_new(int nx, int ny, int nplanes, const DmWcs *wcs, DmError **error);

/* Deep copy (data, WCS, metadata). */
DmMap *dm_map_copy(const DmMap *map, DmError **error);

/* A new single-plane map holding a copy of plane k (WCS and metadata copied). */
DmMap *dm_map_copy_plane(const DmMap *map, int plane, DmError **error);

void dm_map_free(DmMap *map);

static inline float *dm_map_plane(const DmMap *map, int plane) {
  return map->data + (size_t)plane * (size_t)map->nx * (size_t)map->ny;
}

static inline size_t dm_map_plane_size(const DmMap *map) {
  return (size_t)map->nx * (size_t)map->ny;
}

/* dst = src less its mean over the npix values (the k = 0 mode of a map on
 * its grid, which no shear holds); src and dst may be the same.  Returns
 * the mean removed. */
double dm_plane_remove_mean(const float *src, float *dst, size_t npix);

/* Replaces the WCS with a copy of wcs (NULL removes it). */
bool dm_map_set_wcs(DmMap *map, const DmWcs *wcs, DmError **error);

/* Metadata: setting an existing key replaces its value; history appends. */
bool dm_map_set_string(DmMap *map, const char *key, const char *value, const char *comment,
                       DmError **error);
bool dm_map_set_double(DmMap *map, const char *key, double value, const char *comment,
                       DmError **error);
bool dm_map_set_int(DmMap *map, const char *key, long value, const char *comment,
                    DmError **error);
bool dm_map_set_bool(DmMap *map, const char *key, bool value, const char *comment,
                     DmError **error);
bool dm_map_add_history(DmMap *map, const char *text, DmError **error);

/* Copies every card of src (history included) into dest. */
bool dm_map_copy_meta(DmMap *dest, const DmMap *src, DmError **error);

/* A deep copy of n cards (an array of at least one element, even for
 * n = 0), and its release (NULL is fine). */
DmMetaCard *dm_meta_cards_copy(const DmMetaCard *cards, int n, DmError **error);
void dm_meta_cards_free(DmMetaCard *cards, int n);

/* The card with this key, or NULL. */
const DmMetaCard *dm_map_find_card(const DmMap *map, const char *key);

#ifdef __cplusplus
}
#endif

#endif
