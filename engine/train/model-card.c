/* Model cards (darkmap/model-card.h): the Markdown beside a model, written
 * from a training's request and result, and its evaluation table.
 *
 * Layout: the title line, one paragraph, then "## Evaluation on a mock"
 * (when there is one), "## Validation" and "## Training".  The evaluation
 * comes first because the window's model list shows the first table row
 * marked "(this model)": the evaluation on a mock, when there is one, says
 * more than the validation.  The training table's row "| steps | N of M |"
 * is how a rewrite knows whether an evaluation is of the same model. */
#include "darkmap/model-card.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "darkmap/atomic-file.h"
#include "darkmap/model-info.h"
#include "train/train-private.h"

#define EVALUATION_HEADING "## Evaluation on a mock"
#define CALIBRATION_HEADING "## Calibration"
#define STEPS_ROW "| steps | "

char *dm_model_card_path(const char *model_path) {
  return dm_train_replace_suffix(model_path, ".md");
}

/* ---- Files ------------------------------------------------------------------ */

/* The whole file (NUL-terminated, malloc'ed), or NULL when it cannot be
 * read. */
static char *read_text(const char *path) {
  FILE *file = fopen(path, "rb");
  if (!file) return NULL;
  char *text = NULL;
  size_t length = 0, capacity = 0;
  for (;;) {
    if (length + 4096 + 1 > capacity) {
      capacity = capacity ? 2 * capacity : 8192;
      char *bigger = realloc(text, capacity);
      if (!bigger) {
        free(text);
        fclose(file);
        return NULL;
      }
      text = bigger;
    }
    size_t n = fread(text + length, 1, 4096, file);
    length += n;
    if (n < 4096) break;
  }
  bool failed = ferror(file);
  fclose(file);
  if (failed) {
    free(text);
    return NULL;
  }
  text[length] = '\0';
  return text;
}

static bool write_text(const char *path, const char *text, size_t length, DmError **error) {
  DmAtomicFile *file = dm_atomic_file_new(path, error);
  if (!file) return false;
  if (!dm_atomic_file_write(file, text, length, error)) {
    dm_atomic_file_abort(file);
    return false;
  }
  return dm_atomic_file_commit(file, error);
}

/* The section of text that starts at the line heading (up to the next
 * "## " heading or the end): *start and *end, false when there is none. */
static bool find_section(const char *text, const char *heading, const char **start,
                         const char **end) {
  size_t n = strlen(heading);
  for (const char *line = text; line && *line;) {
    if (strncmp(line, heading, n) == 0 && (line[n] == '\n' || line[n] == '\0')) {
      *start = line;
      const char *next = line;
      while ((next = strchr(next, '\n')) && strncmp(next + 1, "## ", 3) != 0) next++;
      *end = next ? next + 1 : line + strlen(line);
      return true;
    }
    line = strchr(line, '\n');
    if (line) line++;
  }
  return false;
}

/* The step count of a card's training table, or -1. */
static long long card_steps(const char *text) {
  const char *row = strstr(text, "\n" STEPS_ROW);
  return row ? strtoll(row + 1 + strlen(STEPS_ROW), NULL, 10) : -1;
}

/* ---- Words ------------------------------------------------------------------ */

static void format_seconds(double seconds, char *out, size_t size) {
  if (!(seconds >= 0.0)) snprintf(out, size, "unknown time");
  else if (seconds < 10.0) snprintf(out, size, "%.2f s", seconds);
  else if (seconds < 60.0) snprintf(out, size, "%.1f s", seconds);
  else if (seconds < 3600.0)
    snprintf(out, size, "%d min %02d s", (int)(seconds / 60.0), (int)fmod(seconds, 60.0));
  else
    snprintf(out, size, "%d h %02d min", (int)(seconds / 3600.0),
             (int)fmod(seconds / 60.0, 60.0));
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static void print_title(FILE *f, const DmTrainRequest *r) {
  if (r->kind == DM_TRAIN_COSMOGAN)
    fprintf(f, "# %s: CosmoGAN generator of %d × %d maps of %g′\n\n", r->name, r->size, r->size,
            r->pixel_arcmin);
  else if (r->kind == DM_TRAIN_MMGAN)
    fprintf(f, "# %s: MMGAN generator for %d × %d pixels of %g′\n\n", r->name, r->grid.nx,
            r->grid.ny, r->grid.pixel_arcmin);
  else
    fprintf(f, "# %s: %s score prior network for pixels of %g′\n\n", r->name,
            r->kind == DM_TRAIN_SCORE_PLAIN ? "plain" : "hybrid", r->pixel_arcmin);
}

static void print_paragraph(FILE *f, const DmTrainRequest *r, const DmTrainResult *result) {
  char time[64];
  format_seconds(result->training_seconds, time, sizeof time);
  const char *fields = r->maps_path ? "tiles of maps from a file"
                      : r->haloes    ? "lognormal fields with NFW haloes"
                                     : "lognormal fields";
  if (r->kind == DM_TRAIN_COSMOGAN) {
    fprintf(f,
            "`%s` is a CosmoGAN generator (`darkmap/cosmogan.h`, the DCGAN of Mustafa et al. "
            "2019): it emulates convergence maps of %d × %d pixels of %g′ like its training "
            "maps, %s",
            base_name(r->model_path), r->size, r->size, r->pixel_arcmin,
            result->maps[0] ? result->maps : "maps");
    if (r->maps_path) fprintf(f, " of `%s`.", r->maps_path);
    else fprintf(f, " (%s of the theory C_ell).", fields);
    if (r->size < 256 || r->width < 64)
      fprintf(f, " It is smaller than the paper's generator of 256 × 256 maps and width 64.");
  } else if (r->kind == DM_TRAIN_MMGAN)
    fprintf(f,
            "`%s` is an MMGAN generator (`darkmap/mmgan.h`): posterior samples of kappa for "
            "one survey grid, %d × %d pixels of %g′ centred on RA %.4f°, Dec %.4f°, with the "
            "mask and rotated real noise of its catalogue, trained on %s.",
            base_name(r->model_path), r->grid.nx, r->grid.ny, r->grid.pixel_arcmin,
            r->grid.center_ra, r->grid.center_dec, fields);
  else
    fprintf(f,
            "`%s` is the network %s of the score prior (`darkmap/score-network.h`), trained by "
            "denoising score matching on %s of %d × %d pixels of %g′; it serves any grid of "
            "that pixel scale.",
            base_name(r->model_path),
            r->kind == DM_TRAIN_SCORE_PLAIN ? "that is the whole" : "residual", fields, r->size,
            r->size, r->pixel_arcmin);
  fprintf(f, " %lld of %lld steps in %s on %s%s\n\n", (long long)result->steps,
          (long long)r->steps, time, result->device[0] ? result->device : "an unknown device",
          result->finished ? "." : " so far: the training can be resumed from its checkpoint.");
}

/* "a of b". */
static void print_count(FILE *f, int inside, int of) { fprintf(f, " %d of %d |", inside, of); }

/* A curve's training mean ± std and the generated mean at threshold t. */
static void print_curve(FILE *f, const DmCosmoganValidation *v, DmCosmoganCurve c, int t) {
  fprintf(f, " %.4g ± %.2g | %.4g%s |", v->reference[c][t], v->reference_std[c][t],
          v->generated[c][t],
          fabs(v->generated[c][t] - v->reference[c][t]) <= v->reference_std[c][t] ? "" : " (out)");
}

/* The CosmoGAN's validation: the paper's comparison of the generated maps
 * with the training set, a summary row and the curves. */
static void print_cosmogan_validation(FILE *f, const DmTrainResult *result) {
  const DmCosmoganValidation *v = &result->cosmogan;
  if (v->n_generated == 0) {
    fprintf(f, "No validation yet.\n\n");
    return;
  }
  double ell_nyquist = M_PI / (v->pixel_arcmin / 60.0 * M_PI / 180.0);
  fprintf(f,
          "At step %lld, %d maps generated (with the batch norms' running statistics, as "
          "sampling draws them) against %d training maps, as Mustafa et al. (2019) judge them "
          "(`darkmap/cosmogan-validation.h`). The resolved ell range is the bins whose modes "
          "have a mean ell of at most %.0f, half the Nyquist ell (wavelengths of 4 pixels or "
          "more). A point is inside when the mean of the generated maps lies within the "
          "training maps' 1-sigma scatter (the std of single maps). The KS distance D is the "
          "largest gap between the cumulative distributions of all pixel values (its p-value "
          "takes the correlated pixels as independent and is tiny for any difference).",
          (long long)v->step, v->n_generated, v->n_reference, 0.5 * ell_nyquist);
  if (v->step != result->steps)
    fprintf(f,
            " The model is the generator of step %lld, kept as the one with the lowest mean "
            "C_ell difference among the validations; training went on to step %lld (last "
            "validation: %.1f %%).",
            (long long)v->step, (long long)result->steps,
            100.0 * result->last.validation_loss);
  fprintf(f, "\n\n");
  fprintf(f, "| | mean C_ell difference | largest | C_ell inside 1σ | PDF inside 1σ | V0 | V1 | "
             "V2 | KS D |\n|---|---|---|---|---|---|---|---|---|\n");
  fprintf(f, "| CosmoGAN (this model) | %.1f %% | %.1f %% |", 100.0 * v->cl_mean_difference,
          100.0 * v->cl_max_difference);
  print_count(f, v->n_cl_inside, v->n_resolved);
  for (int c = 0; c < DM_COSMOGAN_N_CURVES; c++)
    print_count(f, v->n_inside[c], DM_COSMOGAN_THRESHOLDS);
  fprintf(f, " %.4f (p = %.2g) |\n\n", v->ks_d, v->ks_p);
  fprintf(f, "### Power spectrum\n\n| ell | C_ell training ± std | C_ell generated | relative "
             "difference | inside 1σ |\n|---|---|---|---|---|\n");
  for (int b = 0; b < DM_COSMOGAN_ELL_BINS; b++) {
    if (!isfinite(v->ell[b])) continue;
    fprintf(f, "| %.0f%s | %.3e ± %.2e | %.3e | %+.1f %% | %s |\n", v->ell[b],
            v->resolved[b] ? "" : " (not resolved)", v->cl_reference[b], v->cl_reference_std[b],
            v->cl_generated[b], 100.0 * v->cl_difference[b], v->cl_inside[b] ? "yes" : "no");
  }
  fprintf(f, "\n### Pixel PDF and Minkowski functionals\n\nTraining mean ± std and generated "
             "mean at each kappa threshold; (out) marks a point outside the training maps' "
             "1-sigma scatter. PDF per unit kappa, V1 per degree, V2 per deg².\n\n"
             "| kappa | PDF training | PDF generated | V0 training | V0 generated | V1 training "
             "| V1 generated | V2 training | V2 generated |\n"
             "|---|---|---|---|---|---|---|---|---|\n");
  for (int t = 0; t < DM_COSMOGAN_THRESHOLDS; t++) {
    fprintf(f, "| %.4f |", v->threshold[t]);
    for (int c = 0; c < DM_COSMOGAN_N_CURVES; c++) print_curve(f, v, (DmCosmoganCurve)c, t);
    fprintf(f, "\n");
  }
  fprintf(f, "\n");
}

static void print_validation(FILE *f, const DmTrainRequest *r, const DmTrainResult *result) {
  const DmTrainReport *v = &result->last;
  fprintf(f, "## Validation\n\n");
  if (r->kind == DM_TRAIN_COSMOGAN) {
    print_cosmogan_validation(f, result);
    return;
  }
  if (!isfinite(v->validation_loss)) {
    fprintf(f, "No validation yet.\n\n");
    return;
  }
  if (r->kind == DM_TRAIN_MMGAN) {
    fprintf(f,
            "At step %lld, on %d held-out pairs: r of the posterior mean with the truth inside "
            "the mask (map by map, averaged) beside the best-smoothed Kaiser-Squires map of "
            "the same shear; the RMSE of the mean (kappa); the PSNR gain of the mean of the "
            "samples over one sample, and its value for calibrated samples; the std "
            "calibration (1 when the samples' spread matches the mean's error).\n\n",
            (long long)v->step, r->validation);
    fprintf(f, "| | r | RMSE | PSNR gain | std calibration |\n|---|---|---|---|---|\n");
    fprintf(f, "| MMGAN mean (this model) | %.3f | %.4f | %.2f dB (target %.2f) | %.3f |\n",
            v->r, v->validation_loss, v->psnr_gain, v->psnr_gain_target, v->std_ratio);
    fprintf(f, "| KS, best smoothing | %.3f | | | |\n\n", v->r_ks);
    return;
  }
  fprintf(f,
          "At step %lld, on %d held-out maps: the denoising score matching loss (lower is "
          "better) of the %s against the theory score alone.\n\n",
          (long long)v->step, r->validation,
          r->kind == DM_TRAIN_SCORE_PLAIN ? "plain network" : "hybrid score");
  fprintf(f, "| | DSM loss | below the theory score |\n|---|---|---|\n");
  fprintf(f, "| %s (this model) | %.4f | %.1f %% |\n",
          r->kind == DM_TRAIN_SCORE_PLAIN ? "plain network" : "hybrid score",
          v->validation_loss, 100.0 * (1.0 - v->validation_loss / v->theory_loss));
  fprintf(f, "| theory score alone | %.4f | |\n\n", v->theory_loss);
}

/* The CosmoGAN's rows of the training table (data, network, optimiser). */
static void print_cosmogan_training(FILE *f, const DmTrainRequest *r,
                                    const DmTrainResult *result) {
  if (r->maps_path)
    fprintf(f, "| training maps | %s of `%s`, %d × %d pixels of %g′ |\n",
            result->maps[0] ? result->maps : "tiles", r->maps_path, r->size, r->size,
            r->pixel_arcmin);
  else
    fprintf(f, "| training maps | %s of %d × %d pixels of %g′: lognormal, shift %g, %s NFW "
               "haloes |\n",
            result->maps[0] ? result->maps : "simulated maps", r->size, r->size, r->pixel_arcmin,
            r->shift, r->haloes ? "with" : "without");
  if (r->maps_sha256) fprintf(f, "| maps' SHA-256 | %s |\n", r->maps_sha256);
  fprintf(f, "| network | DCGAN, latent size %d, base width %d (generator %d, %d, %d, %d, 1 "
             "channels; discriminator %d to %d) |\n",
          r->z_channels, r->width, 8 * r->width, 4 * r->width, 2 * r->width, r->width, r->width,
          8 * r->width);
  fprintf(f, "| parameters | %lld (generator) |\n", (long long)result->n_parameters);
  fprintf(f, "| batch | %d maps per step, %d maps generated per validation |\n", r->batch,
          r->validation);
  fprintf(f, "| optimiser | Adam, learning rate %g, betas (0.5, 0.999); labels swapped on 1 %% "
             "of the steps |\n",
          r->lr);
}

static void print_training(FILE *f, const DmTrainRequest *r, const DmTrainResult *result) {
  bool mmgan = r->kind == DM_TRAIN_MMGAN;
  char time[64];
  format_seconds(result->training_seconds, time, sizeof time);
  fprintf(f, "## Training\n\n| | |\n|---|---|\n");
  fprintf(f, "| kind | %s |\n", dm_train_kind_name(r->kind));
  if (r->kind == DM_TRAIN_COSMOGAN) {
    if (r->theory_path && !r->maps_path)
      fprintf(f, "| theory C_ell | `%s`%s%s |\n", r->theory_path,
              r->theory_column ? ", column " : "", r->theory_column ? r->theory_column : "");
    print_cosmogan_training(f, r, result);
    fprintf(f, "| seed | %llu |\n", (unsigned long long)r->seed);
    fprintf(f, STEPS_ROW "%lld of %lld |\n", (long long)result->steps, (long long)r->steps);
    fprintf(f, "| training time | %s |\n| device | %s |\n", time, result->device);
    return;
  }
  if (r->theory_path)
    fprintf(f, "| theory C_ell | `%s`%s%s |\n", r->theory_path, r->theory_column ? ", column " : "",
            r->theory_column ? r->theory_column : "");
  if (mmgan) {
    if (r->catalog_path) fprintf(f, "| catalogue | `%s` |\n", r->catalog_path);
    fprintf(f, "| grid | %d × %d pixels of %g′, centre RA %.6f°, Dec %.6f°, %s projection |\n",
            r->grid.nx, r->grid.ny, r->grid.pixel_arcmin, r->grid.center_ra, r->grid.center_dec,
            r->grid.projection == DM_PROJECTION_FLAT ? "flat" : "TAN");
    fprintf(f, "| pool | %d maps, %d noise realisations, %d validation pairs |\n", r->pool_maps,
            r->pool_noise, r->validation);
  } else {
    fprintf(f, "| training maps | %d × %d pixels of %g′ |\n", r->size, r->size, r->pixel_arcmin);
    fprintf(f, "| pool | %d maps, %d validation maps |\n", r->pool_maps, r->validation);
  }
  if (r->maps_path)
    fprintf(f, "| fields | tiles of `%s`: the first %d train, the next %d validate |\n",
            r->maps_path, r->pool_maps, r->validation);
  else
    fprintf(f, "| fields | lognormal, shift %g, %s NFW haloes |\n", r->shift,
            r->haloes ? "with" : "without");
  if (r->maps_sha256) fprintf(f, "| maps' SHA-256 | %s |\n", r->maps_sha256);
  fprintf(f, "| network | U-Net, base width %d, depth %d", r->width, r->depth);
  if (mmgan) fprintf(f, ", %d noise-code channels; critic width %d", r->z_channels, r->critic_width);
  fprintf(f, " |\n| parameters | %lld |\n", (long long)result->n_parameters);
  fprintf(f, "| batch | %d %s per step |\n", r->batch, mmgan ? "conditions" : "maps");
  if (r->cosine > 0)
    fprintf(f, "| learning rate | %g, warm-up and cosine decay to step %d |\n", r->lr, r->cosine);
  else
    fprintf(f, "| learning rate | %g |\n", r->lr);
  if (mmgan)
    fprintf(f, "| adversarial weight | %g; w_SD updated every %d steps |\n", r->beta_adv,
            r->adapt_every);
  else
    fprintf(f, "| noise levels | %g to %g |\n", r->sigma_min, r->sigma_max);
  fprintf(f, "| seed | %llu |\n", (unsigned long long)r->seed);
  fprintf(f, STEPS_ROW "%lld of %lld |\n", (long long)result->steps, (long long)r->steps);
  fprintf(f, "| training time | %s |\n| device | %s |\n", time, result->device);
}

/* ---- Writing ---------------------------------------------------------------- */

/* Builds a card with fill (into a memory stream) and writes it to path. */
static bool write_card(const char *path, void (*fill)(FILE *f, const void *data), const void *data,
                       DmError **error) {
  char *text = NULL;
  size_t length = 0;
  FILE *f = open_memstream(&text, &length);
  if (!f) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the model card.");
  fill(f, data);
  bool ok = fclose(f) == 0 && text;
  if (!ok) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory for the model card.");
  ok = ok && write_text(path, text, length, error);
  free(text);
  return ok;
}

/* The sections a training's card keeps when the model is the same (same
 * step count): what was measured on it after its training. */
static const char *const KEPT_HEADINGS[] = {EVALUATION_HEADING, CALIBRATION_HEADING};
#define N_KEPT (sizeof KEPT_HEADINGS / sizeof *KEPT_HEADINGS)

typedef struct {
  const DmTrainRequest *request;
  const DmTrainResult *result;
  const char *kept[N_KEPT];  /* the kept sections, or NULL */
  size_t kept_length[N_KEPT];
} TrainingCard;

static void fill_training(FILE *f, const void *data) {
  const TrainingCard *card = data;
  print_title(f, card->request);
  print_paragraph(f, card->request, card->result);
  for (size_t i = 0; i < N_KEPT; i++)
    if (card->kept[i]) fwrite(card->kept[i], 1, card->kept_length[i], f);
  print_validation(f, card->request, card->result);
  print_training(f, card->request, card->result);
}

bool dm_model_card_write_training(const DmTrainRequest *request, const DmTrainResult *result,
                                  DmError **error) {
  char *path = dm_model_card_path(request->model_path);
  if (!path) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  DmTrainRequest r = *request;
  char *stem = NULL;
  if (!r.name) r.name = stem = dm_train_replace_suffix(base_name(r.model_path), "");
  char *old = read_text(path);
  TrainingCard card = {&r, result, {NULL}, {0}};
  const char *start, *end;
  for (size_t i = 0; i < N_KEPT; i++)
    if (old && card_steps(old) == result->steps &&
        find_section(old, KEPT_HEADINGS[i], &start, &end)) {
      card.kept[i] = start;
      card.kept_length[i] = (size_t)(end - start);
    }
  bool ok = r.name && write_card(path, fill_training, &card, error);
  if (!r.name) dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  free(old);
  free(stem);
  free(path);
  return ok;
}

/* ---- The evaluation ------------------------------------------------------------- */

static const char *method_label(DmEvalMethod method, bool plain) {
  switch (method) {
  case DM_EVAL_KS:
    return "KS, best smoothing";
  case DM_EVAL_WIENER:
    return "Wiener filter";
  case DM_EVAL_SCORE:
    return "score, theory prior";
  case DM_EVAL_SCORE_HYBRID:
    return plain ? "score, plain network prior" : "score, hybrid prior";
  case DM_EVAL_SCORE_FLOW:
    return "score flow, theory prior";
  case DM_EVAL_MMGAN:
    return "MMGAN";
  case DM_EVAL_N_METHODS:
    break;
  }
  return "unknown method";
}

typedef struct {
  const DmEvalResult *result;
  DmEvalMethod model_method;
  bool plain;
  const char *description;
} EvaluationSection;

/* A metric, with its scatter over the mocks when there were several. */
static void print_value(FILE *f, const char *format, double value, double scatter, int n_mocks) {
  if (!isfinite(value)) {
    fprintf(f, " – |");
    return;
  }
  fprintf(f, " ");
  fprintf(f, format, value);
  if (n_mocks > 1) {
    fprintf(f, " ± ");
    fprintf(f, format, scatter);
  }
  fprintf(f, " |");
}

static void print_evaluation(FILE *f, const EvaluationSection *e) {
  const DmEvalResult *result = e->result;
  bool calibrated = false;
  for (int m = 0; m < DM_EVAL_N_METHODS; m++)
    calibrated = calibrated ||
                 (result->method[m].done && isfinite(result->method[m].coverage68_calibrated));
  fprintf(f, EVALUATION_HEADING "\n\n%s\n\n", e->description ? e->description : "");
  if (result->n_mocks > 1) fprintf(f, "Mean ± std over %d mocks.\n\n", result->n_mocks);
  fprintf(f, "| | r | RMSE | bias | 68 %% | 95 %% |%s time |\n|---|---|---|---|---|---|%s---|\n",
          calibrated ? " 68 % calibrated | 95 % calibrated |" : "", calibrated ? "---|---|" : "");
  for (int m = 0; m < DM_EVAL_N_METHODS; m++) {
    const DmEvalMetrics *x = &result->method[m], *sd = &result->scatter[m];
    if (!x->done) continue;
    char time[64];
    format_seconds(x->seconds, time, sizeof time);
    fprintf(f, "| %s%s |", method_label((DmEvalMethod)m, e->plain),
            m == (int)e->model_method ? " (this model)" : "");
    int n = result->n_mocks;
    print_value(f, "%.3f", x->r, sd->r, n);
    print_value(f, "%.4f", x->rmse, sd->rmse, n);
    print_value(f, "%.4f", x->bias, sd->bias, n);
    print_value(f, "%.3f", x->coverage68, sd->coverage68, n);
    print_value(f, "%.3f", x->coverage95, sd->coverage95, n);
    if (calibrated) {
      print_value(f, "%.3f", x->coverage68_calibrated, sd->coverage68_calibrated, n);
      print_value(f, "%.3f", x->coverage95_calibrated, sd->coverage95_calibrated, n);
    }
    fprintf(f, " %s |\n", time);
  }
  fprintf(f, "\n");
}

/* A card with one section replaced (or added before the first section, or
 * at the end; a minimal card when there is none). */
typedef struct {
  const char *old;           /* the card, or NULL */
  const char *model_path;
  const DmModelInfo *info;   /* NULL when the model cannot be read */
  const char *heading;       /* the section's heading line */
  void (*print)(FILE *f, const void *data);  /* the section, heading included */
  const void *data;
} SectionCard;

static void fill_section(FILE *f, const void *data) {
  const SectionCard *card = data;
  const char *old = card->old;
  const char *start, *end;
  if (!old) {
    /* A minimal card: the title and what the model file says. */
    char *name = dm_train_replace_suffix(base_name(card->model_path), "");
    const DmModelInfo *info = card->info;
    fprintf(f, "# %s: %s\n\n`%s` is a %s", name ? name : base_name(card->model_path),
            info ? dm_model_kind_describe(info->kind) : "model", base_name(card->model_path),
            info ? dm_model_kind_describe(info->kind) : "model");
    if (info && info->nx > 0) fprintf(f, " for %d × %d pixels", info->nx, info->ny);
    if (info && info->pixel_arcmin > 0.0) fprintf(f, " of %g′", info->pixel_arcmin);
    fprintf(f, ".\n\n");
    free(name);
    card->print(f, card->data);
    return;
  }
  if (find_section(old, card->heading, &start, &end)) {
    fwrite(old, 1, (size_t)(start - old), f);
    card->print(f, card->data);
    fputs(end, f);
    return;
  }
  /* Before the first section, or at the end. */
  const char *first = strstr(old, "\n## ");
  size_t head = first ? (size_t)(first + 1 - old) : strlen(old);
  fwrite(old, 1, head, f);
  if (head > 0 && old[head - 1] != '\n') fputs("\n", f);
  if (head > 1 && !(old[head - 1] == '\n' && old[head - 2] == '\n')) fputs("\n", f);
  card->print(f, card->data);
  fputs(old + head, f);
}

/* Writes model_path's card with the section print makes under heading. */
static bool write_section(const char *model_path, const char *heading,
                          void (*print)(FILE *f, const void *data), const void *data,
                          DmError **error) {
  char *path = dm_model_card_path(model_path);
  if (!path) return dm_error_set(error, DM_ERROR_NO_MEMORY, 0, "Out of memory.");
  DmModelInfo info;
  bool has_info = dm_model_info_read(model_path, &info, NULL);
  SectionCard card = {read_text(path), model_path, has_info ? &info : NULL, heading, print, data};
  bool ok = write_card(path, fill_section, &card, error);
  free((char *)card.old);
  free(path);
  return ok;
}

static void print_evaluation_section(FILE *f, const void *data) {
  print_evaluation(f, data);
}

bool dm_model_card_add_evaluation(const char *model_path, const DmEvalResult *result,
                                  DmEvalMethod model_method, const char *description,
                                  DmError **error) {
  DmModelInfo info;
  bool plain = dm_model_info_read(model_path, &info, NULL) && info.kind == DM_MODEL_SCORE_PLAIN;
  EvaluationSection section = {result, model_method, plain, description};
  return write_section(model_path, EVALUATION_HEADING, print_evaluation_section, &section, error);
}

/* ---- The calibration ------------------------------------------------------------ */

static void print_calibration(FILE *f, const void *data) {
  const DmCalibrationResult *r = data;
  const DmCalibration *c = &r->calibration;
  char time[64];
  format_seconds(r->seconds, time, sizeof time);
  fprintf(f,
          CALIBRATION_HEADING "\n\n"
          "The samples' spread about their mean is scaled by **%.3f**: the split-conformal "
          "factor that makes the error bars mean ± z std (z = 0.994) cover %.0f %% of the "
          "pixels (at 95 %%, z = 1.960, it would be %.3f), fitted on %d mocks (seed %llu, %d "
          "samples each, %lld pixels with data) of %d × %d pixels of %g′ not used for "
          "evaluation, on %s in %s (`darkmap/calibration.h`). It is applied whenever the model "
          "samples; the posterior file keeps the raw std in `STDRAW`.\n\n"
          "| error bars on the calibration mocks | 68 %% | 95 %% |\n|---|---|---|\n"
          "| raw | %.3f | %.3f |\n| calibrated | %.3f | %.3f |\n\n",
          c->factor, 100.0 * c->level, c->factor95, c->n_mocks, (unsigned long long)c->seed,
          c->n_samples, (long long)c->n_pixels, c->nx, c->ny, c->pixel_arcmin, r->device, time,
          r->coverage68_raw, r->coverage95_raw, r->coverage68, r->coverage95);
}

bool dm_model_card_add_calibration(const char *model_path, const DmCalibrationResult *result,
                                   DmError **error) {
  return write_section(model_path, CALIBRATION_HEADING, print_calibration, result, error);
}
