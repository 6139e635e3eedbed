/* Atomic replacement of output files (see darkmap/atomic-file.h). */
#include "darkmap/atomic-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *dm_atomic_temp_name(const char *path, DmError **error) {
  size_t len = strlen(path);
  char *temp = malloc(len + sizeof ".tmp-XXXXXX");
  if (!temp) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
    return NULL;
  }
  memcpy(temp, path, len);
  memcpy(temp + len, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
  int fd = mkstemp(temp);
  if (fd < 0) {
    int saved = errno;
    free(temp);
    dm_error_set(error, DM_ERROR_IO, saved, "Cannot write %s: %s.", path, strerror(saved));
    return NULL;
  }
  /* The name is ours; writers (cfitsio among them) create the file anew. */
  close(fd);
  unlink(temp);
  return temp;
}

/* Makes the rename durable; a directory that refuses fsync (some network
 * file systems) does not fail the write, whose data are already safe. */
static void sync_parent_directory(const char *path) {
  char *dir = strdup(path);
  if (!dir) return;
  char *slash = strrchr(dir, '/');
  if (slash == dir)
    slash[1] = '\0';
  else if (slash)
    *slash = '\0';
  int fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  free(dir);
}

bool dm_atomic_commit(const char *temp, const char *path, DmError **error) {
  int fd = open(temp, O_RDWR);
  if (fd < 0 || fsync(fd) != 0) {
    int saved = errno;
    if (fd >= 0) close(fd);
    unlink(temp);
    return dm_error_set(error, DM_ERROR_IO, saved, "Cannot flush %s to disk: %s.", path,
                        strerror(saved));
  }
  close(fd);
  if (rename(temp, path) != 0) {
    int saved = errno;
    unlink(temp);
    return dm_error_set(error, DM_ERROR_IO, saved, "Cannot replace %s: %s.", path,
                        strerror(saved));
  }
  sync_parent_directory(path);
  return true;
}

bool dm_atomic_write_text(const char *path, const char *what,
                          bool (*write)(FILE *f, void *data), void *data, DmError **error) {
  char *temp = dm_atomic_temp_name(path, error);
  if (!temp) return false;
  FILE *f = fopen(temp, "wx");
  if (!f) {
    int err = errno;
    free(temp);
    return dm_error_set(error, DM_ERROR_IO, err, "Cannot write %s: %s.", path, strerror(err));
  }
  errno = 0;
  bool ok = write(f, data) && !ferror(f) && fflush(f) == 0;
  int err = errno;
  if (fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    unlink(temp);
    dm_error_set(error, DM_ERROR_IO, err, "Cannot write %s to %s: %s.", what, path,
                 strerror(err ? err : EIO));
  } else {
    ok = dm_atomic_commit(temp, path, error);
  }
  free(temp);
  return ok;
}
