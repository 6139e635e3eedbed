/* libFuzzer target: dm_cluster_table_read on arbitrary bytes (CSV, or FITS
 * when the input starts with "SIMPLE  =").
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-cluster-table
 *   cp -r tests/fuzz/corpus/fuzz-cluster-table build-fuzz/corpus-clusters
 *   ASAN_OPTIONS=allocator_may_return_null=1 \
 *   build-fuzz/tests/fuzz/fuzz-cluster-table -dict=tests/fuzz/fits.dict \
 *       -max_len=20000 -max_total_time=120 build-fuzz/corpus-clusters
 *
 * allocator_may_return_null: as for fuzz-fits-catalog, a corrupt FITS
 * header can make cfitsio ask for terabytes; the reader then reports
 * DM_ERROR_NO_MEMORY, which is the behaviour under test.  The seeds are the
 * shipped CSV and a small FITS table.
 *
 * A crash, leak or sanitizer report stops the run and leaves the input as
 * crash-<hash>; replay it with `build-fuzz/tests/fuzz/fuzz-cluster-table
 * crash-<hash>`. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "darkmap/cluster-table.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  DmError *error = NULL;
  DmClusterTable *table = dm_cluster_table_read(path, &error);
  if (table) {
    /* Touch every value, so that a bad pointer shows; positions are finite. */
    volatile size_t total = strlen(table->label_column) + strlen(table->mass_column);
    for (size_t i = 0; i < table->n; i++) {
      if (!isfinite(table->ra[i]) || !isfinite(table->dec[i])) __builtin_trap();
      total += strlen(table->label[i]) + (table->z[i] == table->z[i]) +
               (table->mass[i] == table->mass[i]);
    }
    (void)total;
  }
  dm_cluster_table_free(table);
  dm_error_free(error);
  return 0;
}
