/* Numbers from safetensors metadata (darkmap/safetensors.h). */
#include "darkmap/safetensors.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

bool dm_safetensors_metadata_int(const DmSafetensors *st, const char *path, const char *key,
                                 int min, int max, int *out, DmError **error) {
  const char *text = dm_safetensors_metadata(st, key);
  char *end = NULL;
  errno = 0;
  long value = text ? strtol(text, &end, 10) : 0;
  if (!text || end == text || *end || errno || value < min || value > max)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: metadata \"%s\" is %s%s%s, expected a whole number in [%d, %d].",
                        path, key, text ? "\"" : "missing", text ? text : "", text ? "\"" : "",
                        min, max);
  *out = (int)value;
  return true;
}

bool dm_safetensors_metadata_double(const DmSafetensors *st, const char *path, const char *key,
                                    double *out, DmError **error) {
  const char *text = dm_safetensors_metadata(st, key);
  char *end = NULL;
  double value = text ? strtod(text, &end) : NAN;
  if (!text || end == text || *end || !isfinite(value))
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s: metadata \"%s\" is missing or not a finite number.", path, key);
  *out = value;
  return true;
}
