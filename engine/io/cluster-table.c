/* Galaxy-cluster catalogues from CSV or FITS tables (darkmap/cluster-table.h).
 *
 * Both formats go through the same steps: the column names are listed, each
 * role (label, RA, Dec, z, mass) is matched to a column, then the matched
 * columns are copied into the table's arrays and every position is checked. */
#include "darkmap/cluster-table.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "darkmap/csv.h"
#include "darkmap/memory-budget.h"
#include "io/fits-common.h"

enum { ROLE_LABEL, ROLE_RA, ROLE_DEC, ROLE_Z, ROLE_MASS, N_ROLES };

static const char *const role_names[N_ROLES] = {"label", "RA", "Dec", "z", "mass"};

/* Exact names tried first, in order (NULL-terminated). */
static const char *const exact_names[N_ROLES][8] = {
    [ROLE_LABEL] = {"NAME", "CLUSTER", "OBJECT", "ID", "OBJID", "SOURCE", NULL},
    [ROLE_RA] = {"RA", "RA_DEG", "RAJ2000", "RA_J2000", "ALPHA_J2000", "ALPHA", NULL},
    [ROLE_DEC] = {"DEC", "DEC_DEG", "DEJ2000", "DECJ2000", "DEC_J2000", "DELTA_J2000",
                  "DELTA", NULL},
    [ROLE_Z] = {"Z", "REDSHIFT", "Z_SPEC", "ZSPEC", "Z_PHOT", "ZPHOT", "Z_CL", NULL},
    [ROLE_MASS] = {"MASS", NULL},
};

/* Then the first name with this prefix (NULL: none). */
static const char *const prefixes[N_ROLES] = {
    [ROLE_RA] = "RA_", [ROLE_DEC] = "DEC_", [ROLE_MASS] = "M"};

static bool has_prefix(const char *name, const char *prefix) {
  return strncasecmp(name, prefix, strlen(prefix)) == 0;
}

/* 0-based column index for a role among n names, or −1. */
static int match_role(int role, char *const *names, int n) {
  for (int k = 0; exact_names[role][k]; k++)
    for (int i = 0; i < n; i++)
      if (strcasecmp(names[i], exact_names[role][k]) == 0) return i;
  if (!prefixes[role]) return -1;
  for (int i = 0; i < n; i++) {
    if (!has_prefix(names[i], prefixes[role])) continue;
    if (role == ROLE_MASS && (has_prefix(names[i], "MAG") || has_prefix(names[i], "MASK")))
      continue;
    return i;
  }
  return -1;
}

/* "ID, X, Y" — the table's column names, for error messages. */
static void format_names(char *const *names, int n, char *out, size_t size) {
  size_t used = 0;
  snprintf(out, size, "%s", n == 0 ? "(none)" : "");
  for (int i = 0; i < n && used + 1 < size; i++) {
    int written = snprintf(out + used, size - used, "%s%s", i ? ", " : "",
                           names[i][0] ? names[i] : "(unnamed)");
    if (written < 0) break;
    used += (size_t)written;
  }
}

/* Matches every role; fails when RA or Dec has no column. */
static bool resolve_roles(char *const *names, int n, const char *path, int columns[N_ROLES],
                          DmError **error) {
  for (int role = 0; role < N_ROLES; role++) columns[role] = match_role(role, names, n);
  for (int role = ROLE_RA; role <= ROLE_DEC; role++) {
    if (columns[role] >= 0) continue;
    char available[1024];
    format_names(names, n, available, sizeof available);
    return dm_error_set(error, DM_ERROR_NOT_FOUND, 0,
                        "No %s column in the cluster table %s (looked for %s, %s, %s...); "
                        "the table has: %s",
                        role_names[role], path, exact_names[role][0], exact_names[role][1],
                        exact_names[role][2], available);
  }
  return true;
}

void dm_cluster_table_free(DmClusterTable *table) {
  if (!table) return;
  for (size_t i = 0; table->label && i < table->n; i++) free(table->label[i]);
  free(table->label);
  free(table->ra);
  free(table->dec);
  free(table->z);
  free(table->mass);
  free(table->label_column);
  free(table->ra_column);
  free(table->dec_column);
  free(table->z_column);
  free(table->mass_column);
  free(table);
}

/* A table of n rows with every array allocated (labels NULL, numbers NaN)
 * and the names of the columns used. */
static DmClusterTable *table_new(size_t n, char *const *names, const int columns[N_ROLES],
                                 DmError **error) {
  if (!dm_memory_check(error, (double)n * (4 * sizeof(double) + sizeof(char *)),
                       "A cluster table of %zu rows", n))
    return NULL;
  DmClusterTable *table = calloc(1, sizeof *table);
  if (!table) {
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for a cluster table");
    return NULL;
  }
  table->n = n;
  table->label = calloc(n, sizeof(char *));
  table->ra = malloc(n * sizeof(double));
  table->dec = malloc(n * sizeof(double));
  table->z = malloc(n * sizeof(double));
  table->mass = malloc(n * sizeof(double));
  char **used[N_ROLES] = {&table->label_column, &table->ra_column, &table->dec_column,
                          &table->z_column, &table->mass_column};
  bool ok = table->label && table->ra && table->dec && table->z && table->mass;
  for (int role = 0; ok && role < N_ROLES; role++)
    ok = (*used[role] = strdup(columns[role] >= 0 ? names[columns[role]] : "")) != NULL;
  if (!ok) {
    dm_cluster_table_free(table);
    dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for %zu clusters", n);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) table->ra[i] = table->dec[i] = table->z[i] = table->mass[i] = NAN;
  return table;
}

/* Rows without a label get their 1-based row number; RA is wrapped into
 * [0, 360), masses that are not positive become NaN, and every position is
 * checked. */
static bool finish_rows(DmClusterTable *table, const char *path, DmError **error) {
  for (size_t i = 0; i < table->n; i++) {
    if (!isfinite(table->ra[i]) || !isfinite(table->dec[i]) || fabs(table->dec[i]) > 90.0)
      return dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "Row %zu of the cluster table %s has no valid position (RA %g, "
                          "Dec %g in columns %s, %s)",
                          i + 1, path, table->ra[i], table->dec[i], table->ra_column,
                          table->dec_column);
    table->ra[i] = fmod(fmod(table->ra[i], 360.0) + 360.0, 360.0);
    if (!(table->mass[i] > 0.0)) table->mass[i] = NAN;
    if (!table->label[i] || !table->label[i][0]) {
      char number[32];
      snprintf(number, sizeof number, "%zu", i + 1);
      free(table->label[i]);
      if (!(table->label[i] = strdup(number)))
        return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for cluster labels");
    }
  }
  return true;
}

/* ---- positions written as text ----------------------------------------- */

/* A sexagesimal angle, "10:03:12.6", "10 03 12.6", "10h03m12.6s" (hours
 * when is_ra) or "-01:59:23", "-01d59m23s" (degrees), in degrees; NaN when
 * text is not one (two or three fields, minutes and seconds below 60). */
static double parse_sexagesimal(const char *text, bool is_ra) {
  double fields[3] = {0.0, 0.0, 0.0}, sign = 1.0;
  int n = 0;
  const char *at = text;
  while (*at == ' ') at++;
  if (*at == '-' || *at == '+') sign = *at++ == '-' ? -1.0 : 1.0;
  while (*at && n < 3) {
    char *end = NULL;
    if (*at < '0' || *at > '9') break;
    fields[n++] = strtod(at, &end);
    at = end;
    while (*at == ':' || *at == ' ' || *at == 'h' || *at == 'm' || *at == 's' || *at == 'd')
      at++;
  }
  if (*at != '\0' || n < 2 || fields[1] >= 60.0 || fields[2] >= 60.0) return NAN;
  double value = fields[0] + fields[1] / 60.0 + fields[2] / 3600.0;
  return sign * value * (is_ra ? 15.0 : 1.0);
}

/* A number of degrees, or a sexagesimal angle; NaN when text is neither. */
static double parse_angle(const char *text, bool is_ra) {
  char *end = NULL;
  double value = strtod(text, &end);
  while (end && *end == ' ') end++;
  if (end != text && end && *end == '\0') return value;
  return parse_sexagesimal(text, is_ra);
}

/* ---- CSV ------------------------------------------------------------- */

static DmClusterTable *read_csv(const char *path, DmError **error) {
  DmCsvTable *csv = dm_csv_read(path, error);
  if (!csv) return NULL;
  int columns[N_ROLES];
  DmClusterTable *table = NULL;
  if (resolve_roles(csv->names, csv->n_columns, path, columns, error))
    table = table_new((size_t)csv->n_rows, csv->names, columns, error);
  double *numbers[N_ROLES] = {NULL, table ? table->ra : NULL, table ? table->dec : NULL,
                              table ? table->z : NULL, table ? table->mass : NULL};
  bool ok = table != NULL;
  for (int r = 0; ok && r < csv->n_rows; r++) {
    for (int role = ROLE_RA; role < N_ROLES; role++)
      if (columns[role] >= 0) numbers[role][r] = csv->values[columns[role]][r];
    for (int role = ROLE_RA; role <= ROLE_DEC; role++)
      if (isnan(numbers[role][r]))
        numbers[role][r] = parse_sexagesimal(csv->text[columns[role]][r], role == ROLE_RA);
    if (columns[ROLE_LABEL] >= 0 &&
        !(table->label[r] = strdup(csv->text[columns[ROLE_LABEL]][r])))
      ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for cluster labels");
  }
  dm_csv_free(csv);
  if (ok && finish_rows(table, path, error)) return table;
  dm_cluster_table_free(table);
  return NULL;
}

/* ---- FITS ------------------------------------------------------------ */

/* Moves to the first table HDU. */
static bool move_to_first_table(fitsfile *fits, const char *path, DmError **error) {
  int status = 0, n_hdus = 0, type = 0;
  if (fits_get_num_hdus(fits, &n_hdus, &status))
    return dm_fits_set_error(error, status, "Cannot count the HDUs of", path);
  for (int hdu = 1; hdu <= n_hdus; hdu++) {
    if (fits_movabs_hdu(fits, hdu, &type, &status))
      return dm_fits_set_error(error, status, "Cannot read an HDU of", path);
    if (type == BINARY_TBL || type == ASCII_TBL) return true;
  }
  return dm_error_set(error, DM_ERROR_FORMAT, 0,
                      "%s holds no table (%d HDU%s, all images): a cluster table is a CSV "
                      "file or a FITS table",
                      path, n_hdus, n_hdus == 1 ? "" : "s");
}

/* The TTYPE names of the current table: n malloc'ed strings in a malloc'ed
 * array of n + 1. */
static char **read_names(fitsfile *fits, const char *path, int *n, DmError **error) {
  int status = 0;
  *n = 0;
  if (fits_get_num_cols(fits, n, &status)) {
    dm_fits_set_error(error, status, "Cannot count the columns of", path);
    return NULL;
  }
  char **names = calloc((size_t)*n + 1, sizeof(char *));
  bool ok = names != NULL;
  for (int i = 0; ok && i < *n; i++)
    ok = (names[i] = dm_fits_read_indexed_string_key(fits, "TTYPE", i + 1)) != NULL;
  if (ok) return names;
  for (int i = 0; names && i < *n; i++) free(names[i]);
  free(names);
  dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory listing the columns of %s", path);
  return NULL;
}

static void free_names(char **names, int n) {
  for (int i = 0; names && i < n; i++) free(names[i]);
  free(names);
}

/* TDOUBLE for a column that holds one number per row, TSTRING for a text
 * column used as label, RA or Dec; 0 with the error set otherwise. */
static int column_kind(fitsfile *fits, int colnum, const char *name, int role,
                       const char *path, DmError **error) {
  int status = 0, typecode = 0;
  long repeat = 0, width = 0;
  if (fits_get_coltype(fits, colnum, &typecode, &repeat, &width, &status)) {
    dm_fits_set_error(error, status, "Cannot read the column types of", path);
    return 0;
  }
  if (typecode == TSTRING && role <= ROLE_DEC) return TSTRING;
  bool numeric = typecode == TBYTE || typecode == TSBYTE || typecode == TSHORT ||
                 typecode == TUSHORT || typecode == TINT || typecode == TUINT ||
                 typecode == TLONG || typecode == TULONG || typecode == TLONGLONG ||
                 typecode == TULONGLONG || typecode == TFLOAT || typecode == TDOUBLE;
  if (numeric && repeat == 1) return TDOUBLE;
  dm_error_set(error, DM_ERROR_FORMAT, 0,
               "Column '%s' (used as %s) of the cluster table %s does not hold one %s per "
               "row",
               name, role_names[role], path,
               role == ROLE_LABEL ? "name or number"
               : role <= ROLE_DEC ? "number or sexagesimal text"
                                  : "number");
  return 0;
}

static bool read_label_column(fitsfile *fits, const char *path, int colnum, int kind,
                              DmClusterTable *table, DmError **error) {
  int status = 0, any_null = 0, width = 0;
  if (kind == TDOUBLE) {
    double *ids = malloc(table->n * sizeof(double));
    double null_value = NAN;
    if (!ids) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for labels");
    if (fits_read_col(fits, TDOUBLE, colnum, 1, 1, (long long)table->n, &null_value, ids,
                      &any_null, &status)) {
      free(ids);
      return dm_fits_set_error(error, status, "Cannot read the labels of", path);
    }
    for (size_t i = 0; i < table->n; i++) {
      char text[32] = "";
      if (isfinite(ids[i])) snprintf(text, sizeof text, "%.15g", ids[i]);
      if (!(table->label[i] = strdup(text))) {
        free(ids);
        return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for labels");
      }
    }
    free(ids);
    return true;
  }
  if (fits_get_col_display_width(fits, colnum, &width, &status))
    return dm_fits_set_error(error, status, "Cannot size the labels of", path);
  for (size_t i = 0; i < table->n; i++) {
    if (!(table->label[i] = calloc((size_t)width + 1, 1)))
      return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for labels");
    char *cell[1] = {table->label[i]};
    if (fits_read_col_str(fits, colnum, (long long)i + 1, 1, 1, "", cell, &any_null, &status))
      return dm_fits_set_error(error, status, "Cannot read the labels of", path);
    for (size_t end = strlen(cell[0]); end > 0 && cell[0][end - 1] == ' '; end--)
      cell[0][end - 1] = '\0';
  }
  return true;
}

/* Reads a text column of positions (degrees or sexagesimal) into values
 * (n_rows); text that is neither becomes NaN. */
static bool read_position_strings(fitsfile *fits, const char *path, int colnum, bool is_ra,
                                  long long n_rows, double *values, DmError **error) {
  int status = 0, any_null = 0, width = 0;
  if (fits_get_col_display_width(fits, colnum, &width, &status))
    return dm_fits_set_error(error, status, "Cannot size the positions of", path);
  char *cell = malloc((size_t)width + 1);
  if (!cell) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for positions");
  for (long long i = 0; i < n_rows; i++) {
    char *cells[1] = {cell};
    cell[0] = '\0';
    if (fits_read_col_str(fits, colnum, i + 1, 1, 1, "", cells, &any_null, &status)) {
      free(cell);
      return dm_fits_set_error(error, status, "Cannot read the positions of", path);
    }
    values[i] = parse_angle(cell, is_ra);
  }
  free(cell);
  return true;
}

/* Reads the matched columns of the current table into a new table. */
static DmClusterTable *read_fits_rows(fitsfile *fits, const char *path, char **names,
                                      const int columns[N_ROLES], DmError **error) {
  int kinds[N_ROLES] = {0};
  for (int role = 0; role < N_ROLES; role++)
    if (columns[role] >= 0 &&
        !(kinds[role] = column_kind(fits, columns[role] + 1, names[columns[role]], role, path,
                                    error)))
      return NULL;

  long long n_rows = 0, row_bytes = 0;
  int status = 0;
  if (fits_get_num_rowsll(fits, &n_rows, &status) ||
      fits_read_key(fits, TLONGLONG, "NAXIS1", &row_bytes, NULL, &status)) {
    dm_fits_set_error(error, status, "Cannot count the rows of", path);
    return NULL;
  }
  if (n_rows <= 0) {
    dm_error_set(error, DM_ERROR_NO_DATA, 0, "The cluster table %s has no rows", path);
    return NULL;
  }
  if (row_bytes < 0 || (row_bytes > 0 && n_rows > (1LL << 40) / row_bytes)) {
    dm_error_set(error, DM_ERROR_FORMAT, 0, "The table header of %s is corrupt", path);
    return NULL;
  }
  if (!dm_fits_check_data_present(fits, path, row_bytes * n_rows, error)) return NULL;

  DmClusterTable *table = table_new((size_t)n_rows, names, columns, error);
  if (!table) return NULL;
  double *numbers[N_ROLES] = {NULL, table->ra, table->dec, table->z, table->mass};
  for (int role = ROLE_RA; role < N_ROLES; role++) {
    int any_null = 0;
    double null_value = NAN;
    if (columns[role] < 0) continue;
    if (kinds[role] == TSTRING) {
      if (!read_position_strings(fits, path, columns[role] + 1, role == ROLE_RA, n_rows,
                                 numbers[role], error)) {
        dm_cluster_table_free(table);
        return NULL;
      }
      continue;
    }
    if (fits_read_col(fits, TDOUBLE, columns[role] + 1, 1, 1, n_rows, &null_value,
                      numbers[role], &any_null, &status)) {
      dm_fits_set_error(error, status, "Cannot read the cluster table", path);
      dm_cluster_table_free(table);
      return NULL;
    }
  }
  if ((columns[ROLE_LABEL] >= 0 &&
       !read_label_column(fits, path, columns[ROLE_LABEL] + 1, kinds[ROLE_LABEL], table,
                          error)) ||
      !finish_rows(table, path, error)) {
    dm_cluster_table_free(table);
    return NULL;
  }
  return table;
}

static DmClusterTable *read_fits(const char *path, DmError **error) {
  fitsfile *fits = dm_fits_open_read(path, error);
  if (!fits) return NULL;
  DmClusterTable *table = NULL;
  int n_names = 0, columns[N_ROLES];
  char **names = NULL;
  if (move_to_first_table(fits, path, error) &&
      (names = read_names(fits, path, &n_names, error)) &&
      resolve_roles(names, n_names, path, columns, error))
    table = read_fits_rows(fits, path, names, columns, error);
  free_names(names, n_names);
  dm_fits_close_read(fits);
  return table;
}

/* ---- entry point ------------------------------------------------------ */

static bool starts_as_fits(const char *path, bool *is_fits, DmError **error) {
  char head[9] = {0};
  FILE *file = fopen(path, "rb");
  if (!file)
    return dm_error_set(error, errno == ENOENT ? DM_ERROR_NOT_FOUND : DM_ERROR_IO, errno,
                        "Cannot open %s: %s", path, strerror(errno));
  size_t n = fread(head, 1, sizeof head, file);
  fclose(file);
  *is_fits = n == sizeof head && memcmp(head, "SIMPLE  =", sizeof head) == 0;
  return true;
}

DmClusterTable *dm_cluster_table_read(const char *path, DmError **error) {
  bool is_fits = false;
  if (!path) {
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "No cluster table path given");
    return NULL;
  }
  if (!starts_as_fits(path, &is_fits, error)) return NULL;
  return is_fits ? read_fits(path, error) : read_csv(path, error);
}
