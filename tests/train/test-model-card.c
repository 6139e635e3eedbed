/* Model cards (darkmap/model-card.h) read back as the window's model list
 * reads them (the title, the first paragraph, the first table row marked
 * "(this model)" under its header): a training's card holds its steps,
 * time and validation numbers; an evaluation on a mock goes before the
 * validation, so that its row is the one shown, replaces an earlier one,
 * survives a rewrite at the same step count and not at another; a model
 * without a card gets a minimal one. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "darkmap/model-card.h"
#include "test-util.h"

/* The whole file, NUL-terminated (static). */
static const char *read_card(const char *path) {
  static char text[1 << 16];
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
  if (f) fclose(f);
  text[n] = '\0';
  return text;
}

/* The cells of a table line "| a | b |" into cells (trimmed); their count. */
static int table_cells(const char *line, char cells[][64], int max) {
  if (line[0] != '|') return 0;
  int n = 0;
  for (const char *p = line + 1; *p && *p != '\n' && n < max;) {
    const char *end = strchr(p, '|');
    const char *eol = strchr(p, '\n');
    if (!end || (eol && end > eol)) break;
    while (*p == ' ') p++;
    size_t len = (size_t)(end - p);
    while (len > 0 && p[len - 1] == ' ') len--;
    snprintf(cells[n++], 64, "%.*s", (int)len, p);
    p = end + 1;
  }
  return n;
}

/* The first row whose first cell holds "(this model)", its header row and
 * the heading above it, as the model list finds them. */
static bool find_own_row(const char *card, char header[][64], char row[][64], int *n,
                         char *heading) {
  bool previous_row = false;
  int header_n = 0;
  for (const char *line = card; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
    char cells[16][64];
    if (line[0] == '#') {
      const char *words = line + strspn(line, "# ");
      const char *eol = strchr(words, '\n');
      snprintf(heading, 128, "%.*s", eol ? (int)(eol - words) : (int)strlen(words), words);
    }
    int count = table_cells(line, cells, 16);
    if (count > 0 && !previous_row) {
      memcpy(header, cells, sizeof cells);
      header_n = count;
    } else if (count > 0 && strstr(cells[0], "(this model)")) {
      memcpy(row, cells, sizeof cells);
      *n = count < header_n ? count : header_n;
      return true;
    }
    previous_row = line[0] == '|';
  }
  return false;
}

/* The value under column name of the own row, as a number. */
static double own_value(const char *card, const char *column, char *heading) {
  char header[16][64], row[16][64];
  int n = 0;
  if (!find_own_row(card, header, row, &n, heading)) return NAN;
  for (int i = 1; i < n; i++)
    if (strcmp(header[i], column) == 0) return strtod(row[i], NULL);
  return NAN;
}

static void training(DmTrainRequest *r, DmTrainResult *result, const char *model, int64_t steps) {
  dm_train_request_init(r, DM_TRAIN_MMGAN, DM_TRAIN_PRESET_QUICK);
  r->model_path = model;
  r->name = "mmgan-test";
  r->theory_path = "theory/ktng_cl_theory.csv";
  r->catalog_path = "cosmos/cosmos_shear_schrabback2010.fits";
  r->grid.has_center = true;
  r->grid.center_ra = 150.119;
  r->grid.center_dec = 2.206;
  r->steps = 300;
  *result = (DmTrainResult){.steps = steps, .seconds = 80.0, .training_seconds = 151.0,
                            .n_parameters = 173161, .finished = steps == 300};
  snprintf(result->device, sizeof result->device, "cpu: test, 2 threads");
  result->last = (DmTrainReport){.step = steps, .total_steps = 300, .has_validation = true,
                                 .validation_loss = 0.01727, .theory_loss = NAN, .r = 0.784,
                                 .r_ks = 0.738, .std_ratio = 0.861, .psnr_gain = 1.98,
                                 .psnr_gain_target = 2.5};
}

int main(void) {
  DmError *error = NULL;
  char model[4096];
  snprintf(model, sizeof model, "%s", dm_test_tmp_path("card.safetensors"));
  char *path = dm_model_card_path(model);
  CHECK(path && strcmp(path + strlen(path) - strlen("card.md"), "card.md") == 0);
  DmTrainRequest r;
  DmTrainResult result;
  char heading[128] = "";

  /* A training's card. */
  training(&r, &result, model, 120);
  CHECK_OK(dm_model_card_write_training(&r, &result, &error), error);
  const char *card = read_card(path);
  printf("%s\n", card);
  CHECK(strncmp(card, "# mmgan-test: MMGAN generator for 64 × 64 pixels of 1.6′\n", 58) == 0);
  CHECK(strstr(card, "120 of 300 steps in 2 min 31 s on cpu: test, 2 threads") != NULL);
  CHECK(strstr(card, "\n| steps | 120 of 300 |\n") != NULL);
  CHECK(strstr(card, "centre RA 150.119000°, Dec 2.206000°") != NULL);
  CHECK(own_value(card, "r", heading) == 0.784 && strcmp(heading, "Validation") == 0);
  CHECK(own_value(card, "std calibration", heading) == 0.861);
  CHECK(own_value(card, "RMSE", heading) == 0.0173);
  CHECK(strstr(card, "| KS, best smoothing | 0.738 |") != NULL);

  /* An evaluation: its row is the one shown. */
  DmEvalResult eval = {.n_mocks = 1};
  eval.method[DM_EVAL_KS] = (DmEvalMetrics){
      .done = true, .r = 0.609, .rmse = 0.0274, .bias = -0.0014, .coverage68 = NAN,
      .coverage95 = NAN, .coverage68_calibrated = NAN, .coverage95_calibrated = NAN,
      .seconds = 0.03};
  eval.method[DM_EVAL_WIENER] = (DmEvalMetrics){
      .done = true, .r = 0.658, .rmse = 0.0259, .coverage68 = 0.769, .coverage95 = 0.934,
      .coverage68_calibrated = NAN, .coverage95_calibrated = NAN, .seconds = 4.2};
  /* The model's row with its calibrated coverage: the columns appear. */
  eval.method[DM_EVAL_MMGAN] = (DmEvalMetrics){
      .done = true, .r = 0.675, .rmse = 0.0309, .coverage68 = 0.369, .coverage95 = 0.612,
      .coverage68_calibrated = 0.69, .coverage95_calibrated = 0.91, .seconds = 0.35};
  CHECK_OK(dm_model_card_add_evaluation(model, &eval, DM_EVAL_MMGAN, "One mock of seed 2024.",
                                        &error),
           error);
  card = read_card(path);
  CHECK(own_value(card, "r", heading) == 0.675 && strcmp(heading, "Evaluation on a mock") == 0);
  CHECK(own_value(card, "95 %", heading) == 0.612);
  CHECK(own_value(card, "68 % calibrated", heading) == 0.69);
  CHECK(strstr(card, "| KS, best smoothing | 0.609 | 0.0274 | -0.0014 | – | – | – | – | 0.03 s |") !=
        NULL);
  CHECK(strstr(card, "One mock of seed 2024.") != NULL);
  CHECK(strstr(card, "## Evaluation on a mock") < strstr(card, "## Validation"));
  /* The first paragraph is still the training's. */
  CHECK(strstr(card, "-card.safetensors` is an MMGAN generator") != NULL);

  /* A second evaluation replaces the first. */
  eval.method[DM_EVAL_MMGAN].r = 0.7;
  CHECK_OK(dm_model_card_add_evaluation(model, &eval, DM_EVAL_MMGAN, "Another mock.", &error),
           error);
  card = read_card(path);
  const char *first = strstr(card, "## Evaluation on a mock");
  CHECK(first && !strstr(first + 1, "## Evaluation on a mock"));
  CHECK(own_value(card, "r", heading) == 0.7 && !strstr(card, "One mock of seed 2024."));

  /* Rewritten at the same step count: the evaluation stays; at another,
   * it goes (it was of another model). */
  CHECK_OK(dm_model_card_write_training(&r, &result, &error), error);
  card = read_card(path);
  CHECK(strstr(card, "Another mock.") != NULL && own_value(card, "r", heading) == 0.7);
  training(&r, &result, model, 300);
  CHECK_OK(dm_model_card_write_training(&r, &result, &error), error);
  card = read_card(path);
  CHECK(!strstr(card, "## Evaluation on a mock") && own_value(card, "r", heading) == 0.784);
  CHECK(strstr(card, "300 of 300 steps in 2 min 31 s on cpu: test, 2 threads.") != NULL);

  /* A score network's validation row. */
  dm_train_request_init(&r, DM_TRAIN_SCORE_HYBRID, DM_TRAIN_PRESET_QUICK);
  r.model_path = model;
  result.last = (DmTrainReport){.step = 300, .validation_loss = 0.4141, .theory_loss = 0.4828,
                                .r = NAN, .r_ks = NAN, .std_ratio = NAN};
  CHECK_OK(dm_model_card_write_training(&r, &result, &error), error);
  card = read_card(path);
  CHECK(own_value(card, "DSM loss", heading) == 0.4141);
  CHECK(own_value(card, "below the theory score", heading) == 14.2);
  CHECK(strstr(card, "| theory score alone | 0.4828 |") != NULL);
  CHECK(strstr(card, "hybrid score prior network for pixels of 0.29′") != NULL);

  /* No card yet: a minimal one with the evaluation. */
  remove(path);
  CHECK_OK(dm_model_card_add_evaluation(model, &eval, DM_EVAL_MMGAN, "A mock.", &error), error);
  card = read_card(path);
  CHECK(card[0] == '#' && own_value(card, "r", heading) == 0.7);
  CHECK(dm_test_count_temporaries(path) == 0);
  remove(path);
  free(path);
  return dm_test_result();
}
