/* Transparent huge pages for large buffers (core/huge-pages.h). */
#include "core/huge-pages.h"

#include <stdint.h>
#include <sys/mman.h>

#define HUGE_PAGE_BYTES ((uintptr_t)2 << 20)

void dm_advise_huge_pages(void *buffer, size_t bytes) {
  if (!buffer) return;
  uintptr_t start = ((uintptr_t)buffer + HUGE_PAGE_BYTES - 1) & ~(HUGE_PAGE_BYTES - 1);
  uintptr_t end = ((uintptr_t)buffer + bytes) & ~(HUGE_PAGE_BYTES - 1);
  if (end > start) madvise((void *)start, end - start, MADV_HUGEPAGE);
}
