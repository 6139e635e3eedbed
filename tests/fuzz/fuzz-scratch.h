/* The fuzz targets hand each input to a reader as a file: one scratch file
 * per process, rewritten for every input; the targets that write back what
 * the reader accepted use a second one.  Both live in /dev/shm (memory,
 * where the writers' fsync costs nothing) and are removed when the process
 * exits normally. */
#ifndef DARKMAP_FUZZ_SCRATCH_H
#define DARKMAP_FUZZ_SCRATCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_scratch_path_[64] = "";
static char fuzz_rewrite_path_[64] = "";

static inline void fuzz_scratch_remove(void) {
  if (fuzz_scratch_path_[0]) unlink(fuzz_scratch_path_);
  if (fuzz_rewrite_path_[0]) unlink(fuzz_rewrite_path_);
}

/* Writes data to the process's scratch file and returns its path, or NULL
 * when it cannot be written. */
static inline const char *fuzz_scratch_file(const uint8_t *data, size_t size) {
  if (!fuzz_scratch_path_[0]) {
    snprintf(fuzz_scratch_path_, sizeof fuzz_scratch_path_, "/dev/shm/darkmap-fuzz-XXXXXX");
    int fd = mkstemp(fuzz_scratch_path_);
    if (fd < 0) {
      fuzz_scratch_path_[0] = '\0';
      return NULL;
    }
    close(fd);
    atexit(fuzz_scratch_remove);
  }
  FILE *file = fopen(fuzz_scratch_path_, "wb");
  if (!file) return NULL;
  size_t written = fwrite(data, 1, size, file);
  fclose(file);
  return written == size ? fuzz_scratch_path_ : NULL;
}

/* The path a target writes an accepted input back to (the writers replace
 * it atomically, so it is only named here). */
static inline const char *fuzz_rewrite_path(void) {
  if (!fuzz_rewrite_path_[0]) {
    snprintf(fuzz_rewrite_path_, sizeof fuzz_rewrite_path_,
             "/dev/shm/darkmap-fuzz-rewrite-%d.fits", (int)getpid());
    atexit(fuzz_scratch_remove);
  }
  return fuzz_rewrite_path_;
}

#endif
