/* Transparent huge pages for large buffers (engine-internal).
 *
 * A fresh buffer is faulted in by the kernel page by page on first touch: a
 * 64 MB one takes 16,000 faults of 4 KB.  Advised for huge pages, the 2 MB
 * aligned part of it takes 2 MB pages instead (32 faults), where the system
 * allows them (Linux transparent huge pages in 'madvise' or 'always' mode);
 * elsewhere the advice changes nothing. */
#ifndef DARKMAP_CORE_HUGE_PAGES_H
#define DARKMAP_CORE_HUGE_PAGES_H

#include <stddef.h>

/* Advises the 2 MB aligned pages inside [buffer, buffer + bytes) for huge
 * pages; pages already touched keep their size.  NULL does nothing. */
void dm_advise_huge_pages(void *buffer, size_t bytes);

#endif
