/* libFuzzer target: dm_fits_describe (the summary `darkmap-cli info`
 * prints) on arbitrary bytes; a summary it gives must be text that ends.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=disabled -Dcuda=disabled
 *   ninja -C build-fuzz tests/fuzz/fuzz-fits-describe
 *   cp -r tests/fuzz/corpus/fuzz-fits-describe build-fuzz/corpus-fits-describe
 *   ASAN_OPTIONS=allocator_may_return_null=1 \
 *   build-fuzz/tests/fuzz/fuzz-fits-describe -dict=tests/fuzz/fits.dict -max_len=20000 \
 *       -max_total_time=300 build-fuzz/corpus-fits-describe
 *
 * allocator_may_return_null: as for fuzz-fits-image.  A crash, leak or
 * sanitizer report leaves the input as crash-<hash>; replay it by passing
 * that file as the only argument. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/fits.h"
#include "fuzz-check.h"
#include "fuzz-scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_scratch_file(data, size);
  if (!path) return 0;
  DmError *error = NULL;
  char *summary = dm_fits_describe(path, &error);
  FUZZ_REQUIRE(summary ? strlen(summary) > 0 : error && error->message[0]);
  free(summary);
  dm_error_free(error);
  return 0;
}
