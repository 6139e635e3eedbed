/* The memory budget: needs against physical memory and free disk space
 * (darkmap/memory-budget.h). */
#include "darkmap/memory-budget.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

double dm_memory_physical_bytes(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
  return pages > 0 && page_size > 0 ? (double)pages * (double)page_size : 0.0;
}

char *dm_memory_format(double bytes, char out[DM_MEMORY_TEXT_SIZE]) {
  static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024.0) {
    snprintf(out, DM_MEMORY_TEXT_SIZE, "%.0f B", bytes);
    return out;
  }
  int unit = 0;
  bytes /= 1024.0;
  while (bytes >= 1023.95 && unit < (int)(sizeof units / sizeof *units) - 1) {
    bytes /= 1024.0;
    unit++;
  }
  snprintf(out, DM_MEMORY_TEXT_SIZE, "%.1f %s", bytes, units[unit]);
  return out;
}

/* The printf-formatted subject of a message; NULL when out of memory. */
static char *subject(const char *format, va_list args) {
  char *text = NULL;
  return vasprintf(&text, format, args) < 0 ? NULL : text;
}

bool dm_memory_check(DmError **error, double bytes, const char *what_format, ...) {
  double physical = dm_memory_physical_bytes();
  if (physical <= 0.0 || bytes <= physical) return true;
  va_list args;
  va_start(args, what_format);
  char *what = subject(what_format, args);
  va_end(args);
  char need[DM_MEMORY_TEXT_SIZE], have[DM_MEMORY_TEXT_SIZE];
  dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "%s would need %s; this machine has %s.",
               what ? what : "This operation", dm_memory_format(bytes, need),
               dm_memory_format(physical, have));
  free(what);
  return false;
}

bool dm_disk_check(DmError **error, const char *path, double bytes, const char *what_format,
                   ...) {
  const char *slash = strrchr(path, '/');
  char *named = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
  char *folder = named ? realpath(named, NULL) : NULL;
  if (folder)
    free(named);
  else
    folder = named;
  struct statvfs fs;
  bool known = folder && statvfs(folder, &fs) == 0;
  double free_bytes = known ? (double)fs.f_bavail * (double)fs.f_frsize : 0.0;
  if (!known || bytes <= free_bytes) {
    free(folder);
    return true;
  }
  va_list args;
  va_start(args, what_format);
  char *what = subject(what_format, args);
  va_end(args);
  char need[DM_MEMORY_TEXT_SIZE], have[DM_MEMORY_TEXT_SIZE];
  dm_error_set(error, DM_ERROR_IO, 0, "%s would need %s on disk; %s has %s free.",
               what ? what : "This file", dm_memory_format(bytes, need), folder,
               dm_memory_format(free_bytes, have));
  free(what);
  free(folder);
  return false;
}
