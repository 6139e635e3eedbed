/* The raw header pre-scan that every FITS reader runs before cfitsio
 * (engine/io/fits-header-scan.c): cards cfitsio 4.2 would overflow its
 * buffers on are refused, wherever cfitsio would find them, and valid
 * files are still read.
 *
 * Found by fuzz-fits-catalog, each of which aborted the process:
 *   - a column name (TTYPE1) of unquoted dashes from column 10 to 80,
 *     which cfitsio copies into its 70-byte column name;
 *   - the same behind a primary header whose BITPIX card is garbled
 *     ("BITPIX `="), and, later, behind one whose NAXIS card is garbled
 *     ("NAXIS  [="): cfitsio names a keyword by its characters up to the
 *     first blank, so it read NAXIS = 0 and went on to the table, where
 *     the scan had stopped.
 * And the other places where the scan and cfitsio once parted: a repeated
 * NAXIS1 (cfitsio reads the first, by position), an XTENSION card without
 * blanks, a value or comment cut by an '=' before column 9; and an
 * unquoted value longer than any number, which cfitsio overflows on when
 * asked for an integer (found by fuzz-healpix-file). */
#include <stdio.h>
#include <string.h>

#include "darkmap/catalog.h"
#include "test-util.h"

enum { BLOCK = 2880, CARD = 80 };

/* Writes the cards (each at most 80 characters, END added) as one header
 * padded to whole blocks, then data_blocks blocks of zeros. */
static bool write_hdu(FILE *file, const char *const *cards, int n_cards, int data_blocks) {
  int n_blocks = (n_cards + 1 + BLOCK / CARD - 1) / (BLOCK / CARD);
  char block[BLOCK];
  bool ok = true;
  for (int b = 0; b < n_blocks && ok; b++) {
    memset(block, ' ', sizeof block);
    for (int c = 0; c < BLOCK / CARD; c++) {
      int k = b * (BLOCK / CARD) + c;
      const char *card = k < n_cards ? cards[k] : k == n_cards ? "END" : "";
      memcpy(block + c * CARD, card, strlen(card));
    }
    ok = fwrite(block, 1, BLOCK, file) == BLOCK;
  }
  memset(block, 0, sizeof block);
  for (int b = 0; b < data_blocks && ok; b++) ok = fwrite(block, 1, BLOCK, file) == BLOCK;
  return ok;
}

/* A primary HDU of the given cards (and data blocks) followed by a one-row
 * table of one double column whose XTENSION and TTYPE1 cards are given. */
static bool write_file(const char *path, const char *const *primary, int n_primary,
                       int primary_blocks, const char *xtension_card, const char *name_card) {
  const char *table[] = {xtension_card,
                         "BITPIX  =                    8",
                         "NAXIS   =                    2",
                         "NAXIS1  =                    8",
                         "NAXIS2  =                    1",
                         "PCOUNT  =                    0",
                         "GCOUNT  =                    1",
                         "TFIELDS =                    1",
                         name_card,
                         "TFORM1  = 'D       '"};
  FILE *file = fopen(path, "wb");
  if (!file) return false;
  bool ok = write_hdu(file, primary, n_primary, primary_blocks) &&
            write_hdu(file, table, (int)(sizeof table / sizeof *table), 1);
  return fclose(file) == 0 && ok;
}

static const char *const plain_primary[] = {"SIMPLE  =                    T",
                                            "BITPIX  =                    8",
                                            "NAXIS   =                    0"};
static const char *const standard_xtension = "XTENSION= 'BINTABLE'";

/* Both the table listing and the catalogue reader refuse the file with a
 * message holding expected; what is printed names the case. */
static void check_refused(const char *path, const char *expected, const char *what) {
  DmError *error = NULL;
  int n_tables = 0;
  DmTableInfo *tables = dm_catalog_list_tables(path, &n_tables, &error);
  CHECK(tables == NULL && error && error->code == DM_ERROR_FORMAT &&
        strstr(error->message, expected));
  printf("%s: %s\n", what, error ? error->message : "(read)");
  dm_table_info_free(tables, n_tables);
  dm_error_clear(&error);
  DmCatalog *catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
  CHECK(catalog == NULL && error && error->code == DM_ERROR_FORMAT);
  dm_catalog_free(catalog);
  dm_error_clear(&error);
}

/* The table is listed with one column of name_length characters. */
static void check_read(const char *path, size_t name_length, const char *what) {
  DmError *error = NULL;
  int n_tables = 0;
  DmTableInfo *tables = dm_catalog_list_tables(path, &n_tables, &error);
  CHECK_OK(tables != NULL, error);
  CHECK(n_tables == 1 && tables && tables[0].n_columns == 1 &&
        strlen(tables[0].column_names[0]) == name_length);
  printf("%s: read, %d table\n", what, n_tables);
  dm_table_info_free(tables, n_tables);
}

int main(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s", dm_test_tmp_path("header-scan.fits"));
  /* 70 dashes from column 11: a value a card can hold, but not as cfitsio
   * holds a column name. */
  char dashes[CARD + 1] = "TTYPE1  = ", quoted[CARD + 1] = "TTYPE1  = '";
  memset(dashes + 10, '-', CARD - 10);
  dashes[CARD] = '\0';
  memset(quoted + 11, 'x', 68);
  quoted[79] = '\'';
  quoted[CARD] = '\0';
  const char *column_refusal = "card 9 of the header of HDU 2 names a column (TTYPE1) with a "
                               "value of more than 68 characters that is not a quoted string";

  CHECK(write_file(path, plain_primary, 3, 0, standard_xtension, dashes));
  check_refused(path, column_refusal, "a name of 70 unquoted dashes");

  const char *garbled_bitpix[] = {plain_primary[0], "BITPIX `=                    8",
                                  plain_primary[2]};
  CHECK(write_file(path, garbled_bitpix, 3, 0, standard_xtension, dashes));
  check_refused(path, column_refusal, "behind a garbled BITPIX");

  const char *garbled_naxis[] = {plain_primary[0], plain_primary[1],
                                 "NAXIS  [=                    0"};
  CHECK(write_file(path, garbled_naxis, 3, 0, standard_xtension, dashes));
  check_refused(path, column_refusal, "behind a garbled NAXIS");

  /* cfitsio sizes the primary by the first NAXIS1 (one block of data);
   * the second would put the table one block further on. */
  const char *repeated_naxis1[] = {plain_primary[0], plain_primary[1],
                                   "NAXIS   =                    1",
                                   "NAXIS1  =                 2880",
                                   "NAXIS1  =                 5760"};
  CHECK(write_file(path, repeated_naxis1, 5, 1, standard_xtension, dashes));
  check_refused(path, column_refusal, "behind a repeated NAXIS1");

  CHECK(write_file(path, plain_primary, 3, 0, "XTENSION='BINTABLE'", dashes));
  check_refused(path, column_refusal, "in an XTENSION card without blanks");

  /* '=' in column 7: the value is a token of 73 characters, more than
   * cfitsio's 71-byte value buffer holds. */
  char early_equals[CARD + 1] = "TTYPE1=";
  memset(early_equals + 7, '-', CARD - 7);
  early_equals[CARD] = '\0';
  CHECK(write_file(path, plain_primary, 3, 0, standard_xtension, early_equals));
  check_refused(path, "card 9 of the header of HDU 2 (TTYPE1) has a value of 73 characters",
                "a value past column 80");

  /* '=' in column 5 and a comment from column 8 to 80: 73 characters,
   * more than cfitsio's 73-byte comment buffer holds with its NUL. */
  char long_comment_card[CARD + 1] = "NOTE=/ ";
  memset(long_comment_card + 7, 'x', CARD - 7);
  long_comment_card[CARD] = '\0';
  const char *long_comment[] = {plain_primary[0], plain_primary[1], plain_primary[2],
                                long_comment_card};
  CHECK(write_file(path, long_comment, 4, 0, standard_xtension, "TTYPE1  = 'RA'"));
  check_refused(path, "card 4 of the header of HDU 1 (NOTE) has a comment of 73 characters",
                "a comment past column 80");

  /* An unquoted value of 29 characters that is no number: cfitsio 4.2
   * overflows its message buffer failing to read it as an integer (found
   * by fuzz-healpix-file through an NSIDE card); 28 are still passed on. */
  const char *long_tfields[] = {plain_primary[0], plain_primary[1], plain_primary[2],
                                "NOTE    = xxxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
  CHECK(write_file(path, long_tfields, 4, 0, standard_xtension, "TTYPE1  = 'RA'"));
  check_refused(path, "card 4 of the header of HDU 1 (NOTE) has an unquoted value of 29 "
                      "characters, longer than any number (at most 28)",
                "an unquoted value of 29 characters");
  const char *short_note[] = {plain_primary[0], plain_primary[1], plain_primary[2],
                              "NOTE    = xxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
  CHECK(write_file(path, short_note, 4, 0, standard_xtension, "TTYPE1  = 'RA'"));
  check_read(path, 2, "an unquoted value of 28 characters");

  /* What FITS allows is read: a quoted name of 68 characters, the longest,
   * and the tables behind each of the primaries above. */
  CHECK(write_file(path, plain_primary, 3, 0, standard_xtension, quoted));
  check_read(path, 68, "a quoted 68-character name");
  CHECK(write_file(path, garbled_naxis, 3, 0, "XTENSION='BINTABLE'", "TTYPE1  = 'RA'"));
  check_read(path, 2, "a table behind a garbled NAXIS, XTENSION without blanks");
  CHECK(write_file(path, repeated_naxis1, 5, 1, standard_xtension, "TTYPE1  = 'RA'"));
  check_read(path, 2, "a table behind a repeated NAXIS1");
  remove(path);
  return dm_test_result();
}
