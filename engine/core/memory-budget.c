/* The memory budget: needs against physical memory and free disk space
 * (darkmap/memory-budget.h). */
#include "darkmap/memory-budget.h"

#include "darkmap/atomic-file.h"

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

/* Sets *error to "<what> would need <need><on>; <holder> has <have><kind>.",
 * what being printf-formatted from what_format and args.  Returns false. */
static bool refuse(DmError **error, DmErrorCode code, double need, const char *on,
                   const char *holder, double have, const char *kind, const char *what_format,
                   va_list args) {
  char *what = NULL;
  if (vasprintf(&what, what_format, args) < 0) what = NULL;
  char need_text[DM_MEMORY_TEXT_SIZE], have_text[DM_MEMORY_TEXT_SIZE];
  dm_error_set(error, code, 0, "%s would need %s%s; %s has %s%s.", what ? what : "This",
               dm_memory_format(need, need_text), on, holder, dm_memory_format(have, have_text),
               kind);
  free(what);
  return false;
}

bool dm_memory_check(DmError **error, double bytes, const char *what_format, ...) {
  double physical = dm_memory_physical_bytes();
  if (physical <= 0.0 || bytes <= physical) return true;
  va_list args;
  va_start(args, what_format);
  refuse(error, DM_ERROR_NO_MEMORY, bytes, "", "this machine", physical, "", what_format, args);
  va_end(args);
  return false;
}

bool dm_disk_check(DmError **error, const char *path, double bytes, const char *what_format,
                   ...) {
  char *named = dm_output_folder(path);
  char *folder = named ? realpath(named, NULL) : NULL;
  if (folder)
    free(named);
  else
    folder = named;
  struct statvfs fs;
  bool known = folder && statvfs(folder, &fs) == 0;
  double free_bytes = known ? (double)fs.f_bavail * (double)fs.f_frsize : 0.0;
  if (known && bytes > free_bytes) {
    va_list args;
    va_start(args, what_format);
    refuse(error, DM_ERROR_IO, bytes, " on disk", folder, free_bytes, " free", what_format, args);
    va_end(args);
  }
  free(folder);
  return !known || bytes <= free_bytes;
}
