/* The autograd tape, as the differentiable ops (nn-ops-*.c) see it.
 *
 * An op whose inputs need a gradient (a leaf that requires one, or a result
 * of an earlier taped op) appends one entry: the backward rule, the inputs,
 * what the rule needs saved, and the output.  The tape is a list in creation
 * order, so walking it backwards visits every consumer of a tensor before
 * the entry that produced it.
 *
 * Backward rules are written with the differentiable ops themselves; with
 * create_graph (darkmap/nn-autograd.h) the context keeps recording while they
 * run, so that the gradient is itself on the tape.  Rules of first-order-only
 * ops call raw kernels and mark their result with
 * dm_nn_tape_first_order_only(), whose own backward records
 * DM_ERROR_UNSUPPORTED. */
#ifndef DARKMAP_NN_AUTOGRAD_PRIVATE_H
#define DARKMAP_NN_AUTOGRAD_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/nn.h"

#define DM_NN_TAPE_MAX_INPUTS 4

typedef struct DmNnTapeEntry DmNnTapeEntry;

/* Computes grads[i] = d <gy, output> / d inputs[i] for each i with
 * needs[i]; a gradient left NULL counts as zero.  gy has the output's shape.
 * Returns false after recording an error in the context. */
typedef bool (*DmNnBackwardRule)(DmNn *nn, const DmNnTapeEntry *entry, DmTensor *gy,
                                 const bool *needs, DmTensor **grads);

struct DmNnTapeEntry {
  const char *op;                  /* the op's name, for messages */
  DmNnBackwardRule backward;
  int n_inputs;
  DmTensor *inputs[DM_NN_TAPE_MAX_INPUTS];  /* borrowed; may hold NULL */
  DmTensor *saved[DM_NN_TAPE_MAX_INPUTS];   /* temporaries the rule reads (the op's own:
                                             * it does not release what it saved) */
  DmTensor *output;
  int64_t shape[4];                /* a shape the rule needs (op-specific) */
  float f[4];                      /* op parameters (op-specific) */
  int i[4];
  bool flag;

  /* Used by a backward pass. */
  int64_t index;                   /* position on the tape */
  DmTensor *pending;               /* gradient accumulated for output */
  bool reaches_target;             /* some target is upstream of this entry */
};

/* Whether t takes part in differentiation: a leaf that requires a gradient,
 * or the result of a taped op. */
bool dm_nn_needs_grad(const DmTensor *t);

/* Whether an op with these inputs (NULLs allowed) must be taped: the context
 * records and one of them needs a gradient. */
bool dm_nn_should_record(DmNn *nn, int n, DmTensor *const *inputs);

/* Appends an entry for output = op(inputs), marks output as its result and
 * the inputs and output as held by the tape (never released before
 * dm_nn_clear, darkmap/nn.h).  Returns the entry, for the caller to fill
 * saved tensors and parameters, or NULL after recording an error (out of
 * memory). */
DmNnTapeEntry *dm_nn_tape_record(DmNn *nn, const char *op, DmNnBackwardRule backward,
                                 DmTensor *output, int n, DmTensor *const *inputs);

/* Tapes result as a function of the inputs whose derivative is not
 * available: differentiating through it records DM_ERROR_UNSUPPORTED naming
 * op.  Does nothing unless dm_nn_should_record(). */
bool dm_nn_tape_first_order_only(DmNn *nn, const char *op, DmTensor *result, int n,
                                 DmTensor *const *inputs);

#endif
