/* The memory budget: what an operation sized by a user or a file would
 * need, compared with what this machine can give, before anything is
 * allocated, so that an absurd size fails at once with a sentence naming
 * the need ("A 1000000 × 1000000 map would need 3.6 TiB; this machine has
 * 23.4 GiB.") rather than swapping, being killed or failing deep inside.
 *
 * The rule: one operation may need at most the machine's physical memory,
 * sysconf(_SC_PHYS_PAGES) × sysconf(_SC_PAGESIZE).  More could only page to
 * swap or be killed; what fits is left to the operating system, and an
 * allocation that still fails is reported where it happens.  A file
 * written may need at most the space free to the user (statvfs f_bavail ×
 * f_frsize) on the filesystem of the folder that will hold it.
 *
 * Byte counts are doubles: products of int or 64-bit sizes cannot overflow
 * them, and they are exact up to 2^53 bytes (8 PiB), far beyond any
 * budget, so a need is computed in full before it is compared. */
#ifndef DARKMAP_MEMORY_BUDGET_H
#define DARKMAP_MEMORY_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The machine's physical memory in bytes (the budget); 0 when the system
 * does not say, and then every need is accepted. */
double dm_memory_physical_bytes(void);

/* bytes in binary units with one decimal: "512 B", "1.5 KiB", "23.4 GiB",
 * "3.6 TiB" (up to EiB).  Returns out. */
#define DM_MEMORY_TEXT_SIZE 24
char *dm_memory_format(double bytes, char out[DM_MEMORY_TEXT_SIZE]);

/* Accepts a need of bytes that fits the budget; otherwise
 * DM_ERROR_NO_MEMORY "<what> would need <bytes>; this machine has
 * <physical memory>.", what being printf-formatted (a subject starting
 * with a capital: "A 1000000 × 1000000 map"). */
bool dm_memory_check(DmError **error, double bytes, const char *what_format, ...)
    __attribute__((format(printf, 3, 4)));

/* Accepts a file of bytes that fits in the space free on the filesystem of
 * the folder holding path (the file need not exist yet); otherwise
 * DM_ERROR_IO "<what> would need <bytes> on disk; <folder, absolute> has
 * <free> free.".  A folder whose free space cannot be read is left to the write
 * to report. */
bool dm_disk_check(DmError **error, const char *path, double bytes, const char *what_format,
                   ...) __attribute__((format(printf, 4, 5)));

#ifdef __cplusplus
}
#endif

#endif
