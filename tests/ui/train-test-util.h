/* Helpers for the window's training tests: a tiny training, waiting for
 * its steps and letting the main loop run a while. */
#ifndef DARKMAP_TRAIN_TEST_UTIL_H
#define DARKMAP_TRAIN_TEST_UTIL_H

#include <darkmap/train.h>

#include "darkmap-train-dashboard.h"
#include "darkmap-train-files.h"
#include "window-test-util.h"

/* Steps between the tiny training's reports. */
#define TINY_REPORT_EVERY 2

/* Iterates the main loop for seconds. */
static inline void
iterate_for (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Iterates until the dashboard shows a step at least min_step. */
static inline gboolean
wait_for_step (DarkmapTrainDashboard *dashboard, gint64 min_step)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (darkmap_train_dashboard_get_last_step (dashboard) < min_step
         && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return darkmap_train_dashboard_get_last_step (dashboard) >= min_step;
}

/* A tiny hybrid score prior (16² maps, width 4, depth 2, on one CPU
 * thread) of steps steps saved as name in the models folder (model_path:
 * newly allocated). */
static inline void
tiny_request (DmTrainRequest *request, const char *name, gint64 steps, char **model_path)
{
  g_autofree char *folder = darkmap_train_models_folder ();
  g_autofree char *file = g_strconcat (name, ".safetensors", NULL);

  dm_train_request_init (request, DM_TRAIN_SCORE_HYBRID, DM_TRAIN_PRESET_QUICK);
  request->size = 16;
  request->width = 4;
  request->depth = 2;
  request->pool_maps = 8;
  request->validation = 2;
  request->batch = 2;
  request->steps = steps;
  request->report_every = TINY_REPORT_EVERY;
  request->validate_every = 10;
  request->checkpoint_every = 50;
  request->device = "cpu";
  request->threads = 1;
  request->name = name;
  *model_path = g_build_filename (folder, file, NULL);
  request->model_path = *model_path;
}

#endif
