/* Atomic replacement of output files (see darkmap/atomic-file.h). */
#include "darkmap/atomic-file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct DmAtomicFile {
  char *path;     /* the target, as the caller gave it */
  char *dir;      /* its directory ("." for a bare name) */
  char *base;     /* its last component, within path */
  int dir_fd;     /* dir, open */
  int fd;         /* the file being written */
  char *temp;     /* the file's name in dir, or NULL while it has none */
};

/* "/proc/self/fd/N", the name through which an unnamed file can be linked. */
typedef struct {
  char text[40];
} ProcName;

static ProcName proc_name(int fd) {
  ProcName name;
  snprintf(name.text, sizeof name.text, "/proc/self/fd/%d", fd);
  return name;
}

static bool set_io_error(DmError **error, int err, const char *format, const char *path) {
  return dm_error_set(error, DM_ERROR_IO, err, format, path, strerror(err ? err : EIO));
}

/* ---- temporary names ----------------------------------------------------- */

/* A fresh "<base>.tmp-<pid>-XXXXXX" (malloc'ed), X from a mix of the clock,
 * the process and a counter: unique enough that a retry on EEXIST is rare. */
static char *temporary_name(const char *base) {
  static atomic_uint_fast64_t counter;
  static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  uint64_t x = (uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 30) ^
               ((uint64_t)getpid() << 16) ^ (atomic_fetch_add(&counter, 1) * 0x9E3779B97F4A7C15u);
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9u;
  x ^= x >> 29;
  char suffix[7];
  for (int i = 0; i < 6; i++, x /= 62) suffix[i] = letters[x % 62];
  suffix[6] = '\0';
  size_t size = strlen(base) + 48;
  char *name = malloc(size);
  if (name) snprintf(name, size, "%s.tmp-%ld-%s", base, (long)getpid(), suffix);
  return name;
}

/* Removes from dir_fd the temporaries "<base>.tmp-<pid>-…" of processes
 * that no longer run: those a kill left behind.  A process that still runs,
 * this one included, may be writing its own. */
static void remove_stale_temporaries(int dir_fd, const char *base) {
  int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
  if (!dir) {
    if (fd >= 0) close(fd);
    return;
  }
  size_t n = strlen(base);
  for (struct dirent *entry; (entry = readdir(dir));) {
    const char *name = entry->d_name;
    if (strncmp(name, base, n) != 0 || strncmp(name + n, ".tmp-", 5) != 0) continue;
    char *end;
    long pid = strtol(name + n + 5, &end, 10);
    if (end == name + n + 5 || *end != '-' || pid <= 0 || pid == (long)getpid()) continue;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) unlinkat(dir_fd, name, 0);
  }
  closedir(dir);
}

/* Creates a new named temporary for file (the fallback where the file
 * system has no unnamed files).  Returns the descriptor, or −1 with errno. */
static int create_named(DmAtomicFile *file) {
  for (int attempt = 0; attempt < 100; attempt++) {
    free(file->temp);
    if (!(file->temp = temporary_name(file->base))) {
      errno = ENOMEM;
      return -1;
    }
    int fd = openat(file->dir_fd, file->temp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

/* ---- the file ------------------------------------------------------------ */

static void free_file(DmAtomicFile *file) {
  if (file->fd >= 0) close(file->fd);
  if (file->dir_fd >= 0) close(file->dir_fd);
  free(file->temp);
  free(file->dir);
  free(file->path);
  free(file);
}

char *dm_output_folder(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return strdup(".");
  return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* Fills path, dir and base from target; false when out of memory. */
static bool split_path(DmAtomicFile *file, const char *target) {
  file->path = strdup(target);
  file->dir = dm_output_folder(target);
  if (!file->path || !file->dir) return false;
  char *slash = strrchr(file->path, '/');
  file->base = slash ? slash + 1 : file->path;
  return true;
}

DmAtomicFile *dm_atomic_file_new(const char *path, DmError **error) {
  DmAtomicFile *file = calloc(1, sizeof *file);
  if (file) file->fd = file->dir_fd = -1;
  if (!file || !split_path(file, path)) {
    if (file) free_file(file);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
    return NULL;
  }
  file->dir_fd = open(file->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (file->dir_fd < 0) {
    set_io_error(error, errno, "Cannot write %s: %s.", path);
    free_file(file);
    return NULL;
  }
  remove_stale_temporaries(file->dir_fd, file->base);
  file->fd = openat(file->dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
  /* An unnamed file is of use only if /proc can link it. */
  if (file->fd >= 0 && access(proc_name(file->fd).text, F_OK) != 0) {
    close(file->fd);
    file->fd = -1;
    errno = EOPNOTSUPP;
  }
  if (file->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
    file->fd = create_named(file);
  if (file->fd < 0) {
    set_io_error(error, errno, "Cannot write %s: %s.", path);
    free_file(file);
    return NULL;
  }
  return file;
}

int dm_atomic_file_fd(const DmAtomicFile *file) { return file->fd; }

const char *dm_atomic_file_path(const DmAtomicFile *file) { return file->path; }

bool dm_atomic_file_write(DmAtomicFile *file, const void *data, size_t n, DmError **error) {
  const char *bytes = data;
  while (n > 0) {
    ssize_t written = write(file->fd, bytes, n);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0)
      return set_io_error(error, written < 0 ? errno : EIO, "Cannot write %s: %s.", file->path);
    bytes += written;
    n -= (size_t)written;
  }
  return true;
}

void dm_atomic_file_abort(DmAtomicFile *file) {
  if (!file) return;
  if (file->temp) unlinkat(file->dir_fd, file->temp, 0);
  free_file(file);
}

/* Gives the unnamed file a temporary name beside the target (the target
 * exists, and linkat never replaces a file).  0 or errno. */
static int link_temporary(DmAtomicFile *file) {
  for (int attempt = 0; attempt < 100; attempt++) {
    free(file->temp);
    if (!(file->temp = temporary_name(file->base))) return ENOMEM;
    if (linkat(AT_FDCWD, proc_name(file->fd).text, file->dir_fd, file->temp,
               AT_SYMLINK_FOLLOW) == 0)
      return 0;
    if (errno != EEXIST) {
      int err = errno;
      free(file->temp);
      file->temp = NULL;
      return err;
    }
  }
  free(file->temp);
  file->temp = NULL;
  return EEXIST;
}

/* Gives the flushed file the target's name: 0 or errno. */
static int replace_target(DmAtomicFile *file) {
  if (!file->temp) {
    /* An unnamed file takes the target's name at once when there is none. */
    if (linkat(AT_FDCWD, proc_name(file->fd).text, file->dir_fd, file->base,
               AT_SYMLINK_FOLLOW) == 0)
      return 0;
    int err = errno != EEXIST ? errno : link_temporary(file);
    if (err) return err;
  }
  return renameat(file->dir_fd, file->temp, file->dir_fd, file->base) == 0 ? 0 : errno;
}

bool dm_atomic_file_commit(DmAtomicFile *file, DmError **error) {
  int err = fsync(file->fd) == 0 ? 0 : errno;
  if (err) {
    set_io_error(error, err, "Cannot flush %s to disk: %s.", file->path);
    dm_atomic_file_abort(file);
    return false;
  }
  if ((err = replace_target(file))) {
    set_io_error(error, err, "Cannot replace %s: %s.", file->path);
    dm_atomic_file_abort(file);
    return false;
  }
  /* Makes the new name durable; a directory that refuses fsync (some
   * network file systems) does not fail the write, whose data are safe. */
  fsync(file->dir_fd);
  free_file(file);
  return true;
}

bool dm_atomic_write_text(const char *path, const char *what,
                          bool (*write)(FILE *f, void *data), void *data, DmError **error) {
  DmAtomicFile *file = dm_atomic_file_new(path, error);
  if (!file) return false;
  int fd = fcntl(file->fd, F_DUPFD_CLOEXEC, 0);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    int err = errno;
    if (fd >= 0) close(fd);
    dm_atomic_file_abort(file);
    return set_io_error(error, err, "Cannot write %s: %s.", path);
  }
  errno = 0;
  bool ok = write(f, data) && !ferror(f) && fflush(f) == 0;
  int err = errno;
  if (fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    dm_atomic_file_abort(file);
    return dm_error_set(error, DM_ERROR_IO, err, "Cannot write %s to %s: %s.", what, path,
                        strerror(err ? err : EIO));
  }
  return dm_atomic_file_commit(file, error);
}
