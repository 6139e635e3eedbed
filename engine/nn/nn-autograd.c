/* Reverse-mode differentiation over the context's tape (nn-autograd-private.h).
 *
 * A backward pass walks the tape from the entry that produced the output
 * down to the first entry: each entry whose output received a gradient runs
 * its rule, and the gradients of its inputs are added to the pending
 * gradient of the entries that produced them (tensors used several times
 * accumulate) or, for leaves, to the pass's result.  Before the walk one
 * forward sweep marks the entries from which a target (the leaves asked
 * for) can be reached, so that rules compute only gradients that lead
 * somewhere.  A pass keeps only the gradients it has still to propagate,
 * and dm_nn_backward frees each released forward tensor once the last rule
 * that reads it has run (nn-autograd-private.h). */
#include <stdlib.h>
#include <string.h>

#include "darkmap/nn-autograd.h"
#include "darkmap/nn-ops.h"
#include "nn/nn-autograd-private.h"
#include "nn/nn-backend.h"
#include "nn/nn-context-private.h"

typedef struct {
  DmNnTapeEntry **entries;  /* owned, creation order */
  int64_t count, capacity;
} DmNnTape;

/* Reads are counted on temporaries only: persistent tensors are never
 * freed early, and may be freed by their owner before the tape is emptied
 * (which then touches no tensor). */
static void read_to_come(DmTensor *t) {
  if (t && !t->persistent) t->tape_reads++;
}

/* One read of t's data by a rule is over; t goes if it was released and
 * nothing else keeps it. */
static void read_done(DmTensor *t) {
  if (!t || t->persistent) return;
  t->tape_reads--;
  dm_nn_tensor_free_if_unused(t);
}

/* The entry's rule, run by dm_nn_backward, will not read anything any
 * more. */
static void let_go_of_reads(DmNnTapeEntry *e) {
  if (e->consumed) return;
  e->consumed = true;
  for (int k = 0; k < e->n_inputs; k++)
    if (e->reads_inputs & DM_NN_TAPE_INPUT(k)) read_done(e->inputs[k]);
  for (int k = 0; k < DM_NN_TAPE_MAX_INPUTS; k++) read_done(e->saved[k]);
  if (e->reads_output) read_done(e->output);
}

static void tape_reset(DmNn *nn) {
  DmNnTape *tape = nn->tape;
  if (!tape) return;
  for (int64_t i = 0; i < tape->count; i++) free(tape->entries[i]);
  tape->count = 0;
}

static void tape_destroy(DmNn *nn) {
  DmNnTape *tape = nn->tape;
  if (!tape) return;
  tape_reset(nn);
  free(tape->entries);
  free(tape);
  nn->tape = NULL;
}

static DmNnTape *tape_get(DmNn *nn) {
  if (nn->tape) return nn->tape;
  DmNnTape *tape = calloc(1, sizeof *tape);
  if (!tape) {
    dm_nn_fail(nn, DM_ERROR_NO_MEMORY, "out of memory creating the autograd tape");
    return NULL;
  }
  nn->tape = tape;
  nn->tape_reset = tape_reset;
  nn->tape_destroy = tape_destroy;
  return tape;
}

bool dm_nn_set_recording(DmNn *nn, bool recording) {
  bool previous = nn->recording;
  nn->recording = recording;
  return previous;
}

bool dm_nn_is_recording(const DmNn *nn) { return nn->recording; }

bool dm_nn_needs_grad(const DmTensor *t) {
  return t && (t->requires_grad || t->grad_fn);
}

bool dm_nn_should_record(DmNn *nn, int n, DmTensor *const *inputs) {
  if (!nn->recording) return false;
  for (int i = 0; i < n; i++)
    if (dm_nn_needs_grad(inputs[i])) return true;
  return false;
}

DmNnTapeEntry *dm_nn_tape_record(DmNn *nn, const char *op, DmNnBackwardRule backward,
                                 DmTensor *output, int n, DmTensor *const *inputs) {
  if (!output || !dm_nn_ok(nn)) return NULL;
  DmNnTape *tape = tape_get(nn);
  if (!tape) return NULL;
  if (tape->count == tape->capacity) {
    int64_t capacity = tape->capacity ? 2 * tape->capacity : 256;
    DmNnTapeEntry **entries = realloc(tape->entries, (size_t)capacity * sizeof *entries);
    if (!entries) {
      dm_nn_fail(nn, DM_ERROR_NO_MEMORY, "out of memory growing the autograd tape");
      return NULL;
    }
    tape->entries = entries;
    tape->capacity = capacity;
  }
  DmNnTapeEntry *entry = calloc(1, sizeof *entry);
  if (!entry) {
    dm_nn_fail(nn, DM_ERROR_NO_MEMORY, "out of memory recording %s on the autograd tape", op);
    return NULL;
  }
  entry->op = op;
  entry->backward = backward;
  entry->n_inputs = n;
  for (int i = 0; i < n; i++) {
    entry->inputs[i] = inputs[i];
    entry->reads_inputs |= DM_NN_TAPE_INPUT(i);
    read_to_come(inputs[i]);
  }
  entry->output = output;
  entry->index = tape->count;
  tape->entries[tape->count++] = entry;
  output->grad_fn = entry;
  output->requires_grad = true;
  return entry;
}

void dm_nn_tape_set_reads(DmNnTapeEntry *entry, unsigned inputs, bool output) {
  for (int k = 0; k < entry->n_inputs; k++) {
    DmTensor *t = entry->inputs[k];
    bool before = entry->reads_inputs & DM_NN_TAPE_INPUT(k), after = inputs & DM_NN_TAPE_INPUT(k);
    if (before && !after) read_done(t);
    if (after && !before) read_to_come(t);
  }
  entry->reads_inputs = inputs;
  if (output && !entry->reads_output) read_to_come(entry->output);
  if (!output && entry->reads_output) read_done(entry->output);
  entry->reads_output = output;
}

void dm_nn_tape_save(DmNnTapeEntry *entry, int slot, DmTensor *t) {
  entry->saved[slot] = t;
  read_to_come(t);
  t->release_wanted = true;
}

static bool first_order_only_backward(DmNn *nn, const DmNnTapeEntry *entry, DmTensor *gy,
                                      const bool *needs, DmTensor **grads) {
  (void)gy, (void)needs, (void)grads;
  return dm_nn_fail(nn, DM_ERROR_UNSUPPORTED,
                    "the gradient of %s cannot be differentiated again (first-order backward only)",
                    entry->op);
}

bool dm_nn_tape_first_order_only(DmNn *nn, const char *op, DmTensor *result, int n,
                                 DmTensor *const *inputs) {
  if (!result) return false;
  if (!dm_nn_should_record(nn, n, inputs)) return true;
  DmNnTapeEntry *entry = dm_nn_tape_record(nn, op, first_order_only_backward, result, n, inputs);
  if (entry) dm_nn_tape_set_reads(entry, 0, false);
  return entry != NULL;
}

/* ---- backward pass ------------------------------------------------------ */

/* What a pass is for: every persistent leaf that requires a gradient
 * (dm_nn_backward), or one tensor (dm_nn_grad).  Entries below `lower` can
 * reach no target (they were made before an intermediate target). */
typedef struct {
  const DmTensor *only;  /* NULL: persistent leaves */
  int64_t lower;
} Targets;

static bool is_target_leaf(const Targets *targets, const DmTensor *t) {
  if (!t || t->grad_fn) return false;
  if (targets->only) return t == targets->only;
  return t->persistent && t->requires_grad;
}

/* A gradient must flow into t: t is a target, or was made by an entry from
 * which a target is reached. */
static bool wants_grad(const Targets *targets, const DmTensor *t) {
  if (!t) return false;
  if (targets->only && t == targets->only) return true;
  if (t->grad_fn) {
    const DmNnTapeEntry *entry = t->grad_fn;
    return entry->index >= targets->lower && entry->reaches_target;
  }
  return is_target_leaf(targets, t);
}

/* A pass keeps each gradient it still has to use (the pending gradient of
 * an entry's output, a leaf's sum) with a hold; a rule may hand the same
 * tensor to several inputs (an addition passes its gradient on to both
 * operands).  A gradient is released when its last hold goes, and a
 * tensor a rule made that nothing holds (what a view was made of, a term
 * added into a sum) as soon as it is used: a pass then keeps only the
 * gradients still to be propagated, not every one it made. */
static DmTensor *hold(DmTensor *g) {
  if (g) g->grad_holds++;
  return g;
}

/* Unlike dm_tensor_release, also while views of g remain (the reshapes of
 * as_shape_of): g goes with the last of them. */
static void release_gradient(DmTensor *g) {
  g->release_wanted = true;
  dm_nn_tensor_free_if_unused(g);
}

static void drop(DmTensor *g) {
  if (g && --g->grad_holds == 0) release_gradient(g);
}

static void release_unheld(DmTensor *g) {
  if (g && g->grad_holds == 0) release_gradient(g);
}

/* *sum += g, with *sum held (g itself when *sum is NULL).  In place when
 * the pass alone can see *sum (one hold, no view, no rule reads it, not
 * recording): the same bits as a new sum, without its memory. */
static bool accumulate(DmNn *nn, DmTensor **sum, DmTensor *g) {
  DmTensor *s = *sum;
  if (!s) {
    *sum = hold(g);
    return true;
  }
  bool ok;
  if (!nn->recording && s != g && s->block && s->grad_holds == 1 && s->views == 0 &&
      s->tape_reads == 0 && dm_tensor_same_shape(s, g)) {
    DmNnNode node = {.op = DM_NN_OP_ADD, .alpha = 1.0f, .beta = 1.0f};
    node.src[0] = s;
    node.src[1] = g;
    node.dst[0] = s;
    ok = dm_nn_compute(nn, &node);
  } else {
    DmTensor *sum_new = dm_nn_add(nn, s, g);
    ok = sum_new != NULL;
    if (ok) {
      *sum = hold(sum_new);
      drop(s);
    }
  }
  release_unheld(g);
  return ok;
}

/* Leaf gradients collected during a pass (leaf -> gradient): the leaves
 * borrowed, the gradients held. */
typedef struct {
  DmTensor **leaves;
  DmTensor **grads;
  int count, capacity;
} LeafGrads;

static void leaf_grads_free(LeafGrads *acc) {
  free(acc->leaves);
  free(acc->grads);
}

static bool leaf_accumulate(DmNn *nn, LeafGrads *acc, DmTensor *leaf, DmTensor *g) {
  for (int i = 0; i < acc->count; i++)
    if (acc->leaves[i] == leaf) return accumulate(nn, &acc->grads[i], g);
  if (acc->count == acc->capacity) {
    int capacity = acc->capacity ? 2 * acc->capacity : 64;
    DmTensor **leaves = realloc(acc->leaves, (size_t)capacity * sizeof *leaves);
    if (!leaves) return dm_nn_fail(nn, DM_ERROR_NO_MEMORY, "out of memory in backward");
    acc->leaves = leaves;
    DmTensor **grads = realloc(acc->grads, (size_t)capacity * sizeof *grads);
    if (!grads) return dm_nn_fail(nn, DM_ERROR_NO_MEMORY, "out of memory in backward");
    acc->grads = grads;
    acc->capacity = capacity;
  }
  acc->leaves[acc->count] = leaf;
  acc->grads[acc->count] = hold(g);
  acc->count++;
  return true;
}

static DmTensor *as_shape_of(DmNn *nn, DmTensor *g, const DmTensor *like) {
  if (!g || dm_tensor_same_shape(g, like)) return g;
  if (dm_tensor_numel(g) != dm_tensor_numel(like)) {
    dm_nn_fail(nn, DM_ERROR_FAILED, "backward produced a gradient of %lld elements for a tensor of %lld",
               (long long)dm_tensor_numel(g), (long long)dm_tensor_numel(like));
    return NULL;
  }
  return dm_nn_reshape(nn, g, like->shape[0], like->shape[1], like->shape[2], like->shape[3]);
}

static DmTensor *ones_like(DmNn *nn, const DmTensor *t) {
  DmTensor *ones = dm_tensor_temp(nn, t->shape[0], t->shape[1], t->shape[2], t->shape[3]);
  if (ones && !dm_tensor_fill(ones, 1.0f)) return NULL;
  return ones;
}

/* Passes the gradients an entry's rule made on to the entries that
 * produced its inputs, or to the leaves. */
static bool distribute(DmNn *nn, LeafGrads *acc, const DmNnTapeEntry *e, const bool *needs,
                       DmTensor **grads) {
  bool ok = true;
  for (int k = 0; ok && k < e->n_inputs; k++) {
    DmTensor *input = e->inputs[k];
    if (!needs[k] || !grads[k]) continue;
    DmTensor *g = as_shape_of(nn, grads[k], input);
    if (!g) ok = false;
    else if (input->grad_fn) ok = accumulate(nn, &((DmNnTapeEntry *)input->grad_fn)->pending, g);
    else ok = leaf_accumulate(nn, acc, input, g);
  }
  for (int k = 0; k < e->n_inputs; k++) release_unheld(grads[k]);
  return ok;
}

/* Whether every tensor the entry's rule reads still has its data. */
static bool reads_available(const DmNnTapeEntry *e) {
  for (int k = 0; k < e->n_inputs; k++)
    if ((e->reads_inputs & DM_NN_TAPE_INPUT(k)) && e->inputs[k] && !e->inputs[k]->data)
      return false;
  for (int k = 0; k < DM_NN_TAPE_MAX_INPUTS; k++)
    if (e->saved[k] && !e->saved[k]->data) return false;
  return !e->reads_output || e->output->data;
}

/* Back-propagates ones from output down to entry targets->lower, adding the
 * gradients of target leaves to *acc.  When stop is not NULL (an
 * intermediate target) its entry is not run and *stop_grad receives the
 * gradient of its output, no longer held.  With consume (dm_nn_backward)
 * each rule that ran lets go of what it read, so that the forward's
 * released tensors go as the pass moves down.  Every pending gradient is
 * cleared on return. */
static bool run_pass(DmNn *nn, DmTensor *output, const Targets *targets, LeafGrads *acc,
                     const DmNnTapeEntry *stop, DmTensor **stop_grad, bool consume) {
  DmNnTape *tape = nn->tape;
  DmNnTapeEntry *top = output->grad_fn;
  int64_t start = top->index;

  for (int64_t i = targets->lower; i <= start; i++) {
    DmNnTapeEntry *e = tape->entries[i];
    e->pending = NULL;
    e->reaches_target = false;
    if (e == stop) continue;
    for (int k = 0; k < e->n_inputs; k++)
      if (wants_grad(targets, e->inputs[k])) e->reaches_target = true;
  }

  top->pending = hold(ones_like(nn, output));
  bool ok = top->pending != NULL;
  for (int64_t i = start; ok && i >= targets->lower; i--) {
    DmNnTapeEntry *e = tape->entries[i];
    if (e == stop) break;
    DmTensor *gy = e->pending;
    e->pending = NULL;
    if (!gy || !e->reaches_target) {
      drop(gy);
      continue;
    }
    if (e->consumed && !reads_available(e)) {
      ok = dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT,
                      "backward: the gradient of %s needs a tensor that an earlier backward "
                      "pass freed (it had been released): a graph whose intermediates are "
                      "released can be back-propagated once",
                      e->op);
      break;
    }
    bool needs[DM_NN_TAPE_MAX_INPUTS] = {false};
    DmTensor *grads[DM_NN_TAPE_MAX_INPUTS] = {NULL};
    for (int k = 0; k < e->n_inputs; k++) needs[k] = wants_grad(targets, e->inputs[k]);
    ok = e->backward(nn, e, gy, needs, grads) && dm_nn_ok(nn) &&
         distribute(nn, acc, e, needs, grads);
    drop(gy);
    if (consume) let_go_of_reads(e);
  }

  if (stop_grad) {
    *stop_grad = ok && stop ? stop->pending : NULL;
    if (*stop_grad) (*stop_grad)->grad_holds--;  /* the caller's now */
  }
  for (int64_t i = targets->lower; i <= start; i++) tape->entries[i]->pending = NULL;
  return ok && dm_nn_ok(nn);
}

bool dm_nn_backward(DmNn *nn, DmTensor *loss) {
  if (!loss || !dm_nn_ok(nn)) return false;
  if (!loss->grad_fn)
    return dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT,
                      "backward: the loss was not computed on the tape (nothing it depends on "
                      "requires a gradient, or recording was off)");
  Targets targets = {.only = NULL, .lower = 0};
  LeafGrads acc = {0};
  bool was_recording = dm_nn_set_recording(nn, false);
  bool ok = run_pass(nn, loss, &targets, &acc, NULL, NULL, true);
  for (int i = 0; ok && i < acc.count; i++) {
    DmTensor *leaf = acc.leaves[i];
    if (!leaf->grad) {
      leaf->grad = dm_tensor_new(nn, leaf->shape[0], leaf->shape[1], leaf->shape[2], leaf->shape[3]);
      ok = leaf->grad && dm_tensor_fill(leaf->grad, 0.0f);
      if (!ok) break;
    }
    DmNnNode node = {.op = DM_NN_OP_ADD, .alpha = 1.0f, .beta = 1.0f};
    node.src[0] = leaf->grad;
    node.src[1] = acc.grads[i];
    node.dst[0] = leaf->grad;
    ok = dm_nn_compute(nn, &node);
    drop(acc.grads[i]);
  }
  dm_nn_set_recording(nn, was_recording);
  leaf_grads_free(&acc);
  return ok && dm_nn_ok(nn);
}

DmTensor *dm_nn_grad(DmNn *nn, DmTensor *output, DmTensor *input, bool create_graph) {
  if (!output || !input || !dm_nn_ok(nn)) return NULL;
  if (output == input) return ones_like(nn, output);
  if (!output->grad_fn || !dm_nn_needs_grad(input)) {
    dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT,
               "grad: the output was not computed on the tape from the input");
    return NULL;
  }
  const DmNnTapeEntry *stop = input->grad_fn;
  Targets targets = {.only = input, .lower = stop ? stop->index : 0};
  LeafGrads acc = {0};
  DmTensor *result = NULL;
  bool was_recording = dm_nn_set_recording(nn, create_graph && nn->recording);
  bool ok = run_pass(nn, output, &targets, &acc, stop, &result, false);
  dm_nn_set_recording(nn, was_recording);
  if (ok && !stop && acc.count) {
    result = acc.grads[0];
    result->grad_holds--;  /* the caller's now */
  }
  leaf_grads_free(&acc);
  if (!ok) return NULL;
  if (!result) {
    dm_nn_fail(nn, DM_ERROR_INVALID_ARGUMENT, "grad: the output does not depend on the input");
    return NULL;
  }
  return as_shape_of(nn, result, input);
}

void dm_nn_zero_grad(DmTensor *const *tensors, int count) {
  for (int i = 0; i < count; i++)
    if (tensors[i] && tensors[i]->grad) dm_tensor_fill(tensors[i]->grad, 0.0f);
}
