/* cfitsio plumbing shared by the FITS readers and writers: error
 * conversion, opening (behind fits-header-scan.h's pre-scan), truncation
 * checks, the header handed to wcslib, keyword classes and metadata cards. */
#include "io/fits-common.h"

#include "io/fits-header-scan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static DmErrorCode code_for_status(int status, const char *path) {
  struct stat st;
  switch (status) {
  case FILE_NOT_OPENED:
    /* cfitsio says the same for a missing file and an unreadable one. */
    return (path && stat(path, &st) != 0 && errno == ENOENT) ? DM_ERROR_NOT_FOUND
                                                             : DM_ERROR_IO;
  case MEMORY_ALLOCATION:
    return DM_ERROR_NO_MEMORY;
  case KEY_NO_EXIST:
  case COL_NOT_FOUND:
  case BAD_HDU_NUM:
  case BAD_COL_NUM:
    return DM_ERROR_NOT_FOUND;
  case END_OF_FILE:
  case READ_ERROR:
  case BAD_ATABLE_FORMAT:
  case BAD_BTABLE_FORMAT:
  case BAD_DIMEN:
  case ZERO_SCALE:
  case NEG_AXIS:
    return DM_ERROR_FORMAT;
  default:
    /* 203–264: malformed headers and tables. */
    return (status >= KEY_OUT_BOUNDS && status <= BAD_HEAP_PTR) ? DM_ERROR_FORMAT
                                                                : DM_ERROR_FITS;
  }
}

bool dm_fits_set_error(DmError **error, int status, const char *what, const char *path) {
  char status_text[FLEN_STATUS] = "";
  fits_get_errstatus(status, status_text);

  /* cfitsio's pending messages, oldest first, joined on one line. */
  char details[1024] = "";
  size_t used = 0;
  char message[FLEN_ERRMSG];
  while (fits_read_errmsg(message)) {
    size_t len = strlen(message);
    while (len > 0 && message[len - 1] == ' ') message[--len] = '\0';
    if (len == 0 || used + len + 2 >= sizeof details) continue;
    if (used > 0) details[used++] = ' ';
    memcpy(details + used, message, len + 1);
    used += len;
  }

  return dm_error_set(error, code_for_status(status, path), status,
                      "%s %s: %s (cfitsio status %d)%s%s", what, path ? path : "(memory)",
                      status_text, status, used > 0 ? ". cfitsio: " : "", details);
}

fitsfile *dm_fits_open_read(const char *path, DmError **error) {
  fitsfile *fits = NULL;
  int status = 0;
  if (!dm_fits_check_raw_headers(path, error)) return NULL;
  fits_clear_errmsg();
  if (fits_open_diskfile(&fits, path, READONLY, &status)) {
    bool unreadable = code_for_status(status, path) == DM_ERROR_FORMAT;
    dm_fits_set_error(error, status,
                      unreadable ? "Not a FITS file, or a truncated one:" : "Cannot open FITS file",
                      path);
    return NULL;
  }
  return fits;
}

void dm_fits_close_read(fitsfile *fits) {
  int status = 0;
  if (fits) fits_close_file(fits, &status);
}

bool dm_fits_check_data_present(fitsfile *fits, const char *path, long long data_bytes,
                                DmError **error) {
  LONGLONG header_start, data_start, data_end;
  int status = 0, hdu = 0;
  fits_get_hdu_num(fits, &hdu);
  if (fits_get_hduaddrll(fits, &header_start, &data_start, &data_end, &status))
    return dm_fits_set_error(error, status, "Cannot locate the data of", path);

  struct stat st;
  if (stat(path, &st) != 0)
    return dm_error_set(error, DM_ERROR_IO, errno, "Cannot read %s: %s", path,
                        strerror(errno));
  long long file_size = (long long)st.st_size;
  if (data_bytes < 0 || data_start > file_size || data_bytes > file_size - data_start)
    return dm_error_set(error, DM_ERROR_FORMAT, 0,
                        "%s is truncated: HDU %d promises %lld bytes of data from byte "
                        "%lld, but the file is %lld bytes long",
                        path, hdu, data_bytes, (long long)data_start, file_size);
  return true;
}

char *dm_fits_read_string_key(fitsfile *fits, const char *key) {
  char value[FLEN_VALUE] = "";
  int status = 0;
  fits_write_errmark();
  if (fits_read_key(fits, TSTRING, key, value, NULL, &status)) value[0] = '\0';
  fits_clear_errmark();
  return strdup(value);
}

char *dm_fits_read_indexed_string_key(fitsfile *fits, const char *root, int index) {
  char key[FLEN_KEYWORD];
  int status = 0;
  fits_make_keyn(root, index, key, &status);
  return dm_fits_read_string_key(fits, key);
}

char *dm_fits_header_for_wcs(fitsfile *fits, const char *path, int *n_cards, DmError **error) {
  int status = 0, n_keys = 0;
  if (fits_get_hdrspace(fits, &n_keys, NULL, &status)) {
    dm_fits_set_error(error, status, "Cannot read the header of", path);
    return NULL;
  }
  char *header = malloc((size_t)n_keys * 80 + 1);
  if (!header) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading the header of %s", path);
    return NULL;
  }
  int kept = 0;
  for (int k = 1; k <= n_keys; k++) {
    char card[FLEN_CARD];
    if (fits_read_record(fits, k, card, &status)) {
      free(header);
      dm_fits_set_error(error, status, "Cannot read the header of", path);
      return NULL;
    }
    snprintf(header + (size_t)kept * 80, 81, "%-80.80s", card);
    kept++;
  }
  header[(size_t)kept * 80] = '\0';
  *n_cards = kept;
  return header;
}

/* Keywords that are exactly one of these names. */
static const char *const structural_keys[] = {
    "SIMPLE", "BITPIX", "NAXIS",    "EXTEND",   "XTENSION", "PCOUNT",  "GCOUNT",
    "EXTNAME", "EXTVER", "EXTLEVEL", "BSCALE",  "BZERO",    "BLANK",   "END",
    "CONTINUE", "LONGSTRN", "CHECKSUM", "DATASUM", "RADECSYS", "EPOCH",
};

/* WCS keywords, optionally followed by one alternate-description letter. */
static const char *const wcs_keys[] = {
    "WCSAXES", "WCSNAME", "LONPOLE", "LATPOLE", "RADESYS", "EQUINOX", "MJDREF",
    "MJDREFI", "MJDREFF", "DATEREF", "RESTFRQ", "RESTWAV", "SPECSYS", "VELREF",
};

/* Indexed WCS keywords: prefix, digits (with '_' between indices), then an
 * optional alternate letter: CRPIX1, PC1_2, CD2_1A, PV2_1... */
static const char *const wcs_indexed_prefixes[] = {
    "CRPIX", "CRVAL", "CDELT", "CTYPE", "CUNIT", "CROTA", "CNAME",
    "CRDER", "CSYER", "PC",    "CD",    "PV",    "PS",
};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* Nothing, or one letter: a WCS key's alternate-description suffix (in
 * either case, as the rest of the key is compared). */
static bool is_alternate_letter(const char *rest) {
  char c = rest[0];
  return c == '\0' || (((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) && rest[1] == '\0');
}

bool dm_fits_key_is_reserved(const char *key) {
  for (size_t i = 0; i < N_ELEMENTS(structural_keys); i++)
    if (strcasecmp(key, structural_keys[i]) == 0) return true;
  if (strncasecmp(key, "NAXIS", 5) == 0 && key[5] >= '0' && key[5] <= '9') return true;

  for (size_t i = 0; i < N_ELEMENTS(wcs_keys); i++) {
    size_t len = strlen(wcs_keys[i]);
    if (strncasecmp(key, wcs_keys[i], len) == 0 && is_alternate_letter(key + len))
      return true;
  }
  for (size_t i = 0; i < N_ELEMENTS(wcs_indexed_prefixes); i++) {
    size_t len = strlen(wcs_indexed_prefixes[i]);
    if (strncasecmp(key, wcs_indexed_prefixes[i], len) != 0) continue;
    const char *rest = key + len;
    if (!(*rest >= '0' && *rest <= '9')) continue;
    while ((*rest >= '0' && *rest <= '9') || *rest == '_') rest++;
    if (is_alternate_letter(rest)) return true;
  }
  return false;
}

static bool is_celestial_ctype(const char *ctype) {
  if (strlen(ctype) < 4) return false;
  if (strncmp(ctype, "RA--", 4) == 0 || strncmp(ctype, "DEC-", 4) == 0) return true;
  if (strncmp(ctype + 1, "LON", 3) == 0 || strncmp(ctype + 1, "LAT", 3) == 0) return true;
  return strncmp(ctype + 2, "LN", 2) == 0 || strncmp(ctype + 2, "LT", 2) == 0;
}

bool dm_fits_has_celestial_ctype(fitsfile *fits) {
  bool celestial = false;
  for (int axis = 1; axis <= 2 && !celestial; axis++) {
    char key[FLEN_KEYWORD], value[FLEN_VALUE];
    int status = 0;
    fits_make_keyn("CTYPE", axis, key, &status);
    fits_write_errmark();
    if (fits_read_key(fits, TSTRING, key, value, NULL, &status) == 0)
      celestial = is_celestial_ctype(value);
    fits_clear_errmark();
  }
  return celestial;
}

bool dm_fits_read_wcs(fitsfile *fits, const char *path, DmWcs **wcs, DmError **error) {
  if (!dm_fits_has_celestial_ctype(fits)) return true;
  int n_cards = 0;
  char *header = dm_fits_header_for_wcs(fits, path, &n_cards, error);
  if (!header) return false;
  *wcs = dm_wcs_new_from_header(header, n_cards, error);
  free(header);
  if (!*wcs) {
    dm_error_prefix(error, "Cannot read the WCS of %s", path);
    return false;
  }
  return true;
}

/* ---- metadata cards ------------------------------------------------------ */

/* A copy of text with every byte a FITS header cannot hold (anything but
 * printable ASCII) replaced by '?'; NULL stays NULL.  *failed is set when
 * memory runs out. */
static char *printable_copy(const char *text, bool *failed) {
  if (!text) return NULL;
  char *copy = strdup(text);
  if (!copy) {
    *failed = true;
    return NULL;
  }
  for (char *c = copy; *c; c++)
    if (*c < ' ' || *c > '~') *c = '?';
  return copy;
}

/* The shortest of 15, 16 or 17 significant digits that reads back as value
 * (cfitsio's negative 'decimals' means %G with that many digits). */
static int round_trip_digits(double value) {
  for (int digits = 15; digits < 17; digits++) {
    char text[40];
    snprintf(text, sizeof text, "%.*G", digits, value);
    if (strtod(text, NULL) == value) return -digits;
  }
  return -17;
}

bool dm_fits_write_meta_card(fitsfile *fits, const DmMetaCard *card, int *status) {
  bool failed = false;
  char *comment = printable_copy(card->comment, &failed);
  char *text = printable_copy(card->text ? card->text : "", &failed);
  if (failed) {
    free(comment);
    free(text);
    return false;
  }
  switch (card->type) {
  case DM_META_STRING:
    fits_update_key_longstr(fits, card->key, text, comment, status);
    break;
  case DM_META_DOUBLE:
    if (isfinite(card->number))
      fits_update_key_dbl(fits, card->key, card->number, round_trip_digits(card->number),
                          comment, status);
    else /* FITS has no NaN value: an undefined one */
      fits_update_key_null(fits, card->key, comment, status);
    break;
  case DM_META_INT: {
    long long value = (long long)card->number;
    fits_update_key(fits, TLONGLONG, card->key, &value, comment, status);
    break;
  }
  case DM_META_BOOL:
    fits_update_key_log(fits, card->key, card->number != 0.0, comment, status);
    break;
  case DM_META_HISTORY:
    fits_write_history(fits, text, status);
    break;
  }
  free(comment);
  free(text);
  return true;
}
