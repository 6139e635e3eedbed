/* Small CSV tables with a header line (darkmap/csv.h).
 *
 * The file is read whole (tables are small: theory spectra, cluster lists)
 * and parsed line by line.  A field is either bare, trimmed of surrounding
 * blanks, or double-quoted, where a doubled quote stands for one quote and
 * commas are literal; a quoted field ends on its line. */
#include "darkmap/csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Larger files are refused rather than read into memory. */
#define CSV_MAX_BYTES ((size_t)256 << 20)

/* The whole file as a NUL-terminated string; *size is its length. */
static char *read_file(const char *path, size_t *size, DmError **error) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    dm_error_set(error, errno == ENOENT ? DM_ERROR_NOT_FOUND : DM_ERROR_IO, errno,
                 "Cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  size_t used = 0, capacity = 0;
  char *text = NULL;
  bool ok = true;
  for (;;) {
    if (used + 1 == capacity || capacity == 0) {
      if (capacity > CSV_MAX_BYTES) {
        ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0,
                          "%s is too large for a CSV table (over %zu MiB)", path,
                          CSV_MAX_BYTES >> 20);
        break;
      }
      capacity = capacity ? 2 * capacity : 16384;
      char *grown = realloc(text, capacity);
      if (!grown) {
        ok = dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading %s", path);
        break;
      }
      text = grown;
    }
    size_t n = fread(text + used, 1, capacity - used - 1, file);
    used += n;
    if (n == 0) {
      if (ferror(file))
        ok = dm_error_set(error, DM_ERROR_IO, errno, "Cannot read %s: %s", path,
                          strerror(errno));
      break;
    }
  }
  fclose(file);
  if (!ok) {
    free(text);
    return NULL;
  }
  text[used] = '\0';
  *size = used;
  return text;
}

/* The fields of one line, each a malloc'ed string. */
typedef struct {
  char **items;
  int n, capacity;
} Fields;

static void fields_clear(Fields *fields) {
  for (int i = 0; i < fields->n; i++) free(fields->items[i]);
  fields->n = 0;
}

static bool fields_push(Fields *fields, char *item) {
  if (!item) return false;
  if (fields->n == fields->capacity) {
    int capacity = fields->capacity ? 2 * fields->capacity : 16;
    char **grown = realloc(fields->items, (size_t)capacity * sizeof(char *));
    if (!grown) {
      free(item);
      return false;
    }
    fields->items = grown;
    fields->capacity = capacity;
  }
  fields->items[fields->n++] = item;
  return true;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static char *copy_range(const char *start, const char *end) {
  while (start < end && is_blank(*start)) start++;
  while (end > start && is_blank(end[-1])) end--;
  size_t len = (size_t)(end - start);
  char *copy = malloc(len + 1);
  if (copy) {
    memcpy(copy, start, len);
    copy[len] = '\0';
  }
  return copy;
}

/* A quoted field starting at *p (on the opening quote) of line [.., end);
 * *p is left after the closing quote. */
static char *parse_quoted(const char **p, const char *end) {
  const char *s = *p + 1;
  char *out = malloc((size_t)(end - s) + 1);
  if (!out) return NULL;
  size_t len = 0;
  while (s < end) {
    if (*s == '"') {
      if (s + 1 < end && s[1] == '"') {
        out[len++] = '"';
        s += 2;
        continue;
      }
      out[len] = '\0';
      *p = s + 1;
      return out;
    }
    out[len++] = *s++;
  }
  free(out);
  *p = NULL; /* unterminated */
  return NULL;
}

/* Splits line [start, end) into fields. */
static bool split_line(const char *start, const char *end, int line_number, Fields *fields,
                       const char *path, DmError **error) {
  const char *p = start;
  for (;;) {
    while (p < end && is_blank(*p)) p++;
    char *field;
    if (p < end && *p == '"') {
      field = parse_quoted(&p, end);
      if (!p)
        return dm_error_set(error, DM_ERROR_FORMAT, 0,
                            "%s, line %d: a quoted field has no closing quote", path,
                            line_number);
      while (p < end && is_blank(*p)) p++;
      if (p < end && *p != ',') {
        free(field);
        return dm_error_set(error, DM_ERROR_FORMAT, 0,
                            "%s, line %d: text after the closing quote of field %d", path,
                            line_number, fields->n + 1);
      }
    } else {
      const char *stop = p;
      while (stop < end && *stop != ',') stop++;
      field = copy_range(p, stop);
      p = stop;
    }
    if (!fields_push(fields, field))
      return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading %s", path);
    if (p == end) return true;
    p++; /* the comma */
  }
}

/* A number when the whole text parses as one, else NaN. */
static double parse_number(const char *text) {
  char *stop = NULL;
  double value = strtod(text, &stop);
  return (text[0] != '\0' && stop && *stop == '\0') ? value : NAN;
}

/* Appends one row, taking ownership of the fields' strings. */
static bool append_row(DmCsvTable *table, int *row_capacity, Fields *fields) {
  if (table->n_rows == *row_capacity) {
    int capacity = *row_capacity ? 2 * *row_capacity : 64;
    for (int c = 0; c < table->n_columns; c++) {
      char **text = realloc(table->text[c], (size_t)capacity * sizeof(char *));
      if (text) table->text[c] = text;
      double *values = realloc(table->values[c], (size_t)capacity * sizeof(double));
      if (values) table->values[c] = values;
      if (!text || !values) return false;
    }
    *row_capacity = capacity;
  }
  for (int c = 0; c < table->n_columns; c++) {
    table->text[c][table->n_rows] = fields->items[c];
    table->values[c][table->n_rows] = parse_number(fields->items[c]);
  }
  fields->n = 0;
  table->n_rows++;
  return true;
}

/* Makes the table's columns from the header's fields (taking them). */
static bool set_header(DmCsvTable *table, Fields *fields) {
  table->names = calloc((size_t)fields->n, sizeof(char *));
  table->text = calloc((size_t)fields->n, sizeof(char **));
  table->values = calloc((size_t)fields->n, sizeof(double *));
  if (!table->names || !table->text || !table->values) return false;
  table->n_columns = fields->n;
  memcpy(table->names, fields->items, (size_t)fields->n * sizeof(char *));
  fields->n = 0;
  return true;
}

static bool parse_table(const char *text, size_t size, const char *path, DmCsvTable *table,
                        DmError **error) {
  if (memchr(text, '\0', size))
    return dm_error_set(error, DM_ERROR_FORMAT, 0, "%s is not a text file", path);
  if (size >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3; /* UTF-8 mark */

  Fields fields = {0};
  int line_number = 0, header_line = 0, row_capacity = 0;
  bool ok = true;
  for (const char *line = text; ok && *line;) {
    const char *newline = strchr(line, '\n');
    const char *end = newline ? newline : line + strlen(line);
    const char *next = newline ? newline + 1 : end;
    if (end > line && end[-1] == '\r') end--;
    line_number++;

    const char *first = line;
    while (first < end && (is_blank(*first) || *first == '\r')) first++;
    if (first < end && *first != '#') {
      ok = split_line(line, end, line_number, &fields, path, error);
      if (ok && table->n_columns == 0) {
        header_line = line_number;
        ok = set_header(table, &fields) ||
             dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading %s", path);
      } else if (ok && fields.n != table->n_columns) {
        ok = dm_error_set(error, DM_ERROR_FORMAT, 0,
                          "%s, line %d has %d field%s, but the header (line %d) has %d", path,
                          line_number, fields.n, fields.n == 1 ? "" : "s", header_line,
                          table->n_columns);
      } else if (ok) {
        ok = append_row(table, &row_capacity, &fields) ||
             dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory reading %s", path);
      }
    }
    fields_clear(&fields);
    line = next;
  }
  free(fields.items);
  if (ok && table->n_columns == 0)
    return dm_error_set(error, DM_ERROR_NO_DATA, 0, "%s has no header line", path);
  if (ok && table->n_rows == 0)
    return dm_error_set(error, DM_ERROR_NO_DATA, 0, "%s has a header but no rows", path);
  return ok;
}

DmCsvTable *dm_csv_read(const char *path, DmError **error) {
  size_t size = 0;
  char *text = read_file(path, &size, error);
  if (!text) return NULL;
  DmCsvTable *table = calloc(1, sizeof *table);
  bool ok = table ? parse_table(text, size, path, table, error)
                  : dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory");
  free(text);
  if (!ok) {
    dm_csv_free(table);
    return NULL;
  }
  return table;
}

void dm_csv_free(DmCsvTable *table) {
  if (!table) return;
  for (int c = 0; c < table->n_columns; c++) {
    if (table->text[c])
      for (int r = 0; r < table->n_rows; r++) free(table->text[c][r]);
    free(table->text[c]);
    free(table->values[c]);
    free(table->names[c]);
  }
  free(table->text);
  free(table->values);
  free(table->names);
  free(table);
}

int dm_csv_find_column(const DmCsvTable *table, const char *name) {
  if (!table || !name) return -1;
  for (int c = 0; c < table->n_columns; c++)
    if (strcasecmp(table->names[c], name) == 0) return c;
  return -1;
}
