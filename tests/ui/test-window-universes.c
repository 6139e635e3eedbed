/* The Emulated Universes page on the demo field (360² pixels of 0.29′),
 * with tiny CosmoGAN emulators (32² maps, width 2, latent size 8) saved in
 * the user's models folder (XDG_DATA_HOME: this test's own folder in the
 * build tree):
 *  - Ctrl+6 is win.page::universes, listed in the shortcuts window;
 *  - 4 maps generated from the window are, bit for bit, dm_cosmogan_generate
 *    of the page's request (and of dm_cosmogan_generate_request_init with
 *    the emulator, count and seed), with the emulator's WCS; the caption
 *    names the emulator, size, pixel and seed; the grid shows them on one
 *    symmetric scale, map k in cell k, FITS rows upwards (the colour of map
 *    0's bottom-left pixel at its cell's bottom-left corner); clicking a
 *    thumbnail's place shows that map large at the grid's limits;
 *  - a run cancelled with Esc (win.cancel) leaves the maps, caption and grid
 *    as they were;
 *  - the Statistics page's emulator band equals the 16 % and 84 % quantiles
 *    (linear between order statistics) of per-map dm_map_stats (whole
 *    maps, the page's options) in the units drawn; its toggle hides and
 *    shows it; maps of another pixel (1′) give no band and an insensitive
 *    toggle that says why;
 *  - Save writes the cube of the maps shown: its SAMPLES are those maps;
 *  - an emulator is offered to no reconstruction method;
 *  - without an emulator the page has none and Generate does nothing.
 * Prints the time of the 4 maps. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include <darkmap/cosmogan.h>
#include <darkmap/csv.h>
#include <darkmap/map-statistics.h>
#include <darkmap/nn-autograd.h>
#include <darkmap/posterior.h>

#include "darkmap-map-view.h"
#include "darkmap-model-list.h"
#include "darkmap-stats-band.h"
#include "darkmap-stats-page.h"
#include "darkmap-stats-view.h"
#include "darkmap-train-files.h"
#include "darkmap-universes-page.h"
#include "window-test-util.h"

#define N_MAPS 4
#define SEED 7
#define GRID_WIDTH 640
#define GRID_HEIGHT 400

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DmMap, dm_map_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DmMapStats, dm_map_stats_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DmPosterior, dm_posterior_free)

/* A tiny emulator of 32² maps of pixel_arcmin saved as name in the models
 * folder, its batch norms' running statistics those of its own outputs (as
 * after training: with the initial ones tanh saturates).  Its path, newly
 * allocated. */
static char *
save_tiny_emulator (const char *name, double pixel_arcmin, uint64_t seed)
{
  g_autofree char *folder = darkmap_train_models_folder ();
  g_autofree char *file = g_strconcat (name, ".safetensors", NULL);
  char *path = g_build_filename (folder, file, NULL);
  DmError *error = NULL;
  DmCosmoganConfig config;
  DmNn *nn = dm_nn_new (DM_NN_DEVICE_CPU, 1, &error);
  DmCosmogan *model = NULL;

  CHECK_OK (nn != NULL, error);
  g_mkdir_with_parents (folder, 0755);
  dm_cosmogan_config_init (&config);
  config.size = 32;
  config.base_width = 2;
  config.z_dim = 8;
  config.pixel_arcmin = pixel_arcmin;
  config.transform_a = 0.03;
  config.transform_offset = 0.02;
  if (nn != NULL)
    CHECK_OK ((model = dm_cosmogan_new (nn, &config, false, seed, &error)) != NULL, error);
  if (model != NULL)
    {
      dm_nn_set_recording (nn, false);
      for (int pass = 0; pass < 30; pass++)
        {
          DmTensor *z = dm_tensor_temp (nn, 16, config.z_dim, 1, 1);

          CHECK (z != NULL && dm_cosmogan_fill_latent (model, z, seed + 1000, 16 * (uint64_t) pass)
                 && dm_cosmogan_forward_generator (model, z, true) != NULL);
          dm_nn_clear (nn);
        }
      CHECK_OK (dm_cosmogan_save (model, path, &error), error);
    }
  dm_cosmogan_free (model);
  dm_nn_free (nn);
  return path;
}

typedef struct
{
  gboolean done;
  GError *error;
} RunWait;

static void
on_finished (DarkmapUniversesPage *page, const GError *error, RunWait *wait)
{
  wait->done = TRUE;
  wait->error = error != NULL ? g_error_copy (error) : NULL;
}

/* Iterates until the page's run ends: its error or NULL. */
static GError *
wait_for_run (DarkmapUniversesPage *page)
{
  RunWait wait = { FALSE, NULL };
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;
  gulong handler = g_signal_connect (page, "finished", G_CALLBACK (on_finished), &wait);

  while (!wait.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (page, handler);
  if (!wait.done)
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the run did not end");
  return wait.error;
}

static const char *
visible_page (DarkmapWindow *window)
{
  GtkWidget *page = darkmap_window_get_universes_page (window);

  return gtk_stack_get_visible_child_name (GTK_STACK (gtk_widget_get_ancestor (page,
                                                                                GTK_TYPE_STACK)));
}

static void
check_shortcut (DarkmapApplication *app, DarkmapWindow *window)
{
  g_auto (GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                 "win.page::universes");
  g_autoptr (GBytes) overlay
    = g_resources_lookup_data ("/org/darkmap/Darkmap/darkmap-shortcuts-window.ui", 0, NULL);
  guint key = 0;
  GdkModifierType mods = 0;

  CHECK (accels != NULL && accels[0] != NULL);
  if (accels != NULL && accels[0] != NULL)
    CHECK (gtk_accelerator_parse (accels[0], &key, &mods) && key == GDK_KEY_6
           && mods == GDK_CONTROL_MASK);
  CHECK (overlay != NULL
         && strstr (g_bytes_get_data (overlay, NULL), ">win.page::universes<") != NULL);
}

static gboolean
same_maps (const DmMap *a, const DmMap *b)
{
  return a != NULL && b != NULL && a->nx == b->nx && a->ny == b->ny && a->nplanes == b->nplanes
         && memcmp (a->data, b->data, dm_map_plane_size (a) * (size_t) a->nplanes * sizeof (float))
              == 0;
}

/* The grid drawn: map k in cell k, the bottom-left pixel of map 0 at the
 * bottom-left of its cell in the grid's colours. */
static void
check_grid (DarkmapUniversesPage *page, const DmMap *maps)
{
  DarkmapUniversesGrid *grid = darkmap_universes_page_get_grid (page);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, GRID_WIDTH,
                                                         GRID_HEIGHT);
  cairo_t *cr = cairo_create (surface);
  DarkmapStretch linear = { DARKMAP_STRETCH_LINEAR, 1.0 };
  double lo = 0.0, hi = 0.0, x, y, side, t;
  guint8 expected[3];
  guint32 pixel;
  int px, py;

  CHECK (same_maps (darkmap_universes_grid_get_maps (grid), maps));
  CHECK (darkmap_universes_grid_get_limits (grid, &lo, &hi) && lo == -hi && hi > 0.0);
  for (int k = 0; k < maps->nplanes; k++)
    {
      CHECK (darkmap_universes_grid_cell (grid, GRID_WIDTH, GRID_HEIGHT, k, &x, &y, &side));
      CHECK (darkmap_universes_grid_index_at (grid, GRID_WIDTH, GRID_HEIGHT, x + side / 2.0,
                                              y + side / 2.0)
             == k);
    }
  CHECK (darkmap_universes_grid_index_at (grid, GRID_WIDTH, GRID_HEIGHT, 1.0, 1.0) == -1);

  darkmap_universes_grid_render (grid, cr, GRID_WIDTH, GRID_HEIGHT);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  darkmap_universes_grid_cell (grid, GRID_WIDTH, GRID_HEIGHT, 0, &x, &y, &side);
  /* The screen pixel at the centre of data pixel (0, 0): FITS row 0 at the
   * bottom. */
  px = (int) floor (x + 0.5 * side / maps->nx);
  py = (int) floor (y + side - 0.5 * side / maps->ny);
  pixel = *(const guint32 *) (cairo_image_surface_get_data (surface)
                              + py * cairo_image_surface_get_stride (surface) + 4 * px);
  t = darkmap_stretch_apply (&linear, lo, hi, maps->data[0]);
  darkmap_colormap_lookup (darkmap_universes_grid_get_colormap (grid), t, expected);
  CHECK (((pixel >> 16) & 0xff) == expected[0] && ((pixel >> 8) & 0xff) == expected[1]
         && (pixel & 0xff) == expected[2]);
  cairo_surface_destroy (surface);
}

/* 4 maps drawn by the window against the engine's own call. */
static void
check_generation (DarkmapWindow *window, DarkmapUniversesPage *page, const char *model_path)
{
  DmCosmoganGenerateRequest request, expected;
  DmCosmoganGenerateResult direct;
  g_autoptr (GError) error = NULL;
  DmError *dm_error = NULL;
  const DmMap *maps;
  double lo, hi;
  g_autofree char *seed_text = g_strdup_printf ("seed %d", SEED);

  CHECK (darkmap_universes_page_select_model (page, model_path));
  darkmap_universes_page_set_n_maps (page, N_MAPS);
  darkmap_universes_page_set_seed (page, SEED);
  CHECK (darkmap_universes_page_generate (page));
  CHECK (!darkmap_universes_page_generate (page)); /* one run at a time */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.page", "s", "universes");
  CHECK (g_strcmp0 (visible_page (window), "universes") == 0);
  error = wait_for_run (page);
  CHECK (error == NULL);
  if (error != NULL)
    fprintf (stderr, "generation: %s\n", error->message);

  CHECK (darkmap_universes_page_get_request (page, &request));
  dm_cosmogan_generate_request_init (&expected);
  CHECK (strcmp (request.model_path, model_path) == 0 && request.n_maps == N_MAPS
         && request.seed == SEED && request.batch == expected.batch
         && strcmp (request.device, expected.device) == 0 && request.threads == expected.threads
         && request.has_center == expected.has_center && request.out_path == NULL
         && request.keep_maps);
  CHECK_OK (dm_cosmogan_generate (&request, NULL, &direct, &dm_error), dm_error);
  fprintf (stderr, "%d maps of 32² drawn by dm_cosmogan_generate in %.3f s on %s\n", N_MAPS,
           direct.seconds, direct.device);
  maps = darkmap_universes_page_get_maps (page);
  CHECK (same_maps (maps, direct.maps));
  CHECK (maps != NULL && maps->wcs != NULL && maps->nplanes == N_MAPS && maps->nx == 32);
  CHECK_CLOSE (darkmap_universes_page_get_pixel_arcmin (page), 0.29, 1e-12);
  CHECK (g_strcmp0 (darkmap_universes_page_get_maps_name (page), "tiny-emulator") == 0);
  CHECK (strstr (darkmap_universes_page_get_caption (page), "tiny-emulator") != NULL
         && strstr (darkmap_universes_page_get_caption (page), "32 × 32") != NULL
         && strstr (darkmap_universes_page_get_caption (page), "0.29′") != NULL
         && strstr (darkmap_universes_page_get_caption (page), seed_text) != NULL);
  if (maps != NULL)
    check_grid (page, maps);

  /* A thumbnail opens large, at the grid's scale; Back returns. */
  darkmap_universes_page_show_map (page, 2);
  CHECK (darkmap_universes_page_get_shown_map (page) == 2);
  {
    DarkmapMapView *view = DARKMAP_MAP_VIEW (darkmap_universes_page_get_map_view (page));
    const DmMap *large = darkmap_map_view_get_map (view);
    double view_lo, view_hi;

    CHECK (large != NULL && large->nplanes == 1 && maps != NULL
           && memcmp (large->data, dm_map_plane (maps, 2), dm_map_plane_size (maps) * 4) == 0);
    CHECK (darkmap_universes_grid_get_limits (darkmap_universes_page_get_grid (page), &lo, &hi)
           && darkmap_map_view_get_limits (view, &view_lo, &view_hi) && view_lo == lo
           && view_hi == hi);
  }
  CHECK (gtk_widget_activate_action (GTK_WIDGET (page), "universes.back", NULL));
  CHECK (darkmap_universes_page_get_shown_map (page) == -1);
  dm_cosmogan_generate_result_clear (&direct);
}

/* Esc during a run: cancelled, the maps shown stay. */
static void
check_cancel (DarkmapWindow *window, DarkmapUniversesPage *page)
{
  const DmMap *before = darkmap_universes_page_get_maps (page);
  g_autofree char *caption = g_strdup (darkmap_universes_page_get_caption (page));
  g_autoptr (DmMap) kept = before != NULL ? dm_map_copy (before, NULL) : NULL;
  g_autoptr (GError) error = NULL;

  darkmap_universes_page_set_n_maps (page, 25);
  darkmap_universes_page_set_seed (page, SEED + 1);
  CHECK (darkmap_universes_page_generate (page));
  CHECK (darkmap_universes_page_is_generating (page));
  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL));
  error = wait_for_run (page);
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  CHECK (!darkmap_universes_page_is_generating (page));
  CHECK (darkmap_universes_page_get_maps (page) == before
         && same_maps (darkmap_universes_page_get_maps (page), kept));
  CHECK (g_strcmp0 (darkmap_universes_page_get_caption (page), caption) == 0);
  CHECK (same_maps (darkmap_universes_grid_get_maps (darkmap_universes_page_get_grid (page)),
                    kept));
  darkmap_universes_page_set_n_maps (page, N_MAPS);
  darkmap_universes_page_set_seed (page, SEED);
}

static DarkmapStatsPage *
stats_page (DarkmapWindow *window)
{
  return DARKMAP_STATS_PAGE (darkmap_window_get_stats_page (window));
}

/* Iterates until the Statistics page has no measurement running. */
static void
wait_for_measurements (DarkmapWindow *window)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_LIMIT_US;

  while (darkmap_stats_page_is_measuring (stats_page (window))
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

/* The emulator band against per-map dm_map_stats of the whole maps. */
static void
check_emulator_band (DarkmapWindow *window, DarkmapUniversesPage *page)
{
  DarkmapStatsView *view = darkmap_stats_page_get_view (stats_page (window));
  GtkWidget *toggle = darkmap_stats_page_get_emulator_toggle (stats_page (window));
  const DmMap *maps = darkmap_universes_page_get_maps (page);
  const DarkmapStatsBand *band;
  DmMapStatsOptions options;
  DmMapStats *stats[N_MAPS] = { NULL };
  double values[N_MAPS];
  int mismatches = 0;
  DmError *dm_error = NULL;

  CHECK (gtk_widget_activate_action (GTK_WIDGET (window), "win.page", "s", "statistics"));
  wait_for_measurements (window);
  band = darkmap_stats_view_get_emulator_band (view);
  CHECK (band != NULL && band->n_maps == N_MAPS && band->mean == NULL);
  CHECK (g_strcmp0 (darkmap_stats_view_get_emulator_label (view), "tiny-emulator") == 0);
  CHECK (gtk_widget_get_visible (toggle) && gtk_widget_get_sensitive (toggle)
         && gtk_check_button_get_active (GTK_CHECK_BUTTON (toggle)));
  if (band == NULL || maps == NULL)
    return;
  darkmap_stats_options_init (&options);
  for (int k = 0; k < N_MAPS; k++)
    CHECK_OK ((stats[k] = dm_map_stats (dm_map_plane (maps, k), NULL, NULL, maps->nx, maps->ny,
                                        darkmap_universes_page_get_pixel_arcmin (page), &options,
                                        &dm_error))
                != NULL,
              dm_error);
  for (int kind = 0; kind < DM_STAT_COUNT; kind++)
    for (int i = 0; i < band->n; i++)
      {
        for (int k = 0; k < N_MAPS; k++)
          values[k] = stats[k] != NULL ? darkmap_stats_value (stats[k], kind, i) : NAN;
        qsort (values, N_MAPS, sizeof *values, compare_doubles);
        mismatches += band->lo[kind][i] != quantile (values, N_MAPS, 0.16);
        mismatches += band->hi[kind][i] != quantile (values, N_MAPS, 0.84);
      }
  CHECK (mismatches == 0);
  fprintf (stderr, "emulator band of %d maps: V0(nu = 0) %.4f to %.4f\n", N_MAPS,
           band->lo[DM_STAT_V0][16], band->hi[DM_STAT_V0][16]);
  for (int k = 0; k < N_MAPS; k++)
    dm_map_stats_free (stats[k]);

  /* The toggle hides the band (the view's property) and shows it again. */
  gtk_check_button_set_active (GTK_CHECK_BUTTON (toggle), FALSE);
  CHECK (!darkmap_stats_view_get_show_emulator (view));
  CHECK (darkmap_stats_view_get_emulator_band (view) == band);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (toggle), TRUE);
  CHECK (darkmap_stats_view_get_show_emulator (view));

  /* The export holds the band as the emulator set: 6 statistics per
   * threshold twice, and n_maps twice; V0 at nu = 0 as drawn. */
  {
    g_autofree char *path = scratch_path ("universes-statistics.csv");
    g_autoptr (GError) error = NULL;
    DmCsvTable *table;
    int rows = 0, v0_found = 0;

    CHECK (darkmap_window_export_statistics (window, path, &error));
    table = dm_csv_read (path, &dm_error);
    CHECK_OK (table != NULL, dm_error);
    for (int r = 0; table != NULL && r < table->n_rows; r++)
      if (g_str_equal (table->text[0][r], "emulator"))
        {
          rows++;
          if (g_str_equal (table->text[2][r], "v0")
              && table->values[3][r] == band->threshold[16])
            v0_found += table->values[4][r] == (g_str_equal (table->text[1][r], "p16")
                                                    ? band->lo[DM_STAT_V0][16]
                                                    : band->hi[DM_STAT_V0][16]);
        }
    CHECK (rows == 12 * band->n + 2 && v0_found == 2);
    dm_csv_free (table);
    g_remove (path);
  }
}

/* Maps of 1′ pixels beside the field's 0.29′: no band, the toggle says why. */
static void
check_other_pixel (DarkmapWindow *window, DarkmapUniversesPage *page, const char *coarse_path)
{
  DarkmapStatsView *view = darkmap_stats_page_get_view (stats_page (window));
  GtkWidget *toggle = darkmap_stats_page_get_emulator_toggle (stats_page (window));
  g_autoptr (GError) error = NULL;
  const char *tooltip;

  CHECK (darkmap_universes_page_select_model (page, coarse_path));
  CHECK (darkmap_universes_page_generate (page));
  error = wait_for_run (page);
  CHECK (error == NULL);
  wait_for_measurements (window);
  CHECK_CLOSE (darkmap_universes_page_get_pixel_arcmin (page), 1.0, 1e-12);
  CHECK (darkmap_stats_view_get_emulator_band (view) == NULL);
  tooltip = gtk_widget_get_tooltip_text (toggle);
  CHECK (gtk_widget_get_visible (toggle) && !gtk_widget_get_sensitive (toggle)
         && tooltip != NULL && strstr (tooltip, "1′") != NULL);
}

/* Save: the cube's SAMPLES are the maps shown. */
static void
check_save (DarkmapUniversesPage *page)
{
  g_autofree char *path = scratch_path ("universes-saved.fits");
  g_autoptr (GError) error = NULL;
  g_autoptr (DmPosterior) cube = NULL;
  DmError *dm_error = NULL;

  g_remove (path);
  CHECK (darkmap_universes_page_save (page, path));
  error = wait_for_run (page);
  CHECK (error == NULL);
  CHECK_OK ((cube = dm_posterior_read (path, &dm_error)) != NULL, dm_error);
  CHECK (cube != NULL && same_maps (cube->samples, darkmap_universes_page_get_maps (page)));
  g_remove (path);
}

/* The Reconstruct dialog lists no emulator. */
static void
check_no_reconstruction (const char *model_path)
{
  DarkmapModel *model = darkmap_model_list_find (darkmap_model_list_get_default (), model_path);

  CHECK (model != NULL && darkmap_model_get_info (model)->kind == DM_MODEL_COSMOGAN);
  for (int method = 0; model != NULL && method < DM_RECONSTRUCT_N_METHODS; method++)
    CHECK (!darkmap_model_fits_method (model, (DmReconstructMethod) method));
}

/* With the user's emulators removed and no shipped one (a data folder
 * without models), a new page has no emulator; the shipped data folder
 * is then given back. */
static void
check_empty (const char *model_path, const char *coarse_path)
{
  g_autofree char *shipped = g_strdup (g_getenv ("DARKMAP_DATA_DIR"));
  g_autofree char *bare = g_strdup (dm_test_tmp_path ("bare-data"));
  GtkWidget *page;

  g_remove (model_path);
  g_remove (coarse_path);
  g_mkdir_with_parents (bare, 0700);
  g_setenv ("DARKMAP_DATA_DIR", bare, TRUE);
  darkmap_model_list_reload (darkmap_model_list_get_default ());
  page = g_object_ref_sink (darkmap_universes_page_new ());
  CHECK (!darkmap_universes_page_has_model (DARKMAP_UNIVERSES_PAGE (page)));
  CHECK (!darkmap_universes_page_generate (DARKMAP_UNIVERSES_PAGE (page)));
  g_object_unref (page);
  if (shipped != NULL)
    g_setenv ("DARKMAP_DATA_DIR", shipped, TRUE);
  else
    g_unsetenv ("DARKMAP_DATA_DIR");
  darkmap_model_list_reload (darkmap_model_list_get_default ());
  g_rmdir (bare);
}

int
main (void)
{
  g_autoptr (DarkmapApplication) app = NULL;
  char *model_path, *coarse_path;
  DarkmapWindow *window;
  DarkmapUniversesPage *page;

  app = test_application ();
  if (app == NULL)
    return DM_TEST_SKIP;
  model_path = save_tiny_emulator ("tiny-emulator", 0.29, 11);
  coarse_path = save_tiny_emulator ("tiny-emulator-coarse", 1.0, 12);

  window = demo_window (app);
  CHECK (fabs (darkmap_window_get_result (window)->pixel_arcmin / 0.29 - 1.0) < 0.01);
  page = DARKMAP_UNIVERSES_PAGE (darkmap_window_get_universes_page (window));
  check_shortcut (app, window);
  CHECK (darkmap_universes_page_has_model (page));
  check_generation (window, page, model_path);
  check_cancel (window, page);
  check_emulator_band (window, page);
  check_other_pixel (window, page, coarse_path);
  check_save (page);
  check_no_reconstruction (model_path);
  gtk_window_destroy (GTK_WINDOW (window));
  check_empty (model_path, coarse_path);
  g_free (model_path);
  g_free (coarse_path);
  return dm_test_result ();
}
