/* Checks the FITS-image fuzz targets make on the maps a reader accepted:
 * that they are well formed, and that writing them and reading them back
 * gives the same maps (fuzz-check.h: a failed check is a crash). */
#ifndef DARKMAP_FUZZ_MAPS_H
#define DARKMAP_FUZZ_MAPS_H

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "darkmap/map.h"
#include "darkmap/wcs.h"
#include "fuzz-check.h"

/* Largest WCS disagreement, in pixels, that a write and re-read may show
 * (the writer keeps 15 significant digits or more). */
#define FUZZ_WCS_TOLERANCE 1e-6

/* Requires that map has a size, pixels that can all be read, and metadata
 * cards with valid keys and the text their type needs. */
static inline void fuzz_check_map(const DmMap *map) {
  FUZZ_REQUIRE(map && map->nx >= 1 && map->ny >= 1 && map->nplanes >= 1 && map->data);
  volatile unsigned finite = 0;
  size_t n = dm_map_plane_size(map) * (size_t)map->nplanes;
  for (size_t i = 0; i < n; i++) finite += isfinite(map->data[i]);
  (void)finite;
  for (int c = 0; c < map->n_cards; c++) {
    const DmMetaCard *card = &map->cards[c];
    size_t key_length = strnlen(card->key, sizeof card->key);
    FUZZ_REQUIRE(key_length < sizeof card->key);
    FUZZ_REQUIRE(card->type == DM_META_HISTORY || key_length > 0);
    FUZZ_REQUIRE((card->type != DM_META_STRING && card->type != DM_META_HISTORY) || card->text);
  }
}

/* Whether two floats are the same value (every NaN is the same). */
static inline bool fuzz_same_float(float a, float b) {
  return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Whether written is text as the writer puts it in a header: every byte
 * outside printable ASCII becomes '?' (darkmap/fits.h). */
static inline bool fuzz_same_header_text(const char *text, const char *written) {
  for (; *text; text++, written++) {
    unsigned char c = (unsigned char)*text;
    if (*written != (c >= 32 && c < 127 ? *text : '?')) return false;
  }
  return *written == '\0';
}

/* Requires that b, a's write and re-read, has a's size, pixels (bit for bit, NaN
 * for NaN), WCS (to FUZZ_WCS_TOLERANCE) and valued metadata cards but the
 * provenance (numbers to 1e-12 relative, strings as written, each as the
 * same type or as a number). */
static inline void fuzz_require_same_map(const DmMap *a, const DmMap *b) {
  FUZZ_REQUIRE(a->nx == b->nx && a->ny == b->ny && a->nplanes == b->nplanes);
  size_t n = dm_map_plane_size(a) * (size_t)a->nplanes;
  for (size_t i = 0; i < n; i++) FUZZ_REQUIRE(fuzz_same_float(a->data[i], b->data[i]));
  FUZZ_REQUIRE((a->wcs == NULL) == (b->wcs == NULL));
  /* A WCS whose pixels have no sky position is not even equal to itself. */
  FUZZ_REQUIRE(!a->wcs || !dm_wcs_equal(a->wcs, a->wcs, a->nx, a->ny, FUZZ_WCS_TOLERANCE) ||
               dm_wcs_equal(a->wcs, b->wcs, a->nx, a->ny, FUZZ_WCS_TOLERANCE));
  for (int c = 0; c < a->n_cards; c++) {
    const DmMetaCard *x = &a->cards[c];
    /* The writer's provenance (ORIGIN, CREATOR, DATE) replaces the file's. */
    if (x->type == DM_META_HISTORY || strcmp(x->key, "ORIGIN") == 0 ||
        strcmp(x->key, "CREATOR") == 0 || strcmp(x->key, "DATE") == 0)
      continue;
    const DmMetaCard *y = dm_map_find_card(b, x->key);
    /* A writer may give a whole number as a double (the shear file's
     * SIGMAE1...): both are numbers. */
    bool numbers = y && (x->type == DM_META_INT || x->type == DM_META_DOUBLE) &&
                   (y->type == DM_META_INT || y->type == DM_META_DOUBLE);
    if (!y || (y->type != x->type && !numbers) ||
        (x->type == DM_META_STRING && !fuzz_same_header_text(x->text, y->text)))
      fprintf(stderr, "card %s: '%s' read back as '%s'\n", x->key,
              x->type == DM_META_STRING ? x->text : "", y && y->text ? y->text : "(none)");
    FUZZ_REQUIRE(y && (y->type == x->type || numbers));
    if (x->type == DM_META_STRING)
      FUZZ_REQUIRE(fuzz_same_header_text(x->text, y->text));
    else /* FITS has no infinity: an overflowing value (1E999) comes back undefined */
      FUZZ_REQUIRE((!isfinite(x->number) && isnan(y->number)) || x->number == y->number ||
                   fabs(x->number - y->number) <= 1e-12 * fabs(x->number));
  }
}

/* The same for a file's n maps (NULL where absent): each well formed and of
 * like's nx × ny; after a write and re-read, each again where it was. */
static inline void fuzz_check_maps(const DmMap *const *maps, int n, const DmMap *like) {
  for (int i = 0; i < n; i++) {
    if (!maps[i]) continue;
    fuzz_check_map(maps[i]);
    FUZZ_REQUIRE(maps[i]->nx == like->nx && maps[i]->ny == like->ny);
  }
}

static inline void fuzz_require_same_maps(const DmMap *const *maps, const DmMap *const *again,
                                          int n) {
  for (int i = 0; i < n; i++) {
    FUZZ_REQUIRE((maps[i] == NULL) == (again[i] == NULL));
    if (maps[i]) fuzz_require_same_map(maps[i], again[i]);
  }
}

/* Requires that a write or re-read of what the reader accepted succeeded;
 * else prints why before the crash. */
static inline void fuzz_require_written(bool done, DmError **error) {
  if (!done) fprintf(stderr, "write back: %s\n", *error ? (*error)->message : "no error set");
  FUZZ_REQUIRE(done);
}

#endif
