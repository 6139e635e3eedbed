/* safetensors files: read with strict validation, write atomically.
 *
 * The format (https://huggingface.co/docs/safetensors): 8 bytes little-endian
 * header length L, L bytes of UTF-8 JSON {"name": {"dtype": "F32", "shape":
 * [..], "data_offsets": [begin, end]}, ..., "__metadata__": {"k": "v"}},
 * then the byte buffer; offsets are relative to the buffer's start.
 *
 * A weights file is untrusted input: the reader rejects, with
 * DM_ERROR_FORMAT and a message naming the problem, a header length past the
 * end of the file or over DM_ST_MAX_HEADER_BYTES, JSON that is not well formed (or nested
 * deeper than needed, or with duplicate names), unknown dtypes, shapes whose
 * element count overflows or does not match the byte range, offsets past the
 * buffer, overlapping tensors, and a buffer with bytes that no tensor covers.
 * Nothing is read outside the file. */
#ifndef DARKMAP_SAFETENSORS_H
#define DARKMAP_SAFETENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "darkmap/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  DM_ST_F32,
  DM_ST_F16,
  DM_ST_BF16,
  DM_ST_F64,
  DM_ST_I64,
  DM_ST_I32,
  DM_ST_U8,
} DmStDtype;

#define DM_ST_MAX_DIMS 8

/* The longest header read: 1 MiB.  Darkmap's largest headers are those of
 * training checkpoints, 13 to 18 KB for the test networks and about 3 times
 * a model's own (8.5 KB for the shipped score network, 100 tensors), so
 * even a network of 8 levels keeps well below 100 KB.  Parsing takes up to
 * about 20 times the header's length (a JSON value per array item): a
 * hostile header of 1 MiB (one shape of 524,000 zeros) raises darkmap-cli's
 * peak memory from 20 to 40 MB, where one of the reference implementation's
 * 100 MB limit took it to 2.1 GB.  The tensors' bytes, as long as the file
 * says, are checked against the memory budget (darkmap/memory-budget.h)
 * before they are read. */
#define DM_ST_MAX_HEADER_BYTES ((uint64_t)1 << 20)

typedef struct {
  const char *name;          /* owned by the file object */
  DmStDtype dtype;
  int ndim;
  int64_t shape[DM_ST_MAX_DIMS];
  size_t offset;             /* byte offset of the data in the buffer */
  size_t nbytes;
} DmStTensorInfo;

typedef struct DmSafetensors DmSafetensors;

/* Reads and validates a whole file. */
DmSafetensors *dm_safetensors_read(const char *path, DmError **error);
/* Reads and validates its header alone (names, dtypes, shapes, offsets
 * within the file's size, metadata), not the tensors' bytes: what a file's
 * description needs (the shipped 11 MB MMGAN's in 0.07 ms rather than 1.3,
 * from the page cache).  Its dm_safetensors_data is NULL and
 * dm_safetensors_to_f32 fails. */
DmSafetensors *dm_safetensors_read_header(const char *path, DmError **error);
/* The same from memory (copied); what the fuzz target drives. */
DmSafetensors *dm_safetensors_parse(const void *bytes, size_t size, DmError **error);
void dm_safetensors_free(DmSafetensors *st);

int dm_safetensors_count(const DmSafetensors *st);
const DmStTensorInfo *dm_safetensors_info(const DmSafetensors *st, int i);
const DmStTensorInfo *dm_safetensors_find(const DmSafetensors *st, const char *name);
/* The tensor's element count: nbytes over the dtype's size.  (Multiplying
 * the shape can overflow: an empty tensor's other dimensions are not
 * bounded by the file's size.) */
size_t dm_safetensors_numel(const DmStTensorInfo *info);
/* The tensor's bytes (little-endian, as stored). */
const void *dm_safetensors_data(const DmSafetensors *st, const DmStTensorInfo *info);
/* Converts a F32/F16/BF16/F64 tensor to count floats (count must equal its
 * element count). */
bool dm_safetensors_to_f32(const DmSafetensors *st, const DmStTensorInfo *info, float *out,
                           size_t count, DmError **error);

/* __metadata__ values (NULL when absent). */
const char *dm_safetensors_metadata(const DmSafetensors *st, const char *key);
int dm_safetensors_metadata_count(const DmSafetensors *st);
const char *dm_safetensors_metadata_key(const DmSafetensors *st, int i);
/* A metadata value as a whole number in [min, max], or as a finite number;
 * a missing or malformed value fails with DM_ERROR_FORMAT naming path and
 * key. */
bool dm_safetensors_metadata_int(const DmSafetensors *st, const char *path, const char *key,
                                 int min, int max, int *out, DmError **error);
bool dm_safetensors_metadata_double(const DmSafetensors *st, const char *path, const char *key,
                                    double *out, DmError **error);

/* Writing: collect tensors and metadata, then write atomically (temporary
 * file, fsync, rename).  Data pointers are borrowed until write returns.
 * Tensors are written back to back in the order added (no holes, as the
 * format requires); the header is padded with spaces to a multiple of 8. */
typedef struct DmSafetensorsWriter DmSafetensorsWriter;
DmSafetensorsWriter *dm_safetensors_writer_new(void);
void dm_safetensors_writer_free(DmSafetensorsWriter *w);
bool dm_safetensors_writer_add_metadata(DmSafetensorsWriter *w, const char *key,
                                        const char *value, DmError **error);
bool dm_safetensors_writer_add(DmSafetensorsWriter *w, const char *name, DmStDtype dtype,
                               int ndim, const int64_t *shape, const void *data,
                               DmError **error);
/* The same, the writer taking over data (malloc'ed; freed with the writer,
 * or at once when the add fails): for values made only to be written. */
bool dm_safetensors_writer_add_owned(DmSafetensorsWriter *w, const char *name, DmStDtype dtype,
                                     int ndim, const int64_t *shape, void *data,
                                     DmError **error);
bool dm_safetensors_writer_write(DmSafetensorsWriter *w, const char *path, DmError **error);

/* IEEE half / bfloat16 conversions (round to nearest even). */
uint16_t dm_f32_to_f16(float x);
float dm_f16_to_f32(uint16_t h);
uint16_t dm_f32_to_bf16(float x);
float dm_bf16_to_f32(uint16_t h);

#ifdef __cplusplus
}
#endif

#endif
