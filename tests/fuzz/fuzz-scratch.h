/* The fuzz targets hand each input to a reader as a file: one scratch file
 * per process, rewritten for every input. */
#ifndef DARKMAP_FUZZ_SCRATCH_H
#define DARKMAP_FUZZ_SCRATCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Writes data to the process's scratch file and returns its path, or NULL
 * when it cannot be written. */
static inline const char *fuzz_scratch_file(const uint8_t *data, size_t size) {
  static char path[64] = "";
  if (!path[0]) {
    snprintf(path, sizeof path, "/tmp/darkmap-fuzz-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    close(fd);
  }
  FILE *file = fopen(path, "wb");
  if (!file) return NULL;
  size_t written = fwrite(data, 1, size, file);
  fclose(file);
  return written == size ? path : NULL;
}

#endif
