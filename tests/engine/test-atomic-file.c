/* DmAtomicFile (darkmap/atomic-file.h): the file has no name while it is
 * written, a commit gives it the target's name (new or replaced, with the
 * usual permissions), an abort leaves the target as it was, a missing
 * folder or a failing text writer is a clear error, and the temporaries that killed writers left
 * are removed by the next write to their target only when their process
 * is gone. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "darkmap/atomic-file.h"
#include "test-util.h"

/* The number of entries in folder, "." and ".." aside. */
static int count_entries(const char *folder) {
  DIR *dir = opendir(folder);
  int n = 0;
  for (struct dirent *entry; dir && (entry = readdir(dir));)
    if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) n++;
  if (dir) closedir(dir);
  return n;
}

/* The file's first bytes as a string ("" when it cannot be read). */
static const char *contents(const char *path) {
  static char text[64];
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
  text[n] = '\0';
  if (f) fclose(f);
  return text;
}

static void touch(const char *folder, const char *name) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", folder, name);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (f) fclose(f);
}

static bool exists(const char *folder, const char *name) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", folder, name);
  return access(path, F_OK) == 0;
}

/* A process id that no process has: a child that has exited and been
 * reaped. */
static pid_t dead_pid(void) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, NULL, 0);
  return pid;
}

static void test_write_commit_abort(const char *folder) {
  char path[4200];
  snprintf(path, sizeof path, "%s/map.fits", folder);
  DmError *error = NULL;

  /* A new target: nothing in the folder until the commit. */
  DmAtomicFile *file = dm_atomic_file_new(path, &error);
  CHECK_OK(file, error);
  if (!file) return;
  CHECK(strcmp(dm_atomic_file_path(file), path) == 0);
  CHECK_OK(dm_atomic_file_write(file, "first", 5, &error), error);
  CHECK(count_entries(folder) == 0);
  CHECK_OK(dm_atomic_file_commit(file, &error), error);
  CHECK(strcmp(contents(path), "first") == 0 && count_entries(folder) == 1);
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640); /* 0666 less the umask */

  /* An existing target: replaced by the commit, and nothing else left. */
  file = dm_atomic_file_new(path, &error);
  CHECK_OK(file, error);
  if (!file) return;
  CHECK_OK(dm_atomic_file_write(file, "second", 6, &error), error);
  CHECK(strcmp(contents(path), "first") == 0 && count_entries(folder) == 1);
  CHECK_OK(dm_atomic_file_commit(file, &error), error);
  CHECK(strcmp(contents(path), "second") == 0 && count_entries(folder) == 1);

  /* Aborted: the target as it was. */
  file = dm_atomic_file_new(path, &error);
  CHECK_OK(file, error);
  if (!file) return;
  CHECK_OK(dm_atomic_file_write(file, "third", 5, &error), error);
  dm_atomic_file_abort(file);
  CHECK(strcmp(contents(path), "second") == 0 && count_entries(folder) == 1);
  dm_atomic_file_abort(NULL);
  remove(path);
}

static bool print_text(FILE *f, void *data) { return fputs(data, f) >= 0; }

/* A writer that runs out of space. */
static bool fail_full(FILE *f, void *data) {
  (void)f, (void)data;
  errno = ENOSPC;
  return false;
}

/* dm_atomic_write_text: the text written, then a failing writer's reason
 * in the message and the previous text kept. */
static void test_text(const char *folder) {
  char path[4200], expected[4400];
  snprintf(path, sizeof path, "%s/table.csv", folder);
  snprintf(expected, sizeof expected, "Cannot write the table to %s: No space left on device.",
           path);
  DmError *error = NULL;
  CHECK_OK(dm_atomic_write_text(path, "the table", print_text, "a,b\n", &error), error);
  CHECK(strcmp(contents(path), "a,b\n") == 0);
  CHECK(!dm_atomic_write_text(path, "the table", fail_full, NULL, &error));
  CHECK(error && error->code == DM_ERROR_IO && strcmp(error->message, expected) == 0);
  if (error) printf("expected failure: %s\n", error->message);
  dm_error_free(error);
  CHECK(strcmp(contents(path), "a,b\n") == 0 && count_entries(folder) == 1);
  remove(path);
}

static void test_missing_folder(const char *folder) {
  char path[4200], expected[4400];
  snprintf(path, sizeof path, "%s/missing/map.fits", folder);
  snprintf(expected, sizeof expected, "Cannot write %s: No such file or directory.", path);
  DmError *error = NULL;
  CHECK(dm_atomic_file_new(path, &error) == NULL);
  CHECK(error && error->code == DM_ERROR_IO && strcmp(error->message, expected) == 0);
  if (error) printf("expected failure: %s\n", error->message);
  dm_error_free(error);
}

/* A bare name is written in the working folder. */
static void test_bare_name(const char *folder) {
  char *previous = getcwd(NULL, 0);
  DmError *error = NULL;
  CHECK(chdir(folder) == 0);
  DmAtomicFile *file = dm_atomic_file_new("bare.txt", &error);
  CHECK_OK(file, error);
  CHECK_OK(file && dm_atomic_file_write(file, "bare", 4, &error) &&
               dm_atomic_file_commit(file, &error),
           error);
  CHECK(strcmp(contents("bare.txt"), "bare") == 0);
  remove("bare.txt");
  CHECK(previous && chdir(previous) == 0);
  free(previous);
}

static void test_stale_temporaries(const char *folder) {
  char path[4200], dead[64], alive[64], other[64];
  snprintf(path, sizeof path, "%s/post.fits", folder);
  pid_t pid = dead_pid();
  snprintf(dead, sizeof dead, "post.fits.tmp-%ld-Ab12Cd", (long)pid);
  snprintf(alive, sizeof alive, "post.fits.tmp-%ld-Ef34Gh", (long)getppid());
  snprintf(other, sizeof other, "kappa.fits.tmp-%ld-Ij56Kl", (long)pid);
  touch(folder, dead);
  touch(folder, alive);
  touch(folder, other);
  touch(folder, "post.fits.tmp-Mn78Op"); /* no process named: kept */
  DmError *error = NULL;
  DmAtomicFile *file = dm_atomic_file_new(path, &error);
  CHECK_OK(file, error);
  CHECK(!exists(folder, dead));
  CHECK(exists(folder, alive) && exists(folder, other) &&
        exists(folder, "post.fits.tmp-Mn78Op"));
  dm_atomic_file_abort(file);
}

int main(void) {
  umask(027);
  const char *folder = dm_test_tmp_path("atomic");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", folder);
  CHECK(mkdir(dir, 0755) == 0);
  test_write_commit_abort(dir);
  test_text(dir);
  test_missing_folder(dir);
  test_bare_name(dir);
  test_stale_temporaries(dir);
  char command[4200];
  snprintf(command, sizeof command, "rm -rf '%s'", dir);
  CHECK(system(command) == 0);
  return dm_test_result();
}
