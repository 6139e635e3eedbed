/* SHA-256 digests (FIPS 180-4) of files: the provenance of a posterior names
 * the exact network weights that made it. */
#ifndef DARKMAP_SHA256_H
#define DARKMAP_SHA256_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The digest of the file's bytes as 64 lower-case hex digits and a NUL in
 * hex.  Fails with DM_ERROR_NOT_FOUND / DM_ERROR_IO and the system's
 * message. */
bool dm_sha256_file(const char *path, char hex[65], DmError **error);

/* The digest of n bytes in memory, as dm_sha256_file writes it. */
void dm_sha256_bytes(const void *data, size_t n, char hex[65]);

#ifdef __cplusplus
}
#endif

#endif
