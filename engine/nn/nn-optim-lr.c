/* Learning-rate schedules (darkmap/nn-optim.h).  Steps count from 0.
 *   constant:      base_lr;
 *   warmup_cosine: base_lr (step + 1) / warmup for step < warmup, then
 *                  base_lr (m + (1 - m) (1 + cos(pi p)) / 2) with
 *                  p = (step - warmup) / (total - warmup) clamped to [0, 1]
 *                  and m = min_factor: from base_lr down to m base_lr at
 *                  step total, and m base_lr after;
 *   step:          base_lr gamma^floor(step / step_size). */
#include <math.h>

#include "darkmap/nn-optim.h"

float dm_lr_at(const DmLrSchedule *schedule, int64_t step) {
  double base = schedule->base_lr;
  if (step < 0) step = 0;
  switch (schedule->kind) {
  case DM_LR_CONSTANT:
    return (float)base;
  case DM_LR_WARMUP_COSINE: {
    if (step < schedule->warmup) return (float)(base * (double)(step + 1) / (double)schedule->warmup);
    int64_t span = schedule->total - schedule->warmup;
    double p = span > 0 ? (double)(step - schedule->warmup) / (double)span : 1.0;
    if (p > 1.0) p = 1.0;
    double m = schedule->min_factor;
    return (float)(base * (m + (1.0 - m) * 0.5 * (1.0 + cos(M_PI * p))));
  }
  case DM_LR_STEP: {
    int64_t size = schedule->step_size > 0 ? schedule->step_size : 1;
    return (float)(base * pow(schedule->gamma, (double)(step / size)));
  }
  }
  return (float)base;
}
