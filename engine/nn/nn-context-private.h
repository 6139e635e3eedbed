/* The network context's private state (struct DmNn), shared by the files of
 * engine/nn: the context itself (nn-context.c), its caching allocator
 * (nn-context-allocator.c), tensors (nn-tensor.c) and autograd.
 *
 * Autograd's part of the context: `tape`, `recording`, `tape_reset` and
 * `tape_destroy` belong to the autograd code (nn-autograd*.c), which
 * installs the two functions the first time it touches the tape.  The
 * context calls tape_reset (when set) in dm_nn_clear() BEFORE it frees the
 * temporaries, so the tape may still read them, and tape_destroy (when set)
 * in dm_nn_free() before anything else is released. */
#ifndef DARKMAP_NN_CONTEXT_PRIVATE_H
#define DARKMAP_NN_CONTEXT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "darkmap/nn.h"
#include "nn/nn-backend.h"

/* One allocation of the backend's memory, owned by the caching allocator.
 * A tensor's ->block points to one; cached blocks wait in a free list. */
typedef struct DmNnBlock {
  void *ptr;               /* backend memory, `size` bytes */
  size_t size;             /* rounded size (the free-list key) */
  struct DmNnBlock *next;  /* next cached block of the same size */
  struct DmNnBlock *next_allocated;  /* every block ever allocated */
} DmNnBlock;

/* Free blocks of one rounded size. */
typedef struct DmNnFreeList {
  size_t size;
  DmNnBlock *blocks;
  struct DmNnFreeList *next;
} DmNnFreeList;

/* Blocks are never given back to the backend before dm_nn_free(). */
typedef struct {
  DmNnFreeList *lists;  /* one per rounded size seen so far */
  DmNnBlock *allocated; /* all blocks, in use or cached (for dm_nn_free) */
  size_t in_use;        /* bytes of blocks held by tensors */
  size_t peak;          /* the most in_use since dm_nn_new or dm_nn_memory_reset_peak */
  size_t cached;        /* bytes of blocks waiting in the free lists */
} DmNnAllocator;

struct DmNn {
  DmNnBackend backend;
  bool is_gpu;
  const char *device_name;   /* the backend's describe(), static storage */
  DmError *error;            /* the sticky error, or NULL */
  atomic_int *cancel;        /* polled before every kernel op; borrowed, may be NULL */
  DmTensor *temporaries;     /* singly linked through ->next_temporary */
  DmNnAllocator allocator;

  /* Autograd (see the file comment).  recording is true after dm_nn_new. */
  void *tape;
  bool recording;
  void (*tape_reset)(DmNn *nn);    /* empties the tape; may read temporaries */
  void (*tape_destroy)(DmNn *nn);  /* frees the tape itself */
};

/* Frees a temporary marked release_wanted (by dm_tensor_release, or by
 * autograd for what it owns) once nothing keeps it any more: no backward
 * rule left to read it, no backward pass holding it as a gradient, no view;
 * then lets its base go the same way.  Does nothing otherwise
 * (nn-tensor.c). */
void dm_nn_tensor_free_if_unused(DmTensor *t);

/* A block of at least `bytes` bytes, from the cache or the backend; NULL
 * with the context's error set on failure. */
DmNnBlock *dm_nn_allocator_take(DmNn *nn, size_t bytes);
/* Puts a block back into its free list (NULL is ignored). */
void dm_nn_allocator_give(DmNn *nn, DmNnBlock *block);
/* Releases every block, in use or cached, to the backend (dm_nn_free). */
void dm_nn_allocator_release_all(DmNn *nn);

#endif
