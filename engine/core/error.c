/* DmError: creation, context and disposal (see darkmap/error.h). */
#include "darkmap/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* vasprintf that never returns NULL: a fixed fallback when memory is gone. */
static char *format_message(const char *format, va_list args) {
  char *text = NULL;
  if (vasprintf(&text, format, args) < 0) return NULL;
  return text;
}

/* An error that could not be allocated still has to reach the caller; this one
 * is static and recognised by dm_error_free. */
static DmError out_of_memory_error = {
  DM_ERROR_NO_MEMORY, 0, (char *)"Out of memory while reporting an error."};

bool dm_error_set(DmError **error, DmErrorCode code, int lib_code, const char *format, ...) {
  if (!error || *error) return false;
  DmError *e = malloc(sizeof *e);
  va_list args;
  va_start(args, format);
  char *message = format_message(format, args);
  va_end(args);
  if (!e || !message) {
    free(e);
    free(message);
    *error = &out_of_memory_error;
    return false;
  }
  e->code = code;
  e->lib_code = lib_code;
  e->message = message;
  *error = e;
  return false;
}

void dm_error_prefix(DmError **error, const char *format, ...) {
  if (!error || !*error || *error == &out_of_memory_error) return;
  va_list args;
  va_start(args, format);
  char *prefix = format_message(format, args);
  va_end(args);
  if (!prefix) return;
  char *joined = NULL;
  if (asprintf(&joined, "%s: %s", prefix, (*error)->message) >= 0) {
    free((*error)->message);
    (*error)->message = joined;
  }
  free(prefix);
}

void dm_error_free(DmError *error) {
  if (!error || error == &out_of_memory_error) return;
  free(error->message);
  free(error);
}

void dm_error_clear(DmError **error) {
  if (!error) return;
  dm_error_free(*error);
  *error = NULL;
}

void dm_error_propagate(DmError **dest, DmError *src) {
  if (!src) return;
  if (!dest || *dest) {
    dm_error_free(src);
    return;
  }
  *dest = src;
}

const char *dm_error_code_name(DmErrorCode code) {
  switch (code) {
    case DM_ERROR_FAILED: return "failed";
    case DM_ERROR_INVALID_ARGUMENT: return "invalid-argument";
    case DM_ERROR_NO_MEMORY: return "no-memory";
    case DM_ERROR_IO: return "io";
    case DM_ERROR_FORMAT: return "format";
    case DM_ERROR_NOT_FOUND: return "not-found";
    case DM_ERROR_NO_DATA: return "no-data";
    case DM_ERROR_CANCELLED: return "cancelled";
    case DM_ERROR_FITS: return "fits";
    case DM_ERROR_WCS: return "wcs";
    case DM_ERROR_FFT: return "fft";
    case DM_ERROR_GPU: return "gpu";
    case DM_ERROR_UNSUPPORTED: return "unsupported";
  }
  return "unknown";
}
