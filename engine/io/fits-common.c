/* cfitsio plumbing shared by the FITS readers and writers: error
 * conversion, opening (behind a pre-scan of the raw headers), truncation
 * checks, the header handed to wcslib and keyword classes. */
#include "io/fits-common.h"

#include <errno.h>
#include <limits.h>
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

/* ---- header pre-scan ------------------------------------------------- */

enum { BLOCK = 2880, CARD = 80 };

/* What the structural cards of one header say about its data size. */
typedef struct {
  long long bitpix, naxis, naxes[1000], pcount, gcount;
  bool groups;
} DataLayout;

/* Notes BITPIX, NAXIS, NAXISn, PCOUNT, GCOUNT and GROUPS from one raw card
 * (80 bytes, not NUL-terminated). */
static void read_layout_card(const char *card, DataLayout *layout) {
  char key[9], value[CARD - 9];
  if (card[8] != '=') return;
  memcpy(key, card, 8);
  key[8] = '\0';
  for (int i = 7; i >= 0 && key[i] == ' '; i--) key[i] = '\0';
  memcpy(value, card + 10, CARD - 10);
  value[CARD - 10] = '\0';

  const char *text = value + strspn(value, " ");
  if (strcmp(key, "GROUPS") == 0) {
    layout->groups = text[0] == 'T';
    return;
  }
  char *end = NULL;
  errno = 0;
  long long number = strtoll(text, &end, 10);
  if (end == text || errno != 0) return;
  if (strcmp(key, "BITPIX") == 0) {
    layout->bitpix = number;
  } else if (strcmp(key, "NAXIS") == 0) {
    layout->naxis = number;
  } else if (strcmp(key, "PCOUNT") == 0) {
    layout->pcount = number;
  } else if (strcmp(key, "GCOUNT") == 0) {
    layout->gcount = number;
  } else if (strncmp(key, "NAXIS", 5) == 0 && key[5] >= '1' && key[5] <= '9') {
    long axis = strtol(key + 5, &end, 10);
    if (*end == '\0' && axis <= 999) layout->naxes[axis] = number;
  }
}

/* Bytes of data after the header (padded to whole blocks) by the FITS
 * standard's formula, or -1 when the header's numbers are not sensible.
 * A header of NAXIS = 0 has no data whatever its other numbers say (cfitsio
 * goes on to the next header then, so the scan must too). */
static long long padded_data_bytes(const DataLayout *layout) {
  if (layout->naxis == 0) return 0;
  long long bits = layout->bitpix < 0 ? -layout->bitpix : layout->bitpix;
  if ((bits != 8 && bits != 16 && bits != 32 && bits != 64) || layout->naxis < 0 ||
      layout->naxis > 999 || layout->gcount < 0 || layout->pcount < 0)
    return -1;
  long long count = 1;
  int first = (layout->groups && layout->naxes[1] == 0) ? 2 : 1; /* random groups */
  for (long long i = first; i <= layout->naxis; i++) {
    long long n = layout->naxes[i];
    if (n < 0 || (n > 0 && count > LLONG_MAX / 64 / n)) return -1;
    count *= n;
  }
  if (count > LLONG_MAX / 64 - layout->pcount) return -1;
  count += layout->pcount;
  if (layout->gcount > 1 && count > LLONG_MAX / 64 / layout->gcount) return -1;
  long long bytes = bits / 8 * (layout->gcount > 0 ? layout->gcount : 1) * count;
  return (bytes + BLOCK - 1) / BLOCK * BLOCK;
}

/* Whether card is a column name (TTYPEn) whose value is not a quoted
 * string and longer than a quoted one can be (68 characters).  cfitsio 4.2
 * copies a column name into a buffer of 70 bytes unchecked (ffgtbp), so
 * such a card (say 70 dashes) overflows it and aborts the process. */
static bool is_overlong_column_name(const char *card) {
  if (strncmp(card, "TTYPE", 5) != 0 || card[8] != '=') return false;
  int i = 5;
  while (i < 8 && card[i] >= '0' && card[i] <= '9') i++;
  if (i == 5 || (i < 8 && card[i] != ' ')) return false;
  int start = 9, end = CARD;
  while (start < CARD && card[start] == ' ') start++;
  if (start == CARD || card[start] == '\'') return false;
  for (int k = start; k < CARD; k++)
    if (card[k] == '/') {
      end = k;
      break;
    }
  while (end > start && card[end - 1] == ' ') end--;
  return end - start > 68;
}

/* Scans one header from the file's current position, block by block, up to
 * its END card.  False with *error set at a control character; *layout
 * receives the structural numbers, *complete whether END was reached. */
static bool scan_header(FILE *file, const char *path, int hdu, DataLayout *layout,
                        bool *complete, DmError **error) {
  char block[BLOCK];
  const char *first_key = hdu == 1 ? "SIMPLE  =" : "XTENSION=";
  *complete = false;
  for (int n_blocks = 0; !*complete && fread(block, 1, BLOCK, file) == BLOCK; n_blocks++) {
    if (n_blocks == 0 && strncmp(block, first_key, 9) != 0) return true; /* cfitsio's call */
    for (int c = 0; c < BLOCK / CARD && !*complete; c++) {
      const char *card = block + c * CARD;
      for (int i = 0; i < CARD; i++)
        if ((unsigned char)card[i] < 0x20 || card[i] == 0x7F)
          return dm_error_set(error, DM_ERROR_FORMAT, 0,
                              "%s is not a valid FITS file: card %d of the header of HDU %d "
                              "holds a control character (byte %d)",
                              path, n_blocks * (BLOCK / CARD) + c + 1, hdu, i + 1);
      if (is_overlong_column_name(card))
        return dm_error_set(error, DM_ERROR_FORMAT, 0,
                            "%s is not a valid FITS file: card %d of the header of HDU %d "
                            "names a column (%.8s) with a value of more than 68 characters "
                            "that is not a quoted string",
                            path, n_blocks * (BLOCK / CARD) + c + 1, hdu, card);
      *complete = strncmp(card, "END     ", 8) == 0;
      if (!*complete) read_layout_card(card, layout);
    }
  }
  return true;
}

/* Refuses a file whose headers hold control characters or an overlong
 * unquoted column name.  The FITS standard allows only printable ASCII
 * there and quoted column names; cfitsio 4.2 does not check and can
 * overflow its own buffers on such cards, so they are caught first.  Bytes
 * above 0x7E (stray UTF-8 in comments) are left to cfitsio.  The scan walks
 * header by header, skipping the data; whatever it cannot follow (not FITS
 * at all, a truncated file, odd sizes) is left to cfitsio to report. */
static bool check_header_bytes(const char *path, DmError **error) {
  FILE *file = fopen(path, "rb");
  DataLayout *layout = calloc(1, sizeof *layout);
  bool ok = true, complete = true;
  for (int hdu = 1; ok && complete && file && layout; hdu++) {
    memset(layout, 0, sizeof *layout);
    layout->naxis = -1;  /* until the header says */
    layout->gcount = 1;
    ok = scan_header(file, path, hdu, layout, &complete, error);
    long long skip = complete ? padded_data_bytes(layout) : -1;
    if (skip < 0 || fseeko(file, (off_t)skip, SEEK_CUR) != 0) complete = false;
  }
  free(layout);
  if (file) fclose(file);
  return ok;
}

fitsfile *dm_fits_open_read(const char *path, DmError **error) {
  fitsfile *fits = NULL;
  int status = 0;
  if (!check_header_bytes(path, error)) return NULL;
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
