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
 * DM_ERROR_UNSUPPORTED.
 *
 * What a rule reads decides how long the forward's tensors live (the
 * memory of a training step): an entry counts, on each tensor whose data
 * its rule reads, one read still to come (DmTensor.tape_reads, kept on
 * temporaries only: persistent tensors are never freed early); a tensor
 * released by its owner (dm_tensor_release) is freed once its count is
 * zero: at once when no rule reads it, else when dm_nn_backward() has run
 * the last rule that reads it.  By default a rule reads all its inputs and
 * not its output; dm_nn_tape_set_reads() says otherwise, and
 * dm_nn_tape_save() hands the entry a tensor of its own to read. */
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
  DmTensor *saved[DM_NN_TAPE_MAX_INPUTS];   /* temporaries the rule reads, owned by the
                                             * entry (dm_nn_tape_save) */
  DmTensor *output;
  unsigned reads_inputs;           /* bit k: the rule reads inputs[k]'s data */
  bool reads_output;               /* the rule reads output's data */
  bool consumed;                   /* dm_nn_backward ran the rule and let go of its reads */
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
 * counts a read on each input (see the file comment).  Returns the entry,
 * for the caller to fill saved tensors and parameters, or NULL after
 * recording an error (out of memory). */
DmNnTapeEntry *dm_nn_tape_record(DmNn *nn, const char *op, DmNnBackwardRule backward,
                                 DmTensor *output, int n, DmTensor *const *inputs);

/* Bit k of a reads mask: the rule reads inputs[k]. */
#define DM_NN_TAPE_INPUT(k) (1u << (k))

/* Declares what the entry's rule reads (a mask of DM_NN_TAPE_INPUT bits and
 * the output), in place of all its inputs; call it right after
 * dm_nn_tape_record, before anything else uses the tensors.  What it no
 * longer reads may be freed at once if its owner has released it. */
void dm_nn_tape_set_reads(DmNnTapeEntry *entry, unsigned inputs, bool output);

/* entry->saved[slot] = t, a temporary the op made for its rule alone: the
 * entry owns it, and it is freed once the rule has run (dm_nn_backward) or
 * by dm_nn_clear. */
void dm_nn_tape_save(DmNnTapeEntry *entry, int slot, DmTensor *t);

/* Tapes result as a function of the inputs whose derivative is not
 * available: differentiating through it records DM_ERROR_UNSUPPORTED naming
 * op.  Does nothing unless dm_nn_should_record(). */
bool dm_nn_tape_first_order_only(DmNn *nn, const char *op, DmTensor *result, int n,
                                 DmTensor *const *inputs);

#endif
