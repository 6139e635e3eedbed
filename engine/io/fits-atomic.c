/* cfitsio writing into a DmAtomicFile (see fits-atomic.h).
 *
 * cfitsio creates files only by name, and refuses a name that exists, so
 * an unnamed file is reached through a cfitsio I/O driver of Darkmap's own:
 * "darkmapfd://N" is descriptor N, written with plain read/write/lseek.
 * cfitsio keeps its own buffers and position (it seeks before every
 * transfer), so the driver needs no state beyond a duplicate descriptor,
 * which is its handle. */
#include "fits-atomic.h"

#include "io/fits-common.h"

#include <errno.h>
#include <fcntl.h>
#include <fitsio2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define DRIVER_PREFIX "darkmapfd://"

static int driver_nothing(void) { return 0; }

static int driver_set_options(int options) {
  (void)options;
  return 0;
}

static int driver_get_options(int *options) {
  *options = 0;
  return 0;
}

static int driver_get_version(int *version) {
  *version = 1;
  return 0;
}

static int driver_check_file(char *url_type, char *in_file, char *out_file) {
  (void)url_type, (void)in_file, (void)out_file;
  return 0;
}

/* Only files this module creates are written through the driver. */
static int driver_open(char *name, int mode, int *handle) {
  (void)name, (void)mode, (void)handle;
  return FILE_NOT_OPENED;
}

/* name is the descriptor's number; the handle is a duplicate of it. */
static int driver_create(char *name, int *handle) {
  char *end;
  long fd = strtol(name, &end, 10);
  if (end == name || *end != '\0' || fd < 0 || fd > 1 << 30) return FILE_NOT_CREATED;
  *handle = fcntl((int)fd, F_DUPFD_CLOEXEC, 0);
  return *handle >= 0 && lseek(*handle, 0, SEEK_SET) == 0 ? 0 : FILE_NOT_CREATED;
}

/* cfitsio takes the position to be the new end after a truncation. */
static int driver_truncate(int handle, LONGLONG size) {
  return ftruncate(handle, (off_t)size) == 0 && lseek(handle, (off_t)size, SEEK_SET) >= 0
             ? 0
             : WRITE_ERROR;
}

static int driver_close(int handle) { return close(handle) == 0 ? 0 : FILE_NOT_CLOSED; }

static int driver_remove(char *name) {
  (void)name;
  return 0;
}

static int driver_size(int handle, LONGLONG *size) {
  struct stat st;
  if (fstat(handle, &st) != 0) return SEEK_ERROR;
  *size = (LONGLONG)st.st_size;
  return 0;
}

static int driver_flush(int handle) {
  (void)handle;
  return 0;
}

static int driver_seek(int handle, LONGLONG offset) {
  return lseek(handle, (off_t)offset, SEEK_SET) >= 0 ? 0 : SEEK_ERROR;
}

static int driver_read(int handle, void *buffer, long n) {
  char *bytes = buffer;
  for (long done = 0; done < n;) {
    ssize_t got = read(handle, bytes + done, (size_t)(n - done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return done == 0 && got == 0 ? END_OF_FILE : READ_ERROR;
    done += got;
  }
  return 0;
}

static int driver_write(int handle, void *buffer, long n) {
  const char *bytes = buffer;
  for (long done = 0; done < n;) {
    ssize_t put = write(handle, bytes + done, (size_t)(n - done));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return WRITE_ERROR;
    done += put;
  }
  return 0;
}

static pthread_once_t registered = PTHREAD_ONCE_INIT;
static int register_status;

/* cfitsio's own drivers are registered first: its initialisation, when it
 * came later, would forget this one. */
static void register_driver(void) {
  register_status = fits_init_cfitsio();
  if (register_status == 0)
    register_status = fits_register_driver(
        DRIVER_PREFIX, driver_nothing, driver_nothing, driver_set_options, driver_get_options,
        driver_get_version, driver_check_file, driver_open, driver_create, driver_truncate,
        driver_close, driver_remove, driver_size, driver_flush, driver_seek, driver_read,
        driver_write);
}

int dm_fits_create_atomic(fitsfile **fits, DmAtomicFile *file, int *status) {
  if (*status > 0) return *status;
  pthread_once(&registered, register_driver);
  if (register_status) return *status = register_status;
  char name[48];
  snprintf(name, sizeof name, DRIVER_PREFIX "%d", dm_atomic_file_fd(file));
  return fits_create_file(fits, name, status);
}

bool dm_fits_finish_atomic(fitsfile *fits, DmAtomicFile *file, bool ok, int status,
                           const char *path, DmError **error) {
  if (fits) {
    int close_status = 0;
    if (fits_close_file(fits, &close_status) && ok) {
      status = close_status;
      ok = false;
    }
  }
  if (!ok) {
    if (!error || !*error) dm_fits_set_error(error, status, "Cannot write", path);
    dm_atomic_file_abort(file);
    return false;
  }
  return dm_atomic_file_commit(file, error);
}
