/* safetensors dtype names and sizes (io/safetensors-dtype.h). */
#include "io/safetensors-dtype.h"

#include <string.h>

static const struct {
  const char *name;
  size_t size;
} dtypes[] = {
    [DM_ST_F32] = {"F32", 4}, [DM_ST_F16] = {"F16", 2}, [DM_ST_BF16] = {"BF16", 2},
    [DM_ST_F64] = {"F64", 8}, [DM_ST_I64] = {"I64", 8}, [DM_ST_I32] = {"I32", 4},
    [DM_ST_U8] = {"U8", 1},
};

bool dm_st_dtype_valid(DmStDtype dtype) {
  return (unsigned)dtype < sizeof dtypes / sizeof dtypes[0];
}

const char *dm_st_dtype_name(DmStDtype dtype) { return dtypes[dtype].name; }

size_t dm_st_dtype_size(DmStDtype dtype) { return dtypes[dtype].size; }

bool dm_st_dtype_from_name(const char *name, size_t length, DmStDtype *dtype) {
  for (unsigned i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
    if (strlen(dtypes[i].name) == length && memcmp(dtypes[i].name, name, length) == 0) {
      *dtype = (DmStDtype)i;
      return true;
    }
  return false;
}
