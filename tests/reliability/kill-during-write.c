/* An LD_PRELOAD shim that kills its own process (SIGKILL) in the middle of
 * writing a file, at a point the environment chooses, so that a test can
 * check what a kill at that very point leaves on disk.
 *
 *   DARKMAP_KILL_DIR   the folder whose files are watched (absolute or
 *                      relative to the working folder); without it the shim
 *                      does nothing
 *   DARKMAP_KILL_AT    write:N  right after the N-th write() or fwrite() to a
 *                               file in that folder, named or unnamed
 *                               (O_TMPFILE), counted over the process
 *                      link     just before a linkat() into the folder
 *                      rename   just before a rename(), renameat() or
 *                               renameat2() into the folder
 *   DARKMAP_KILL_NO_TMPFILE=1   open() and openat() with O_TMPFILE fail with
 *                      EOPNOTSUPP, as on a file system without unnamed files
 *
 * Before the kill it prints "kill-during-write: SIGKILL at <point>" on
 * standard error, the marker the tests look for beside the exit status. */
/* open and open64 are both defined here: neither may be renamed to the
 * other, as the large-file setting would. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The settings, read once. */
static struct {
  char dir[PATH_MAX];  /* DARKMAP_KILL_DIR, resolved; "" when unset */
  long after_writes;   /* write:N, else 0 */
  int at_link, at_rename, no_tmpfile;
  long writes;         /* writes seen so far */
} shim;

__attribute__((constructor)) static void read_settings(void) {
  const char *dir = getenv("DARKMAP_KILL_DIR");
  const char *at = getenv("DARKMAP_KILL_AT");
  const char *no_tmpfile = getenv("DARKMAP_KILL_NO_TMPFILE");
  shim.no_tmpfile = no_tmpfile && strcmp(no_tmpfile, "1") == 0;
  if (!dir || !realpath(dir, shim.dir)) shim.dir[0] = '\0';
  if (!at) return;
  if (strncmp(at, "write:", 6) == 0) shim.after_writes = strtol(at + 6, NULL, 10);
  shim.at_link = strcmp(at, "link") == 0;
  shim.at_rename = strcmp(at, "rename") == 0;
}

/* The next definition of name (libc's, or a sanitizer's), as a function
 * pointer: ISO C converts void pointers only to data pointers. */
typedef void Function(void);
static Function *real(const char *name) {
  void *symbol = dlsym(RTLD_NEXT, name);
  Function *function;
  memcpy(&function, &symbol, sizeof function);
  return function;
}

typedef ssize_t WriteFn(int, const void *, size_t);
typedef size_t FwriteFn(const void *, size_t, size_t, FILE *);
typedef int RenameFn(const char *, const char *);
typedef int RenameatFn(int, const char *, int, const char *);
typedef int Renameat2Fn(int, const char *, int, const char *, unsigned);
typedef int LinkatFn(int, const char *, int, const char *, int);
typedef int OpenFn(const char *, int, ...);
typedef int OpenatFn(int, const char *, int, ...);

/* True when the folder of path (an absolute path) is the watched one. */
static int in_watched_dir(const char *path) {
  size_t n = strlen(shim.dir);
  return shim.dir[0] && strncmp(path, shim.dir, n) == 0 && path[n] == '/' &&
         !strchr(path + n + 1, '/');
}

/* The absolute path an open descriptor refers to (unnamed files read
 * "<folder>/#<inode> (deleted)"); "" when unknown. */
static void fd_path(int fd, char *out, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, out, size - 1);
  out[n > 0 ? n : 0] = '\0';
}

/* path as the folder dir_fd (AT_FDCWD: the working folder) resolves it,
 * with its last component unresolved. */
static void resolve_at(int dir_fd, const char *path, char *out, size_t size) {
  char dir[PATH_MAX], resolved[PATH_MAX];
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  if (slash) {
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path + (slash == path)), path);
  } else {
    snprintf(dir, sizeof dir, ".");
  }
  if (dir[0] != '/' && dir_fd != AT_FDCWD) {
    char from[PATH_MAX];
    fd_path(dir_fd, from, sizeof from);
    char joined[2 * PATH_MAX + 2];
    snprintf(joined, sizeof joined, "%s/%s", from, dir);
    if (!realpath(joined, resolved)) resolved[0] = '\0';
  } else if (!realpath(dir, resolved)) {
    resolved[0] = '\0';
  }
  snprintf(out, size, "%s/%s", resolved, base);
}

static void kill_now(const char *point) {
  char message[128];
  int n = snprintf(message, sizeof message, "kill-during-write: SIGKILL at %s\n", point);
  WriteFn *write_fn = (WriteFn *)real("write");
  if (write_fn(STDERR_FILENO, message, (size_t)n) < 0) {
    /* nothing more to tell */
  }
  kill(getpid(), SIGKILL);
}

static void count_write(int fd) {
  if (shim.after_writes <= 0 || fd < 0) return;
  char path[PATH_MAX];
  fd_path(fd, path, sizeof path);
  if (!in_watched_dir(path) || ++shim.writes != shim.after_writes) return;
  char point[48];
  snprintf(point, sizeof point, "write %ld", shim.writes);
  kill_now(point);
}

ssize_t write(int fd, const void *buffer, size_t n) {
  WriteFn *write_fn = (WriteFn *)real("write");
  ssize_t done = write_fn(fd, buffer, n);
  count_write(fd);
  return done;
}

size_t fwrite(const void *buffer, size_t size, size_t n, FILE *stream) {
  FwriteFn *fwrite_fn = (FwriteFn *)real("fwrite");
  size_t done = fwrite_fn(buffer, size, n, stream);
  count_write(fileno(stream));
  return done;
}

static void check_destination(int dir_fd, const char *path, int armed, const char *point) {
  if (!armed) return;
  char resolved[2 * PATH_MAX];
  resolve_at(dir_fd, path, resolved, sizeof resolved);
  if (in_watched_dir(resolved)) kill_now(point);
}

int rename(const char *from, const char *to) {
  check_destination(AT_FDCWD, to, shim.at_rename, "rename");
  RenameFn *rename_fn = (RenameFn *)real("rename");
  return rename_fn(from, to);
}

int renameat(int from_dir, const char *from, int to_dir, const char *to) {
  check_destination(to_dir, to, shim.at_rename, "rename");
  RenameatFn *renameat_fn = (RenameatFn *)real("renameat");
  return renameat_fn(from_dir, from, to_dir, to);
}

int renameat2(int from_dir, const char *from, int to_dir, const char *to, unsigned flags) {
  check_destination(to_dir, to, shim.at_rename, "rename");
  Renameat2Fn *renameat2_fn = (Renameat2Fn *)real("renameat2");
  return renameat2_fn(from_dir, from, to_dir, to, flags);
}

int linkat(int from_dir, const char *from, int to_dir, const char *to, int flags) {
  check_destination(to_dir, to, shim.at_link, "link");
  LinkatFn *linkat_fn = (LinkatFn *)real("linkat");
  return linkat_fn(from_dir, from, to_dir, to, flags);
}

/* O_TMPFILE refused when DARKMAP_KILL_NO_TMPFILE=1. */
static int refuse_tmpfile(int flags) {
  if (!shim.no_tmpfile || (flags & O_TMPFILE) != O_TMPFILE) return 0;
  errno = EOPNOTSUPP;
  return 1;
}

/* Whether open's flags come with a mode argument. */
static int takes_mode(int flags) { return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE; }

/* The four opens, each passing the call on under its own name. */
#define DEFINE_OPEN(name)                                                   \
  int name(const char *path, int flags, ...) {                              \
    va_list args;                                                           \
    va_start(args, flags);                                                  \
    mode_t mode = takes_mode(flags) ? va_arg(args, mode_t) : 0;             \
    va_end(args);                                                           \
    if (refuse_tmpfile(flags)) return -1;                                   \
    OpenFn *open_fn = (OpenFn *)real(#name);                                \
    return open_fn(path, flags, mode);                                      \
  }
#define DEFINE_OPENAT(name)                                                 \
  int name(int dir_fd, const char *path, int flags, ...) {                  \
    va_list args;                                                           \
    va_start(args, flags);                                                  \
    mode_t mode = takes_mode(flags) ? va_arg(args, mode_t) : 0;             \
    va_end(args);                                                           \
    if (refuse_tmpfile(flags)) return -1;                                   \
    OpenatFn *openat_fn = (OpenatFn *)real(#name);                          \
    return openat_fn(dir_fd, path, flags, mode);                            \
  }

DEFINE_OPEN(open)
DEFINE_OPEN(open64)
DEFINE_OPENAT(openat)
DEFINE_OPENAT(openat64)
