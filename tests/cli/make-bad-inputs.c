/* Writes the hostile input files that test-bad-input.sh feeds to darkmap-cli:
 *   make-bad-inputs DIR
 * FITS catalogues (NaN/inf rows, every row bad, no rows, a text column where
 * a number belongs, a header promising 10^12 rows), a map of the wrong size to
 * use as a mask, and hostile safetensors weights (a header longer than the
 * file, a tensor whose data run past the end, a valid file of the wrong
 * network).  Plain cfitsio and stdio, so that the fixtures do not depend on
 * the code they test. */
#include <fitsio.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N_COLUMNS 5

static const char *dir;

static const char *path_in_dir(const char *name) {
  static char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return path;
}

/* A catalogue of n rows with columns RA DEC E1 E2 WEIGHT (doubles), or with
 * E1 as a text column when text_e1 is set. */
static int write_catalogue(const char *name, long n, const double *ra, const double *dec,
                           const double *e1, const double *e2, const double *w, int text_e1) {
  const char *path = path_in_dir(name);
  char *names[N_COLUMNS] = {"RA", "DEC", "E1", "E2", "WEIGHT"};
  char *forms[N_COLUMNS] = {"D", "D", text_e1 ? "8A" : "D", "D", "D"};
  const double *values[N_COLUMNS] = {ra, dec, e1, e2, w};
  fitsfile *fits = NULL;
  int status = 0;
  remove(path);
  fits_create_diskfile(&fits, path, &status);
  fits_create_img(fits, BYTE_IMG, 0, NULL, &status);
  fits_create_tbl(fits, BINARY_TBL, 0, N_COLUMNS, names, forms, NULL, "SHEAR", &status);
  for (int c = 0; c < N_COLUMNS && n > 0; c++) {
    if (c == 2 && text_e1) {
      char text[] = "0.1", *cell = text;
      for (long r = 0; r < n; r++) fits_write_col(fits, TSTRING, 3, r + 1, 1, 1, &cell, &status);
    } else {
      fits_write_col(fits, TDOUBLE, c + 1, 1, 1, n, (void *)values[c], &status);
    }
  }
  fits_close_file(fits, &status);
  if (status) fits_report_error(stderr, status);
  return status;
}

/* Replaces the first card of the first table of name that starts with
 * key (its first 9 characters) by card (80 characters). */
static int replace_card(const char *name, const char *key, const char *card) {
  FILE *f = fopen(path_in_dir(name), "r+b");
  if (!f) return 1;
  char read[81] = {0};
  for (long offset = 2880; fread(read, 1, 80, f) == 80; offset += 80) {
    if (strncmp(read, key, 9) == 0) {
      fseek(f, offset, SEEK_SET);
      fwrite(card, 1, 80, f);
      return fclose(f) != 0;
    }
    fseek(f, offset + 80, SEEK_SET);
  }
  fclose(f);
  return 1;
}

/* Rewrites the NAXIS2 card of the first table of name so that it promises
 * rows the file does not hold. */
static int promise_rows(const char *name, const char *naxis2) {
  char card[81];
  snprintf(card, sizeof card, "NAXIS2  = %20s / rows %-42s", naxis2, "");
  return replace_card(name, "NAXIS2  =", card);
}

/* Names the first column of name's table by 70 unquoted dashes, which
 * cfitsio 4.2 would copy into its 70-byte column name past its end. */
static int name_column_by_dashes(const char *name) {
  char card[81] = "TTYPE1  = ";
  memset(card + 10, '-', 70);
  return replace_card(name, "TTYPE1  =", card);
}

/* A size × size float image in the primary HDU. */
static int write_image(const char *name, long size) {
  const char *path = path_in_dir(name);
  long naxes[2] = {size, size};
  float zero = 0;
  fitsfile *fits = NULL;
  int status = 0;
  remove(path);
  fits_create_diskfile(&fits, path, &status);
  fits_create_img(fits, FLOAT_IMG, 2, naxes, &status);
  for (long i = 1; i <= size * size; i++) fits_write_img(fits, TFLOAT, i, 1, &zero, &status);
  fits_close_file(fits, &status);
  if (status) fits_report_error(stderr, status);
  return status;
}

/* A safetensors file: the 8-byte little-endian header length (declared, which
 * may lie), the header text, then n_data zero bytes. */
static int write_safetensors(const char *name, uint64_t declared, const char *header,
                             size_t n_data) {
  FILE *f = fopen(path_in_dir(name), "wb");
  if (!f) return 1;
  unsigned char length[8];
  for (int i = 0; i < 8; i++) length[i] = (unsigned char)(declared >> (8 * i));
  fwrite(length, 1, 8, f);
  fputs(header, f);
  for (size_t i = 0; i < n_data; i++) fputc(0, f);
  return fclose(f) != 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: make-bad-inputs DIR\n");
    return 2;
  }
  dir = argv[1];
  /* Seven galaxies of which three are good: NaN RA, infinite e1, a zero, a
   * negative and a NaN weight are skipped. */
  const double ra7[7] = {150.10, 150.11, 150.12, 150.13, NAN, 150.15, 150.16};
  const double dec7[7] = {2.20, 2.21, 2.22, 2.23, 2.24, 2.25, 2.26};
  const double e1_7[7] = {0.1, 0.2, 0.3, 0.4, 0.5, INFINITY, 0.7};
  const double e2_7[7] = {0, 0, 0, 0, 0, 0, 0};
  const double w7[7] = {1, 0, -2, NAN, 1, 1, 3};
  const double nan3[3] = {NAN, NAN, NAN}, one3[3] = {1, 1, 1};
  const char *header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
  const char *stranger = "{\"__metadata__\":{\"darkmap_kind\":\"something else\"},"
                         "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
  int failed = write_catalogue("some-bad-rows.fits", 7, ra7, dec7, e1_7, e2_7, w7, 0) ||
               write_catalogue("all-bad-rows.fits", 3, nan3, nan3, nan3, nan3, one3, 0) ||
               write_catalogue("no-rows.fits", 0, NULL, NULL, NULL, NULL, NULL, 0) ||
               write_catalogue("text-column.fits", 3, one3, one3, one3, one3, one3, 1) ||
               write_catalogue("huge-naxis2.fits", 3, one3, one3, one3, one3, one3, 0) ||
               promise_rows("huge-naxis2.fits", "1000000000000") ||
               write_catalogue("dashes-column.fits", 3, one3, one3, one3, one3, one3, 0) ||
               name_column_by_dashes("dashes-column.fits") ||
               write_image("mask-8x8.fits", 8) ||
               write_safetensors("header-past-end.safetensors", 1u << 20, header, 16) ||
               write_safetensors("data-past-end.safetensors", strlen(header), header, 3) ||
               write_safetensors("wrong-network.safetensors", strlen(stranger), stranger, 4);
  return failed ? 1 : 0;
}
