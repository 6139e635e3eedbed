/* The raw pre-scan of FITS headers (see fits-header-scan.h).
 *
 * The scan must reach every header cfitsio reaches, or a hostile card can
 * hide behind a header the two read differently.  So each card is parsed
 * as cfitsio 4.2 parses it (its keyword name as ffgknm finds it, its value
 * and comment as ffpsvc cuts them), a header ends where cfitsio ends it (a
 * card named END), and a header's data size comes from the cards cfitsio
 * takes it from: BITPIX, NAXIS and NAXISn by position (cards 2, 3, 4...),
 * PCOUNT, GCOUNT and GROUPS by name.  Where cfitsio would stop (a header it
 * cannot read), the scan stops too. */
#include "io/fits-header-scan.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  BLOCK = 2880,             /* bytes in a FITS block */
  CARD = 80,                /* bytes in a header card */
  CFITSIO_NAME_MAX = 74,    /* cfitsio's keyword name buffer (FLEN_KEYWORD) less its NUL */
  CFITSIO_VALUE_MAX = 70,   /* cfitsio's value buffer (FLEN_VALUE) less its NUL */
  CFITSIO_COMMENT_MAX = 72, /* cfitsio's comment buffer (FLEN_COMMENT) less its NUL */
  QUOTED_STRING_MAX = 68,   /* the longest string a standard card can quote */
  CFITSIO_NUMBER_MAX = 28,  /* the longest unquoted value cfitsio can fail to read as an
                               integer: its message buffer takes 28 more characters */
  MAX_AXES = 999,           /* the FITS standard's largest NAXIS */
  REASON_SIZE = 256,        /* a refusal's reason: a 74-character name and the text */
};

/* One card (80 bytes, no NUL) parsed as cfitsio parses it. */
typedef struct {
  char name[CFITSIO_NAME_MAX + 1];
  int value_start;    /* offset of the value string in the card; -1 when none */
  int value_length;   /* bytes ffpsvc copies as the value (quotes included) */
  int comment_length; /* bytes ffpsvc copies as the comment */
} ParsedCard;

/* The keyword name as ffgknm reads it: for a HIERARCH card the words
 * between HIERARCH and '=', otherwise the characters up to the first blank
 * or '=' (so "NAXIS  [= 0" is NAXIS and "END=1" ends a header). */
static void parse_name(const char *card, ParsedCard *parsed) {
  int length = 0;
  const char *equals = memchr(card, '=', CARD);
  if (strncmp(card, "HIERARCH ", 9) == 0 && equals) {
    int start = 9;
    while (card + start < equals && card[start] == ' ') start++;
    int end = (int)(equals - card);
    while (end > start && card[end - 1] == ' ') end--;
    length = end - start < CFITSIO_NAME_MAX ? end - start : CFITSIO_NAME_MAX;
    memcpy(parsed->name, card + start, (size_t)length);
  } else if (strncmp(card, "HIERARCH ", 9) == 0) {
    length = 8;
    memcpy(parsed->name, card, 8);
  } else {
    while (length < CFITSIO_NAME_MAX && card[length] != ' ' && card[length] != '=') length++;
    memcpy(parsed->name, card, (size_t)length);
  }
  parsed->name[length] = '\0';
}

/* Where ffpsvc starts reading the value: column 11 after "= " in columns
 * 9-10, otherwise just after the first '=' anywhere in the card; -1 for the
 * cards that have no value (COMMENT, HISTORY, END, CONTINUE, blank names,
 * no '=' at all). */
static int value_position(const char *card) {
  const char *equals = memchr(card, '=', CARD);
  if (strncmp(card, "HIERARCH ", 9) == 0) return equals ? (int)(equals - card) + 1 : -1;
  static const char *const no_value[] = {"COMMENT ", "HISTORY ", "END     ", "CONTINUE",
                                         "        "};
  for (size_t i = 0; i < sizeof no_value / sizeof *no_value; i++)
    if (strncmp(card, no_value[i], 8) == 0) return -1;
  if (card[8] == '=' && card[9] == ' ') return 10;
  return equals ? (int)(equals - card) + 1 : -1;
}

/* The value and comment as ffpsvc cuts them: a quoted string up to its
 * closing quote (to the card's end when there is none: ffpsvc copies it
 * all before truncating), a complex number up to ')', otherwise a token up
 * to a blank or '/'; the comment is the rest after an optional '/' and one
 * blank. */
static void parse_value(const char *card, ParsedCard *parsed) {
  parsed->value_start = -1;
  parsed->value_length = 0;
  int i = value_position(card);
  if (i < 0) {
    parsed->comment_length = CARD - 8;
    return;
  }
  parsed->comment_length = 0;
  while (i < CARD && card[i] == ' ') i++;
  if (i == CARD) return;
  if (card[i] == '/') {
    i++;
  } else if (card[i] == '\'') {
    int j = i + 1;
    while (j < CARD && !(card[j] == '\'' && (j + 1 == CARD || card[j + 1] != '\'')))
      j += card[j] == '\'' ? 2 : 1;
    int end = j < CARD ? j + 1 : CARD;
    parsed->value_start = i;
    parsed->value_length = end - i;
    i = end;
  } else if (card[i] == '(') {
    const char *close = memchr(card + i, ')', (size_t)(CARD - i));
    if (!close) return; /* ffpsvc fails here, copying nothing */
    int end = (int)(close - card) + 1;
    parsed->value_start = i;
    parsed->value_length = end - i;
    i = end;
  } else {
    int end = i;
    while (end < CARD && card[end] != ' ' && card[end] != '/') end++;
    parsed->value_start = i;
    parsed->value_length = end - i;
    i = end;
  }
  while (i < CARD && card[i] == ' ') i++;
  if (i == CARD) return;
  if (card[i] == '/') {
    i++;
    if (i < CARD && card[i] == ' ') i++;
  }
  parsed->comment_length = CARD - i;
}

/* The value as an integer, as cfitsio's ffc2ii reads it (a float value is
 * truncated); false when it is not a number. */
static bool value_as_integer(const char *card, const ParsedCard *parsed, long long *number) {
  if (parsed->value_start < 0 || parsed->value_length == 0) return false;
  char text[CARD + 1];
  memcpy(text, card + parsed->value_start, (size_t)parsed->value_length);
  text[parsed->value_length] = '\0';
  char *end = NULL;
  errno = 0;
  long long integer = strtoll(text, &end, 10);
  if (*end == '\0' && errno == 0) {
    *number = integer;
    return true;
  }
  for (char *c = text; *c; c++)
    if (*c == 'D' || *c == 'd') *c = 'E'; /* FORTRAN exponents */
  double real = strtod(text, &end);
  if (*end != '\0' || !isfinite(real) || fabs(real) > 9e18) return false;
  *number = (long long)real;
  return true;
}

/* What the structural cards of one header say about its data size. */
typedef struct {
  long long bitpix, naxis, naxes[MAX_AXES + 1], pcount, gcount;
  bool groups, pcount_seen, gcount_seen, groups_seen;
  bool readable; /* false once a card cfitsio requires is missing or not a number */
} DataLayout;

/* Notes what card number index (1 = first) of a header says about its data
 * size: BITPIX, NAXIS and NAXISn where cfitsio requires them, PCOUNT,
 * GCOUNT and GROUPS at their first appearance. */
static void read_layout_card(const char *card, const ParsedCard *parsed, int index,
                             DataLayout *layout) {
  long long number = 0;
  bool numeric = value_as_integer(card, parsed, &number);
  if (index == 2 || index == 3) {
    const char *required = index == 2 ? "BITPIX" : "NAXIS";
    if (strcmp(parsed->name, required) != 0 || !numeric) layout->readable = false;
    if (index == 2) layout->bitpix = number;
    if (index == 3) layout->naxis = number;
    if (index == 3 && (number < 0 || number > MAX_AXES)) layout->readable = false;
    return;
  }
  if (index >= 4 && layout->readable && index - 3 <= layout->naxis) {
    char required[16];
    snprintf(required, sizeof required, "NAXIS%d", index - 3);
    if (strcmp(parsed->name, required) != 0 || !numeric) layout->readable = false;
    layout->naxes[index - 3] = number;
    return;
  }
  if (strcmp(parsed->name, "PCOUNT") == 0 && !layout->pcount_seen) {
    layout->pcount_seen = true;
    if (numeric) layout->pcount = number;
  } else if (strcmp(parsed->name, "GCOUNT") == 0 && !layout->gcount_seen) {
    layout->gcount_seen = true;
    if (numeric) layout->gcount = number;
  } else if (strcmp(parsed->name, "GROUPS") == 0 && !layout->groups_seen) {
    layout->groups_seen = true;
    layout->groups = parsed->value_start >= 0 && card[parsed->value_start] == 'T';
  }
}

/* Bytes of data after the header (padded to whole blocks) by the FITS
 * standard's formula, or -1 when cfitsio could not read the header or its
 * numbers are not sensible.  A header of NAXIS = 0 has no data whatever its
 * other numbers say (cfitsio goes on to the next header then). */
static long long padded_data_bytes(const DataLayout *layout) {
  if (!layout->readable) return -1;
  if (layout->naxis == 0) return 0;
  long long bits = layout->bitpix < 0 ? -layout->bitpix : layout->bitpix;
  if ((bits != 8 && bits != 16 && bits != 32 && bits != 64) || layout->gcount < 0 ||
      layout->pcount < 0)
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

/* Whether cfitsio must not read this card, with the reason in reason[]: a
 * control character, a value or comment longer than cfitsio's buffers, a
 * column name (TTYPEn) that is not a quoted string and longer than a
 * quoted one can be (cfitsio copies a column name into 70 bytes
 * unchecked, ffgtbp, so 70 dashes overflow it and abort the process), or
 * any other unquoted value longer than a number can be: read as an
 * integer and failing, 29 characters or more overflow the 81-byte message
 * cfitsio 4.2 makes of it (ffc2j; found by fuzz-healpix-file through the
 * NSIDE card). */
static bool is_hazardous(const char *card, const ParsedCard *parsed,
                         char reason[REASON_SIZE]) {
  for (int i = 0; i < CARD; i++)
    if ((unsigned char)card[i] < 0x20 || card[i] == 0x7F) {
      snprintf(reason, REASON_SIZE, "holds a control character (byte %d)", i + 1);
      return true;
    }
  if (parsed->value_length > CFITSIO_VALUE_MAX)
    snprintf(reason, REASON_SIZE,
             "(%s) has a value of %d characters, more than a FITS card holds (%d)",
             parsed->name, parsed->value_length, CFITSIO_VALUE_MAX);
  else if (parsed->comment_length > CFITSIO_COMMENT_MAX)
    snprintf(reason, REASON_SIZE,
             "(%s) has a comment of %d characters, more than a FITS card holds (%d)",
             parsed->name, parsed->comment_length, CFITSIO_COMMENT_MAX);
  else if (strncmp(parsed->name, "TTYPE", 5) == 0 && parsed->name[5] != '\0' &&
           parsed->value_length > QUOTED_STRING_MAX && card[parsed->value_start] != '\'')
    snprintf(reason, REASON_SIZE, "names a column (%s) with a value of more than %d characters that "
             "is not a quoted string", parsed->name, QUOTED_STRING_MAX);
  else if (parsed->value_length > CFITSIO_NUMBER_MAX && card[parsed->value_start] != '\'' &&
           card[parsed->value_start] != '(')
    snprintf(reason, REASON_SIZE, "(%s) has an unquoted value of %d characters, longer than any "
             "number (at most %d)", parsed->name, parsed->value_length, CFITSIO_NUMBER_MAX);
  else
    return false;
  return true;
}

/* Scans one header from the file's current position, block by block, up to
 * its END card.  False with *error set at a hazardous card; *layout
 * receives the structural numbers, *complete whether END was reached. */
static bool scan_header(FILE *file, const char *path, int hdu, DataLayout *layout,
                        bool *complete, DmError **error) {
  char block[BLOCK];
  *complete = false;
  for (int n_blocks = 0; !*complete && fread(block, 1, BLOCK, file) == BLOCK; n_blocks++) {
    for (int c = 0; c < BLOCK / CARD && !*complete; c++) {
      const char *card = block + c * CARD;
      int index = n_blocks * (BLOCK / CARD) + c + 1;
      ParsedCard parsed;
      parse_name(card, &parsed);
      parse_value(card, &parsed);
      if (index == 1 && strcmp(parsed.name, hdu == 1 ? "SIMPLE" : "XTENSION") != 0)
        return true; /* not a header cfitsio reads: its call */
      char reason[REASON_SIZE];
      if (is_hazardous(card, &parsed, reason))
        return dm_error_set(error, DM_ERROR_FORMAT, 0,
                            "%s is not a valid FITS file: card %d of the header of HDU %d %s",
                            path, index, hdu, reason);
      *complete = strcmp(parsed.name, "END") == 0;
      if (!*complete) read_layout_card(card, &parsed, index, layout);
    }
  }
  return true;
}

bool dm_fits_check_raw_headers(const char *path, DmError **error) {
  FILE *file = fopen(path, "rb");
  DataLayout *layout = calloc(1, sizeof *layout);
  bool ok = true, complete = true;
  for (int hdu = 1; ok && complete && file && layout; hdu++) {
    memset(layout, 0, sizeof *layout);
    layout->gcount = 1;
    layout->readable = true;
    ok = scan_header(file, path, hdu, layout, &complete, error);
    long long skip = complete ? padded_data_bytes(layout) : -1;
    if (skip < 0 || fseeko(file, (off_t)skip, SEEK_CUR) != 0) complete = false;
  }
  free(layout);
  if (file) fclose(file);
  return ok;
}
