/* Optimisers: Adam / AdamW with bias correction and global-norm gradient
 * clipping, an exponential moving average of weights, learning-rate
 * schedules, and the training state file for an exact resume. */
#ifndef DARKMAP_NN_OPTIM_H
#define DARKMAP_NN_OPTIM_H

#include <stdbool.h>
#include <stdint.h>

#include "darkmap/nn-params.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  float lr;            /* base learning rate (schedules scale it) */
  float beta1, beta2;  /* 0.9, 0.999 */
  float eps;           /* 1e-8 */
  float weight_decay;  /* 0 */
  bool decoupled;      /* AdamW: decay applied to the weights, not the gradient */
  float clip_norm;     /* > 0: scale gradients so their global L2 norm <= clip_norm */
} DmAdamConfig;

/* PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no decay, no clipping. */
DmAdamConfig dm_adam_config_default(void);

typedef struct DmAdam DmAdam;

/* Moments (m, v) for every trainable tensor of params, zero; step 0.  The
 * optimiser borrows params (which must outlive it). */
DmAdam *dm_adam_new(DmNnParams *params, const DmAdamConfig *config, DmError **error);
void dm_adam_free(DmAdam *adam);

/* One update from the ->grad of the trainable tensors (missing grads count as
 * zero), with learning rate lr (the schedule's value for this step).  When
 * grad_norm is not NULL it receives the global gradient norm before
 * clipping.  Does not zero the gradients. */
bool dm_adam_step(DmAdam *adam, float lr, float *grad_norm, DmError **error);
int64_t dm_adam_steps(const DmAdam *adam);

/* Optimiser state (moments, step count, config) as safetensors, atomically;
 * the weights go in their own file (dm_nn_params_save). */
bool dm_adam_save(const DmAdam *adam, const char *path, DmError **error);
bool dm_adam_load(DmAdam *adam, const char *path, DmError **error);
/* The same state added to a writer (values copied) or read from an open
 * file, every tensor name and metadata key under prefix ("" or e.g.
 * "adam_g."), so that a checkpoint holds several optimisers. */
bool dm_adam_write(const DmAdam *adam, DmSafetensorsWriter *writer, const char *prefix,
                   DmError **error);
bool dm_adam_read(DmAdam *adam, const DmSafetensors *st, const char *prefix, DmError **error);

/* Exponential moving average of the trainable weights:
 * ema = decay * ema + (1 - decay) * w after each update. */
typedef struct DmNnEma DmNnEma;
DmNnEma *dm_nn_ema_new(DmNnParams *params, float decay, DmError **error);
void dm_nn_ema_free(DmNnEma *ema);
bool dm_nn_ema_update(DmNnEma *ema, DmError **error);
/* Copies the averaged weights into a set of the same layout (for sampling
 * or saving). */
bool dm_nn_ema_copy_to(const DmNnEma *ema, DmNnParams *dest, DmError **error);

typedef enum {
  DM_LR_CONSTANT,
  DM_LR_WARMUP_COSINE,  /* linear warm-up over warmup steps, cosine decay to min_factor at total */
  DM_LR_STEP,           /* multiply by gamma every step_size steps */
} DmLrScheduleKind;

typedef struct {
  DmLrScheduleKind kind;
  float base_lr;
  int64_t warmup, total;
  float min_factor;
  int64_t step_size;
  float gamma;
} DmLrSchedule;

float dm_lr_at(const DmLrSchedule *schedule, int64_t step);

#ifdef __cplusplus
}
#endif

#endif
