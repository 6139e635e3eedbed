/* The memory budget (darkmap/memory-budget.h): sizes in human units, and
 * absurd sizes refused before anything is allocated, in milliseconds, with
 * a message naming what they would need, while a large but reasonable size
 * still works. */
#include <stdarg.h>
#include <string.h>

#include "darkmap/map.h"
#include "darkmap/memory-budget.h"
#include "darkmap/monotonic-clock.h"
#include "test-util.h"

/* The machine's memory as the messages write it. */
static const char *physical_text(void) {
  static char text[DM_MEMORY_TEXT_SIZE];
  return dm_memory_format(dm_memory_physical_bytes(), text);
}

/* error's message is "<subject> would need <need>; this machine has <its
 * memory>.", with the subject printf-formatted; clears error. */
static void check_refusal(DmError **error, const char *need, const char *subject, ...)
    __attribute__((format(printf, 3, 4)));
static void check_refusal(DmError **error, const char *need, const char *subject, ...) {
  char expected[1024], what[512];
  va_list args;
  va_start(args, subject);
  vsnprintf(what, sizeof what, subject, args);
  va_end(args);
  snprintf(expected, sizeof expected, "%s would need %s; this machine has %s.", what, need,
           physical_text());
  CHECK(*error != NULL && (*error)->code == DM_ERROR_NO_MEMORY);
  if (*error && strcmp((*error)->message, expected) != 0) {
    fprintf(stderr, "message:  %s\nexpected: %s\n", (*error)->message, expected);
    dm_test_failures++;
  }
  dm_error_clear(error);
}

static void check_format(void) {
  char text[DM_MEMORY_TEXT_SIZE];
  CHECK(strcmp(dm_memory_format(0.0, text), "0 B") == 0);
  CHECK(strcmp(dm_memory_format(1023.0, text), "1023 B") == 0);
  CHECK(strcmp(dm_memory_format(1536.0, text), "1.5 KiB") == 0);
  CHECK(strcmp(dm_memory_format(1048575.0, text), "1.0 MiB") == 0);
  CHECK(strcmp(dm_memory_format(23.4 * 1073741824.0, text), "23.4 GiB") == 0);
  CHECK(strcmp(dm_memory_format(4e12, text), "3.6 TiB") == 0);
  CHECK(strcmp(dm_memory_format(3.0 * 1152921504606846976.0, text), "3.0 EiB") == 0);
  CHECK(strcmp(dm_memory_format(1e22, text), "8673.6 EiB") == 0);
  printf("this machine has %s\n", physical_text());
}

static void check_budget(void) {
  DmError *error = NULL;
  double physical = dm_memory_physical_bytes();
  CHECK(physical > 0.0);
  CHECK_OK(dm_memory_check(&error, physical, "All of memory"), error);
  CHECK(!dm_memory_check(&error, 2.0 * physical, "Twice %s", "the memory"));
  char need[DM_MEMORY_TEXT_SIZE];
  check_refusal(&error, dm_memory_format(2.0 * physical, need), "Twice the memory");
  /* A product of int sizes that overflows 64 bits is still a number. */
  double huge = 2147483647.0 * 2147483647.0 * 2147483647.0 * 4.0;
  CHECK(!dm_memory_check(&error, huge, "A %d × %d × %d map", 2147483647, 2147483647,
                         2147483647));
  check_refusal(&error, dm_memory_format(huge, need), "A 2147483647 × 2147483647 × 2147483647 map");
}

static void check_maps(void) {
  DmError *error = NULL;
  double start = dm_monotonic_seconds();
  CHECK(dm_map_new(1000000, 1000000, 1, NULL, &error) == NULL);
  check_refusal(&error, "3.6 TiB", "A 1000000 × 1000000 map");
  CHECK(dm_map_new(360, 360, 1000000000, NULL, &error) == NULL);
  check_refusal(&error, "471.5 TiB", "A 360 × 360 map of 1000000000 planes");
  double seconds = dm_monotonic_seconds() - start;
  printf("absurd maps refused in %.3f ms\n", 1e3 * seconds);
  CHECK(seconds < 0.05);
  /* Large but fine: 8192² floats (256 MiB), every page touched. */
  DmMap *large = dm_map_new(8192, 8192, 1, NULL, &error);
  CHECK_OK(large != NULL, error);
  if (large) {
    for (size_t i = 0; i < dm_map_plane_size(large); i += 1024) large->data[i] = 1.0f;
    CHECK(large->data[8192 * 8191] == 1.0f);
  }
  dm_map_free(large);
}

int main(void) {
  check_format();
  check_budget();
  check_maps();
  return dm_test_result();
}
