/* Writing safetensors files atomically (darkmap/safetensors.h).
 *
 * The header is compact JSON: "__metadata__" first (when there is any),
 * then the tensors in the order added, each {"dtype", "shape",
 * "data_offsets"}; it is padded with spaces so that the buffer starts at a
 * multiple of 8 bytes.  The file is written unnamed and takes the target's
 * name once complete (darkmap/atomic-file.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/atomic-file.h"
#include "darkmap/safetensors.h"
#include "io/json-reader.h"
#include "io/safetensors-dtype.h"

typedef struct {
  char *name;            /* owned */
  DmStDtype dtype;
  int ndim;
  int64_t shape[DM_ST_MAX_DIMS];
  const void *data;      /* nbytes, little-endian: borrowed, or owned */
  void *owned;           /* data when the writer frees it, else NULL */
  size_t nbytes;
} WriterTensor;

typedef struct {
  char *key;             /* owned */
  char *value;           /* owned */
} WriterMetadata;

struct DmSafetensorsWriter {
  WriterTensor *tensors;     /* n_tensors of tensor_capacity */
  int n_tensors, tensor_capacity;
  WriterMetadata *metadata;  /* n_metadata of metadata_capacity */
  int n_metadata, metadata_capacity;
};

DmSafetensorsWriter *dm_safetensors_writer_new(void) {
  return calloc(1, sizeof(DmSafetensorsWriter));
}

void dm_safetensors_writer_free(DmSafetensorsWriter *w) {
  if (!w) return;
  for (int i = 0; i < w->n_tensors; i++) {
    free(w->tensors[i].name);
    free(w->tensors[i].owned);
  }
  for (int i = 0; i < w->n_metadata; i++) {
    free(w->metadata[i].key);
    free(w->metadata[i].value);
  }
  free(w->tensors);
  free(w->metadata);
  free(w);
}

static bool check_text(const char *text, const char *what, DmError **error) {
  if (!text) return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "No %s given", what);
  if (!dm_json_is_utf8(text, strlen(text)))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "The %s is not valid UTF-8", what);
  return true;
}

/* Grows an array of element_size-byte elements to hold count + 1. */
static bool reserve(void **array, int *capacity, int count, size_t element_size,
                    DmError **error) {
  if (count < *capacity) return true;
  int grown = *capacity ? 2 * *capacity : 16;
  void *bigger = grown > 0 ? realloc(*array, (size_t)grown * element_size) : NULL;
  if (!bigger)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory collecting tensors");
  *array = bigger;
  *capacity = grown;
  return true;
}

bool dm_safetensors_writer_add_metadata(DmSafetensorsWriter *w, const char *key,
                                        const char *value, DmError **error) {
  if (!check_text(key, "metadata key", error) || !check_text(value, "metadata value", error))
    return false;
  for (int i = 0; i < w->n_metadata; i++)
    if (strcmp(w->metadata[i].key, key) == 0)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Metadata key \"%s\" is given twice", key);
  if (!reserve((void **)&w->metadata, &w->metadata_capacity, w->n_metadata,
               sizeof *w->metadata, error))
    return false;
  char *key_copy = strdup(key), *value_copy = strdup(value);
  if (!key_copy || !value_copy) {
    free(key_copy);
    free(value_copy);
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory collecting metadata");
  }
  w->metadata[w->n_metadata].key = key_copy;
  w->metadata[w->n_metadata].value = value_copy;
  w->n_metadata++;
  return true;
}

bool dm_safetensors_writer_add(DmSafetensorsWriter *w, const char *name, DmStDtype dtype,
                               int ndim, const int64_t *shape, const void *data,
                               DmError **error) {
  if (!check_text(name, "tensor name", error)) return false;
  if (!name[0] || strcmp(name, "__metadata__") == 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "\"%s\" cannot name a tensor",
                        name);
  for (int i = 0; i < w->n_tensors; i++)
    if (strcmp(w->tensors[i].name, name) == 0)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Tensor \"%s\" is added twice",
                          name);
  if (!dm_st_dtype_valid(dtype))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Tensor \"%s\": unknown dtype %d",
                        name, (int)dtype);
  if (ndim < 0 || ndim > DM_ST_MAX_DIMS || (ndim > 0 && !shape))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Tensor \"%s\": %d dimensions (0 to %d are possible)", name, ndim,
                        DM_ST_MAX_DIMS);
  size_t nbytes = dm_st_dtype_size(dtype);
  bool overflow = false;
  for (int d = 0; d < ndim; d++) {
    if (shape[d] < 0)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Tensor \"%s\": dimension %d is negative (%lld)", name, d,
                          (long long)shape[d]);
    if (shape[d] > 0 && nbytes > SIZE_MAX / (uint64_t)shape[d])
      overflow = true;
    else
      nbytes *= (size_t)shape[d];
  }
  if (overflow && nbytes != 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Tensor \"%s\": its shape's size overflows", name);
  if (overflow) nbytes = 0; /* a zero dimension won */
  if (nbytes > 0 && !data)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Tensor \"%s\" has no data", name);
  if (!reserve((void **)&w->tensors, &w->tensor_capacity, w->n_tensors, sizeof *w->tensors,
               error))
    return false;
  WriterTensor *t = &w->tensors[w->n_tensors];
  if (!(t->name = strdup(name)))
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory collecting tensors");
  t->dtype = dtype;
  t->ndim = ndim;
  for (int d = 0; d < ndim; d++) t->shape[d] = shape[d];
  t->data = data;
  t->owned = NULL;
  t->nbytes = nbytes;
  w->n_tensors++;
  return true;
}

bool dm_safetensors_writer_add_owned(DmSafetensorsWriter *w, const char *name, DmStDtype dtype,
                                     int ndim, const int64_t *shape, void *data,
                                     DmError **error) {
  if (!dm_safetensors_writer_add(w, name, dtype, ndim, shape, data, error)) {
    free(data);
    return false;
  }
  w->tensors[w->n_tensors - 1].owned = data;
  return true;
}

/* ---- the header --------------------------------------------------------- */

/* A growing text; `failed` once memory ran out (appends then do nothing). */
typedef struct {
  char *text;
  size_t length, capacity;
  bool failed;
} Text;

static void append(Text *t, const char *bytes, size_t n) {
  if (t->failed) return;
  if (t->length + n + 1 > t->capacity) {
    size_t grown = t->capacity ? t->capacity : 1024;
    while (grown < t->length + n + 1) grown *= 2;
    char *bigger = realloc(t->text, grown);
    if (!bigger) {
      t->failed = true;
      return;
    }
    t->text = bigger;
    t->capacity = grown;
  }
  memcpy(t->text + t->length, bytes, n);
  t->length += n;
  t->text[t->length] = '\0';
}

static void append_text(Text *t, const char *s) { append(t, s, strlen(s)); }

/* Short formatted pieces (numbers): at most 95 bytes. */
static void append_format(Text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void append_format(Text *t, const char *format, ...) {
  char piece[96];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(piece, sizeof piece, format, args);
  va_end(args);
  append(t, piece, (size_t)n);
}

/* A JSON string: quotes, backslashes and control characters escaped,
 * everything else (valid UTF-8) as it is. */
static void append_string(Text *t, const char *s) {
  append_text(t, "\"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      char escaped[2] = {'\\', (char)c};
      append(t, escaped, 2);
    } else if (c < 0x20) {
      append_format(t, "\\u%04x", (unsigned)c);
    } else {
      append(t, s, 1);
    }
  }
  append_text(t, "\"");
}

/* The header, padded with spaces to a multiple of 8 bytes. */
static bool build_header(const DmSafetensorsWriter *w, Text *header, DmError **error) {
  append_text(header, "{");
  if (w->n_metadata > 0) {
    append_text(header, "\"__metadata__\":{");
    for (int i = 0; i < w->n_metadata; i++) {
      if (i) append_text(header, ",");
      append_string(header, w->metadata[i].key);
      append_text(header, ":");
      append_string(header, w->metadata[i].value);
    }
    append_text(header, "}");
  }
  size_t offset = 0;
  for (int i = 0; i < w->n_tensors; i++) {
    const WriterTensor *t = &w->tensors[i];
    if (i || w->n_metadata > 0) append_text(header, ",");
    append_string(header, t->name);
    append_text(header, ":{\"dtype\":\"");
    append_text(header, dm_st_dtype_name(t->dtype));
    append_text(header, "\",\"shape\":[");
    for (int d = 0; d < t->ndim; d++)
      append_format(header, "%s%lld", d ? "," : "", (long long)t->shape[d]);
    if (t->nbytes > SIZE_MAX - offset)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "The tensors are too large for one file");
    append_format(header, "],\"data_offsets\":[%zu,%zu]}", offset, offset + t->nbytes);
    offset += t->nbytes;
  }
  append_text(header, "}");
  while (header->length % 8) append_text(header, " ");
  if (header->failed)
    return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory writing a header");
  /* What is written can be read back. */
  if (header->length > DM_ST_MAX_HEADER_BYTES)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The header of %d tensors and %d metadata entries would be %zu bytes, "
                        "over the 1 MiB that readers accept",
                        w->n_tensors, w->n_metadata, header->length);
  return true;
}

/* ---- the file ----------------------------------------------------------- */

/* Writes length, header and tensors into file. */
static bool write_file(const DmSafetensorsWriter *w, const Text *header, DmAtomicFile *file,
                       DmError **error) {
  unsigned char length[8];
  for (int i = 0; i < 8; i++) length[i] = (unsigned char)((uint64_t)header->length >> (8 * i));
  bool ok = dm_atomic_file_write(file, length, 8, error) &&
            dm_atomic_file_write(file, header->text, header->length, error);
  for (int i = 0; ok && i < w->n_tensors; i++)
    ok = dm_atomic_file_write(file, w->tensors[i].data, w->tensors[i].nbytes, error);
  return ok;
}

bool dm_safetensors_writer_write(DmSafetensorsWriter *w, const char *path, DmError **error) {
  Text header = {0};
  DmAtomicFile *file = NULL;
  bool ok = build_header(w, &header, error) && (file = dm_atomic_file_new(path, error));
  if (ok) {
    ok = write_file(w, &header, file, error);
    if (ok)
      ok = dm_atomic_file_commit(file, error); /* discards file on failure */
    else
      dm_atomic_file_abort(file);
  }
  free(header.text);
  return ok;
}
