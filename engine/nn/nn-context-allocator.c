/* The context's caching allocator: backend memory is requested once per
 * block and reused.  Sizes are rounded up to one of four steps per power of
 * two (at most 25 % waste) so that tensors of nearby sizes share blocks;
 * freed blocks wait in a free list per rounded size and go back to the
 * backend only in dm_nn_free().  The bytes of blocks in use are counted,
 * with their peak (dm_nn_memory_peak). */
#include <stdlib.h>

#include "nn/nn-context-private.h"

/* 256 bytes at least; above, the next of 2^k, 1.25, 1.5, 1.75 times 2^k. */
static size_t round_block_size(size_t bytes) {
  if (bytes <= 256) return 256;
  size_t power = 256;
  while (power * 2 < bytes) power *= 2;
  size_t quarter = power / 4;
  return (bytes + quarter - 1) / quarter * quarter;
}

static DmNnFreeList *free_list_for(DmNn *nn, size_t size) {
  for (DmNnFreeList *list = nn->allocator.lists; list; list = list->next)
    if (list->size == size) return list;
  return NULL;
}

static void count_in_use(DmNn *nn, size_t size) {
  nn->allocator.in_use += size;
  if (nn->allocator.in_use > nn->allocator.peak) nn->allocator.peak = nn->allocator.in_use;
}

DmNnBlock *dm_nn_allocator_take(DmNn *nn, size_t bytes) {
  if (!dm_nn_ok(nn)) return NULL;
  size_t size = round_block_size(bytes);
  DmNnFreeList *list = free_list_for(nn, size);
  if (list && list->blocks) {
    DmNnBlock *block = list->blocks;
    list->blocks = block->next;
    block->next = NULL;
    nn->allocator.cached -= size;
    count_in_use(nn, size);
    return block;
  }
  DmNnBlock *block = calloc(1, sizeof *block);
  if (!block) {
    dm_nn_fail(nn, DM_ERROR_NO_MEMORY, "Out of memory for a tensor's block record.");
    return NULL;
  }
  DmError *error = NULL;
  block->ptr = nn->backend.funcs->alloc(nn->backend.ctx, size, &error);
  if (!block->ptr) {
    free(block);
    dm_nn_fail(nn, error ? error->code : DM_ERROR_NO_MEMORY,
               "Cannot allocate %zu bytes of %s memory: %s", size, nn->backend.funcs->name,
               error ? error->message : "no detail");
    dm_error_free(error);
    return NULL;
  }
  block->size = size;
  block->next_allocated = nn->allocator.allocated;
  nn->allocator.allocated = block;
  count_in_use(nn, size);
  return block;
}

void dm_nn_allocator_give(DmNn *nn, DmNnBlock *block) {
  if (!block) return;
  DmNnFreeList *list = free_list_for(nn, block->size);
  if (!list) {
    list = calloc(1, sizeof *list);
    if (!list) return; /* the block stays allocated and is released by dm_nn_free */
    list->size = block->size;
    list->next = nn->allocator.lists;
    nn->allocator.lists = list;
  }
  block->next = list->blocks;
  list->blocks = block;
  nn->allocator.in_use -= block->size;
  nn->allocator.cached += block->size;
}

void dm_nn_allocator_release_all(DmNn *nn) {
  for (DmNnBlock *block = nn->allocator.allocated, *next; block; block = next) {
    next = block->next_allocated;
    nn->backend.funcs->release(nn->backend.ctx, block->ptr);
    free(block);
  }
  for (DmNnFreeList *list = nn->allocator.lists, *next; list; list = next) {
    next = list->next;
    free(list);
  }
  nn->allocator = (DmNnAllocator){0};
}

void dm_nn_memory_stats(const DmNn *nn, size_t *in_use, size_t *cached) {
  if (in_use) *in_use = nn ? nn->allocator.in_use : 0;
  if (cached) *cached = nn ? nn->allocator.cached : 0;
}

size_t dm_nn_memory_peak(const DmNn *nn) { return nn ? nn->allocator.peak : 0; }

void dm_nn_memory_reset_peak(DmNn *nn) {
  if (nn) nn->allocator.peak = nn->allocator.in_use;
}
