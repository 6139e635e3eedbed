/* DmError: how every engine failure is reported.
 *
 * GError semantics without GLib: functions that can fail return bool (or NULL)
 * and take `DmError **error` as their last argument.  On failure they set
 * *error (when error is not NULL) to a new DmError that the caller owns and
 * frees with dm_error_free().  Passing NULL ignores the details.  Setting an
 * error over an existing one is a programming mistake; the first is kept.
 *
 * The engine never exits or aborts: a bad file or an out-of-memory becomes a
 * DmError with the originating library's own message and code. */
#ifndef DARKMAP_ERROR_H
#define DARKMAP_ERROR_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  DM_ERROR_FAILED = 1,      /* anything not covered below */
  DM_ERROR_INVALID_ARGUMENT,/* a caller-supplied value is out of range */
  DM_ERROR_NO_MEMORY,       /* allocation failed or a size was refused */
  DM_ERROR_IO,              /* the operating system refused a read or write */
  DM_ERROR_FORMAT,          /* a file is not what it claims (truncated, not FITS...) */
  DM_ERROR_NOT_FOUND,       /* missing file, HDU or column */
  DM_ERROR_NO_DATA,         /* valid input without any usable rows or pixels */
  DM_ERROR_CANCELLED,       /* the caller asked to stop */
  DM_ERROR_FITS,            /* cfitsio failure; lib_code holds its status */
  DM_ERROR_WCS,             /* wcslib failure; lib_code holds its status */
  DM_ERROR_FFT,             /* FFTW or cuFFT failure */
  DM_ERROR_GPU,             /* CUDA runtime / library failure */
  DM_ERROR_UNSUPPORTED,     /* compiled without the needed feature */
} DmErrorCode;

typedef struct {
  DmErrorCode code;
  int lib_code;   /* the library's own status code (cfitsio, wcslib, CUDA); 0 if none */
  char *message;  /* one clear sentence, then detail; owned by the error */
} DmError;

/* Sets *error (if error is non-NULL and *error is NULL) to a new error whose
 * message is the printf-style format.  Always returns false, so that callers
 * can write `return dm_error_set(error, ...);`. */
bool dm_error_set(DmError **error, DmErrorCode code, int lib_code,
                  const char *format, ...) __attribute__((format(printf, 4, 5)));

/* Prepends "prefix: " to an existing error's message (context on the way up). */
void dm_error_prefix(DmError **error, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

void dm_error_free(DmError *error);

/* Frees *error and sets it to NULL. */
void dm_error_clear(DmError **error);

/* Moves src into *dest (dest may be NULL: src is then freed). */
void dm_error_propagate(DmError **dest, DmError *src);

/* A stable English name of a code ("format", "not-found"...), for logs. */
const char *dm_error_code_name(DmErrorCode code);

#ifdef __cplusplus
}
#endif

#endif
