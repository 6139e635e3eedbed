/* Atomic replacement of output files.
 *
 * A writer writes its output into a DmAtomicFile and dm_atomic_file_commit
 * flushes it to disk and gives it the target's name in one step: a failure
 * at any point, or the process killed (SIGKILL, power loss) while writing,
 * leaves no partial file and never destroys an existing target.
 *
 * While it is written the file has no name (Linux's O_TMPFILE in the
 * target's directory), so a killed writer leaves nothing behind.  Where the
 * file system has no unnamed files, and for the microseconds between naming
 * the finished file and renaming it over an existing target, the file is
 * named "<path>.tmp-<pid>-XXXXXX"; every later write to path removes such
 * names left by processes that no longer run. */
#ifndef DARKMAP_ATOMIC_FILE_H
#define DARKMAP_ATOMIC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "darkmap/error.h"

/* The folder that holds path (malloc'ed): "." for a bare name, "/" for a
 * file at the root; NULL when out of memory. */
char *dm_output_folder(const char *path);

/* An output file being written, to replace path when committed. */
typedef struct DmAtomicFile DmAtomicFile;

/* Starts writing a file that will replace path (empty, opened read-write,
 * at offset 0).  Fails with DM_ERROR_IO when path's directory does not
 * exist or is not writable. */
DmAtomicFile *dm_atomic_file_new(const char *path, DmError **error);

/* The file's descriptor, for writers that write through it themselves
 * (owned by file: never close it). */
int dm_atomic_file_fd(const DmAtomicFile *file);

/* The target path the file was made for (owned by file). */
const char *dm_atomic_file_path(const DmAtomicFile *file);

/* Appends n bytes at the descriptor's offset.  A failure is DM_ERROR_IO
 * "Cannot write <path>: <reason>." */
bool dm_atomic_file_write(DmAtomicFile *file, const void *data, size_t n, DmError **error);

/* Flushes the file to disk and renames it to its target, then frees file.
 * On failure the file is discarded and the target is untouched. */
bool dm_atomic_file_commit(DmAtomicFile *file, DmError **error);

/* Discards the file and frees it; the target is untouched.  NULL is
 * ignored. */
void dm_atomic_file_abort(DmAtomicFile *file);

/* Writes a text file atomically: write(f, data) prints it into the
 * temporary file (returning false on a failure of its own) and the file
 * replaces path only when every write, flush and close succeeded.  what
 * names the content in the message ("the power spectrum"); on failure the
 * error is DM_ERROR_IO with the system's reason, and path is untouched. */
bool dm_atomic_write_text(const char *path, const char *what,
                          bool (*write)(FILE *f, void *data), void *data, DmError **error);

#endif
