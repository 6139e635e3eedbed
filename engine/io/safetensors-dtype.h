/* The safetensors dtypes Darkmap reads and writes: their names in the
 * header and their sizes; shared by the reader and the writer. */
#ifndef DARKMAP_IO_SAFETENSORS_DTYPE_H
#define DARKMAP_IO_SAFETENSORS_DTYPE_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/safetensors.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors data are little-endian and copied as they are: a little-endian host is needed"
#endif

/* Whether dtype is one of DmStDtype's values. */
bool dm_st_dtype_valid(DmStDtype dtype);
/* "F32", "BF16"...; dtype must be valid. */
const char *dm_st_dtype_name(DmStDtype dtype);
/* Bytes per element; dtype must be valid. */
size_t dm_st_dtype_size(DmStDtype dtype);
/* The dtype named name[0, length), or false when none is. */
bool dm_st_dtype_from_name(const char *name, size_t length, DmStDtype *dtype);

#endif
