/* libFuzzer target: Darkmap's FITS readers on arbitrary bytes — the
 * catalogue reader (first table, detected columns), the table listing, the
 * image reader and the HDU summary.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-fits-catalog
 *   cp -r tests/fuzz/corpus/fuzz-fits-catalog build-fuzz/corpus-fits
 *   ASAN_OPTIONS=allocator_may_return_null=1 \
 *   build-fuzz/tests/fuzz/fuzz-fits-catalog -dict=tests/fuzz/fits.dict \
 *       -max_len=20000 -max_total_time=120 build-fuzz/corpus-fits
 *
 * allocator_may_return_null: cfitsio sizes some of its own tables from the
 * header (TFIELDS...), so a corrupt header can ask it for terabytes; the
 * allocation then fails and the reader reports DM_ERROR_NO_MEMORY, which is
 * the behaviour under test, rather than ASan aborting.
 * The seeds are small FITS files (a few-row table, a small image with WCS),
 * not the 16 MB COSMOS catalogue.  A crash, leak or
 * sanitizer report leaves the input as crash-<hash>; replay it by passing
 * that file as the only argument. */
#include <stdint.h>
#include <stdlib.h>

#include "darkmap/catalog.h"
#include "darkmap/fits.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  DmError *error = NULL;

  DmCatalog *catalog = dm_catalog_read(path, 0, NULL, NULL, &error);
  if (catalog) {
    double ra = 0.0, dec = 0.0;
    dm_catalog_median_center(catalog, &ra, &dec, &error);
  }
  dm_catalog_free(catalog);
  dm_error_clear(&error);

  int n_tables = 0;
  DmTableInfo *tables = dm_catalog_list_tables(path, &n_tables, &error);
  dm_table_info_free(tables, n_tables);
  dm_error_clear(&error);

  dm_map_free(dm_fits_read_image(path, NULL, &error));
  dm_error_clear(&error);

  free(dm_fits_describe(path, &error));
  dm_error_clear(&error);
  return 0;
}
