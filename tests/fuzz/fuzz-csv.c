/* libFuzzer target: dm_csv_read on arbitrary bytes.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-csv
 *   cp -r tests/fuzz/corpus/fuzz-csv build-fuzz/corpus-csv
 *   build-fuzz/tests/fuzz/fuzz-csv -max_total_time=120 build-fuzz/corpus-csv
 *
 * A crash, leak or sanitizer report stops the run and leaves the input as
 * crash-<hash>; replay it with `build-fuzz/tests/fuzz/fuzz-csv crash-<hash>`. */
#include <stdint.h>

#include "darkmap/csv.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  DmError *error = NULL;
  DmCsvTable *table = dm_csv_read(path, &error);
  if (table) {
    /* Touch every cell, so that a bad pointer shows. */
    volatile size_t total = 0;
    for (int c = 0; c < table->n_columns; c++) {
      total += (size_t)dm_csv_find_column(table, table->names[c]);
      for (int r = 0; r < table->n_rows; r++)
        total += table->text[c][r][0] + (table->values[c][r] == table->values[c][r]);
    }
    (void)total;
  }
  dm_csv_free(table);
  dm_error_free(error);
  return 0;
}
