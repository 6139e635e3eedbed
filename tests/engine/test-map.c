/* DmMap: sizes refused before allocating, copies, planes and metadata. */
#include <string.h>

#include "darkmap/map.h"
#include "test-util.h"

int main(void) {
  DmError *error = NULL;

  /* Absurd sizes fail cleanly, before any allocation. */
  CHECK_FAILS(dm_map_new(0, 10, 1, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_map_new(10, -3, 1, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);
  CHECK_FAILS(dm_map_new(1000000, 1000000, 1, NULL, &error), error, DM_ERROR_NO_MEMORY);
  CHECK_FAILS(dm_map_new(30000, 30000, 1000000, NULL, &error), error, DM_ERROR_NO_MEMORY);
  CHECK_FAILS(dm_map_new(40000, 2, 1, NULL, &error), error, DM_ERROR_INVALID_ARGUMENT);

  DmMap *map = dm_map_new(5, 4, 3, NULL, &error);
  CHECK(map != NULL);
  if (!map) return dm_test_result();
  for (size_t i = 0; i < 60; i++) map->data[i] = (float)i;
  CHECK(dm_map_plane(map, 2)[0] == 40.0f);
  CHECK(dm_map_plane_size(map) == 20);

  CHECK_OK(dm_map_set_string(map, "method", "KS93", "reconstruction", &error), error);
  CHECK_OK(dm_map_set_double(map, "PIXSCALE", 0.29, NULL, &error), error);
  CHECK_OK(dm_map_set_int(map, "SEED", 42, NULL, &error), error);
  CHECK_OK(dm_map_set_bool(map, "PADDED", true, NULL, &error), error);
  CHECK_OK(dm_map_add_history(map, "binned from a catalogue", &error), error);
  CHECK_OK(dm_map_set_double(map, "pixscale", 0.4, NULL, &error), error);  /* replaces */
  CHECK(map->n_cards == 5);
  CHECK_FAILS(dm_map_set_int(map, "TOOLONGKEY", 1, NULL, &error), error,
              DM_ERROR_INVALID_ARGUMENT);

  const DmMetaCard *card = dm_map_find_card(map, "METHOD");
  CHECK(card && card->type == DM_META_STRING && strcmp(card->text, "KS93") == 0);
  card = dm_map_find_card(map, "PIXSCALE");
  CHECK(card && card->number == 0.4);

  DmMap *plane = dm_map_copy_plane(map, 1, &error);
  CHECK(plane && plane->nplanes == 1 && plane->data[3] == 23.0f && plane->n_cards == 5);
  CHECK_FAILS(dm_map_copy_plane(map, 3, &error), error, DM_ERROR_INVALID_ARGUMENT);

  DmMap *copy = dm_map_copy(map, &error);
  CHECK(copy && memcmp(copy->data, map->data, 60 * sizeof(float)) == 0);
  CHECK(copy && dm_map_find_card(copy, "SEED") && dm_map_find_card(copy, "SEED")->number == 42);

  dm_map_free(copy);
  dm_map_free(plane);
  dm_map_free(map);
  return dm_test_result();
}
