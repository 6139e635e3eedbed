/* DarkmapWindow: opening catalogues, running jobs, showing kappa. */
#include "darkmap-window.h"
#include "darkmap-window-private.h"

#include "darkmap-application.h"
#include "darkmap-catalog-dialog.h"
#include "darkmap-display-popover.h"
#include "darkmap-cluster-panel.h"
#include "darkmap-cluster-popover.h"
#include "darkmap-export.h"
#include "darkmap-file-chooser.h"
#include "darkmap-map-page.h"
#include "darkmap-map-toolbar.h"
#include "darkmap-map-view.h"
#include "darkmap-preferences.h"
#include "darkmap-recent.h"
#include "darkmap-side-panel.h"
#include "darkmap-smoother.h"
#include "darkmap-spectrum-view.h"

#include <math.h>
#include <stdlib.h>

#include <darkmap/cluster-table.h>
#include <darkmap/fits.h>
#include <darkmap/healpix.h>
#include <darkmap/mask.h>
#include <darkmap/theory.h>
#include <glib/gi18n.h>

#define DARKMAP_APP_ID "org.darkmap.Darkmap"
#define DARKMAP_DEMO_CLUSTERS "cosmos/xray_finoguenov2007.csv"

G_DEFINE_FINAL_TYPE (DarkmapWindow, darkmap_window, GTK_TYPE_APPLICATION_WINDOW)

/* The layers, in the order of layer_names (win.layer's states). */
static const char *const layer_names[N_LAYERS] = {
  "kappa-e", "kappa-b", "shear", "counts", "noise", "mean", "std", "significance", "sample",
};

#define show_error darkmap_window_show_error
#define display_limit darkmap_window_display_limit

/* The clusters' kappa follows the smoothing this long after the last
 * smoothed map arrives (placing them again rebinds every row of the panel). */
#define CLUSTERS_REFRESH_MS 250

enum { SIGNAL_JOB_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

enum { PROP_0, PROP_SHOW_CLUSTERS, PROP_PAGE, PROP_LAYER, PROP_SHOW_CONTOURS, N_PROPS };
static GParamSpec *properties[N_PROPS];

double
darkmap_window_three_sigma (const float *data, size_t n, double *mean)
{
  size_t n_finite = 0;
  double sum = 0.0, sum2 = 0.0, m, spread;

  for (size_t i = 0; i < n; i++)
    if (isfinite (data[i]))
      {
        sum += data[i];
        sum2 += (double) data[i] * data[i];
        n_finite++;
      }
  if (mean != NULL)
    *mean = n_finite > 0 ? sum / (double) n_finite : 0.0;
  if (n_finite == 0)
    return 1.0;
  m = sum / (double) n_finite;
  spread = 3.0 * sqrt (MAX (sum2 / (double) n_finite - m * m, 0.0));
  return spread > 0.0 ? spread : 1.0;
}

double
darkmap_window_display_limit (const DmMap *map)
{
  return darkmap_window_three_sigma (dm_map_plane (map, 0), dm_map_plane_size (map), NULL);
}

double
darkmap_window_plane_max (const DmMap *map)
{
  const float *data = dm_map_plane (map, 0);
  size_t n = dm_map_plane_size (map);
  double max = 0.0;

  for (size_t i = 0; i < n; i++)
    if (isfinite (data[i]) && data[i] > max)
      max = data[i];
  return max > 0.0 ? max : 1.0;
}

DarkmapColormap
darkmap_window_preferred_colormap (DarkmapWindow *self)
{
  g_autofree char *name = NULL;
  DarkmapColormap cmap = DARKMAP_COLORMAP_GREY;

  if (self->settings != NULL)
    {
      name = g_settings_get_string (self->settings, "colormap");
      darkmap_colormap_from_name (name, &cmap);
    }
  return cmap;
}

static void
apply_colormap (DarkmapWindow *self)
{
  DarkmapColormap cmap = darkmap_window_preferred_colormap (self);

  /* Counts and noise are positive: a diverging map would centre them on
   * nothing. */
  if ((self->layer == LAYER_COUNTS || self->layer == LAYER_NOISE || self->layer == LAYER_STD)
      && cmap == DARKMAP_COLORMAP_RDBU)
    cmap = DARKMAP_COLORMAP_VIRIDIS;
  darkmap_map_view_set_colormap (self->map_view, cmap);
  /* The compared posteriors are kappa maps: the colour map as chosen. */
  if (self->compare_view != NULL)
    for (int side = DARKMAP_COMPARE_LEFT; side <= DARKMAP_COMPARE_RIGHT; side++)
      darkmap_map_view_set_colormap (
        darkmap_compare_view_get_map_view (self->compare_view, (DarkmapCompareSide) side), cmap);
}

static void
apply_coordinate_format (DarkmapWindow *self)
{
  g_autofree char *format = NULL;

  if (self->settings != NULL)
    format = g_settings_get_string (self->settings, "coordinate-format");
  darkmap_map_view_set_sexagesimal (self->map_view, g_strcmp0 (format, "sexagesimal") == 0);
}

/* Shows the current layer of result in the map view: signed maps (the KS
 * modes, and the E mode under the sticks) between ±3 standard deviations of
 * the E mode, so that B is judged on E's scale; counts and noise from 0 to
 * their maximum.  FALSE when the view cannot copy the maps. */
static gboolean
show_layer (DarkmapWindow *self, const DarkmapResult *result, GError **error)
{
  const DmMap *map;
  g_autoptr (DmMap) posterior_map = NULL;
  DmError *dm_error = NULL;
  double lo = 0.0, hi = 1.0;
  /* A new field is shown first on its E mode: the posteriors shown are the
   * old field's, and go once it is adopted. */
  Layer layer = LAYER_IS_POSTERIOR (self->layer) && result != self->result ? LAYER_KAPPA_E
                                                                           : self->layer;

  switch (layer)
    {
    case LAYER_MEAN:
    case LAYER_STD:
    case LAYER_SIGNIFICANCE:
    case LAYER_SAMPLE:
      posterior_map = darkmap_window_posterior_layer_map (self, layer, &lo, &hi, &dm_error);
      if (posterior_map == NULL)
        {
          darkmap_propagate_engine_error (error, dm_error);
          return FALSE;
        }
      map = posterior_map;
      break;
    case LAYER_KAPPA_B:
      map = result->kappa_b;
      break;
    case LAYER_COUNTS:
      map = result->binned->counts;
      break;
    case LAYER_NOISE:
      map = result->binned->noise; /* plane 0: the std of g1 */
      break;
    default:
      map = result->kappa_e;
      break;
    }
  if (!darkmap_map_view_set_map (self->map_view, map, &dm_error)
      || !darkmap_map_view_set_mask (self->map_view, result->binned->mask, &dm_error)
      || !darkmap_map_view_set_whiskers (self->map_view,
                                         layer == LAYER_SHEAR ? result->binned->shear
                                                                    : NULL,
                                         result->binned->counts, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  if (LAYER_IS_POSTERIOR (layer))
    ; /* the posterior's own limits */
  else if (layer == LAYER_COUNTS || layer == LAYER_NOISE)
    {
      lo = 0.0;
      hi = darkmap_window_plane_max (map);
    }
  else
    {
      hi = display_limit (result->kappa_e);
      lo = -hi;
    }
  darkmap_map_view_set_limits (self->map_view, lo, hi);
  apply_colormap (self);
  darkmap_window_update_statistics (self, result, layer);
  return TRUE;
}

/* The E map's spectrum and contours: those the worker made when they wait
 * in result (taken), else measured now (a new mask). */
static DarkmapKappaProducts *
take_products (DarkmapResult *result, GError **error)
{
  DarkmapKappaProducts *products = g_steal_pointer (&result->products);
  DmError *dm_error = NULL;

  if (products == NULL
      && (products = darkmap_kappa_products_new (result->kappa_e, result->binned->mask,
                                                 &dm_error)) == NULL)
    darkmap_propagate_engine_error (error, dm_error);
  return products;
}

/* Shows result's E map's spectrum from products (taken); FALSE when the
 * view cannot take it. */
static gboolean
show_spectrum (DarkmapWindow *self, const DarkmapResult *result, DarkmapKappaProducts *products,
               GError **error)
{
  DmError *dm_error = NULL;

  if (!darkmap_spectrum_view_set_spectrum (self->spectrum_view, result->kappa_e,
                                           g_steal_pointer (&products->spectrum),
                                           result->binned->mask, result->binned->noise,
                                           result->smooth_sigma, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  return TRUE;
}

/* Shows a new result in the map view; FALSE when the view cannot copy it. */
static gboolean
show_result (DarkmapWindow *self, DarkmapResult *result, GError **error)
{
  g_autoptr (DarkmapKappaProducts) products = take_products (result, error);
  gboolean ok;

  /* The spectrum first: it leaves its view as it was when it fails. */
  if (products == NULL || !show_spectrum (self, result, products, error))
    return FALSE;
  if (result == self->result)
    darkmap_window_show_posterior_spectrum (self);
  ok = show_layer (self, result, error);
  if (ok)
    darkmap_map_view_take_contours (self->map_view, g_steal_pointer (&products->contours));
  return ok;
}

static void update_clusters (DarkmapWindow *self);

/* The clusters placed again on the result's E map (their kappa follows
 * it), the selected one kept selected. */
static void
replace_clusters (DarkmapWindow *self)
{
  DarkmapCluster *selected = darkmap_map_view_get_selected_cluster (self->map_view);
  guint position = 0;
  gboolean found = selected != NULL && self->clusters != NULL
                   && g_list_store_find (self->clusters, selected, &position);
  g_autoptr (DarkmapCluster) again = NULL;

  update_clusters (self);
  if (found && self->clusters != NULL)
    {
      again = g_list_model_get_item (G_LIST_MODEL (self->clusters), position);
      darkmap_map_view_set_selected_cluster (self->map_view, again);
    }
}

static gboolean
refresh_clusters (gpointer user_data)
{
  DarkmapWindow *self = DARKMAP_WINDOW (user_data);

  self->clusters_timeout = 0;
  replace_clusters (self);
  return G_SOURCE_REMOVE;
}

/* A smoothing asked for by the scale has finished: its maps replace the
 * result's, with the spectrum and contours its worker measured, and what
 * shows them follows (the clusters' kappa once the scale has settled). */
static void
on_smoothed (DarkmapSmoother *smoother, double sigma, DarkmapWindow *self)
{
  DmMap *kappa_e = NULL, *kappa_b = NULL;
  g_autoptr (DarkmapKappaProducts) products = NULL;
  DarkmapResult *r = self->result;
  g_autoptr (GError) error = NULL;
  gboolean ok;

  if (!darkmap_smoother_take_maps (smoother, &kappa_e, &kappa_b, &products, &error)
      || smoother != self->smoother || r == NULL)
    {
      if (error != NULL && smoother == self->smoother)
        show_error (self, _("Could not smooth the map"), error->message);
      dm_map_free (kappa_e);
      dm_map_free (kappa_b);
      return;
    }
  dm_map_free (r->kappa_e);
  dm_map_free (r->kappa_b);
  r->kappa_e = kappa_e;
  r->kappa_b = kappa_b;
  r->smooth_sigma = sigma;
  ok = show_spectrum (self, r, products, &error);
  if (ok)
    darkmap_window_show_posterior_spectrum (self);
  /* Counts and noise do not change with the smoothing. */
  ok = ok && (self->layer == LAYER_COUNTS || self->layer == LAYER_NOISE
              || show_layer (self, r, &error));
  if (ok)
    darkmap_map_view_take_contours (self->map_view, g_steal_pointer (&products->contours));
  if (!ok)
    show_error (self, _("Could not show the smoothed map"), error->message);
  g_clear_handle_id (&self->clusters_timeout, g_source_remove);
  self->clusters_timeout = g_timeout_add (CLUSTERS_REFRESH_MS, refresh_clusters, self);
}

static void
on_smoothing_changed (GtkRange *range, DarkmapWindow *self)
{
  if (self->smoother != NULL)
    darkmap_smoother_request (self->smoother, gtk_range_get_value (range));
}

/* A smoother for the result shown, the scale at its smoothing. */
static void
reset_smoothing (DarkmapWindow *self)
{
  DarkmapResult *r = self->result;

  g_clear_object (&self->smoother);
  g_clear_handle_id (&self->clusters_timeout, g_source_remove);
  self->smoother = darkmap_smoother_new (r->kappa_e_raw, r->kappa_b_raw, r->binned->mask, NULL);
  if (self->smoother != NULL)
    g_signal_connect_object (self->smoother, "smoothed", G_CALLBACK (on_smoothed), self, 0);
  g_signal_handler_block (self->smoothing_scale, self->smoothing_handler);
  gtk_range_set_value (GTK_RANGE (self->smoothing_scale), r->smooth_sigma);
  g_signal_handler_unblock (self->smoothing_scale, self->smoothing_handler);
}

void
darkmap_window_refresh_layer (DarkmapWindow *self)
{
  g_autoptr (GError) error = NULL;

  if (self->result != NULL && !show_layer (self, self->result, &error))
    show_error (self, _("Could not show the layer"), error->message);
}

void
darkmap_window_select_layer (DarkmapWindow *self, Layer layer)
{
  /* A posterior layer needs a posterior. */
  if (layer == self->layer || (LAYER_IS_POSTERIOR (layer) && self->posterior == NULL))
    return;
  self->layer = layer;
  gtk_widget_set_visible (GTK_WIDGET (self->sample_player), layer == LAYER_SAMPLE);
  darkmap_window_refresh_layer (self);
  darkmap_window_update_caption (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAYER]);
}

static void
set_layer (DarkmapWindow *self, const char *name)
{
  for (int k = 0; k < N_LAYERS; k++)
    if (g_strcmp0 (name, layer_names[k]) == 0)
      darkmap_window_select_layer (self, (Layer) k);
}

/* The readout of the pointer: sky position in sexagesimal and degrees,
 * pixel, and the value of the layer shown there. */
static void
on_cursor_moved (DarkmapMapView *view, double ra, double dec, double x, double y, double value,
                 DarkmapWindow *self)
{
  g_autofree char *sky = NULL;
  g_autofree char *reading = NULL;
  g_autofree char *text = NULL;
  const DarkmapResult *r = self->result;
  int ix, iy;

  if (!isfinite (x) || !isfinite (y) || r == NULL)
    {
      gtk_label_set_text (self->cursor_label, "");
      return;
    }
  ix = (int) floor (x + 0.5);
  iy = (int) floor (y + 0.5);
  sky = darkmap_format_sky_position (ra, dec);
  switch (self->layer)
    {
    case LAYER_KAPPA_E:
      reading = g_strdup_printf (_("κ E = %.4f"), value);
      break;
    case LAYER_KAPPA_B:
      reading = g_strdup_printf (_("κ B = %.4f"), value);
      break;
    case LAYER_COUNTS:
      reading = g_strdup_printf (ngettext ("%d galaxy", "%d galaxies", (int) value),
                                 (int) value);
      break;
    case LAYER_NOISE:
      reading = g_strdup_printf (_("noise of g1 = %.4f"), value);
      break;
    case LAYER_MEAN:
    case LAYER_STD:
    case LAYER_SIGNIFICANCE:
    case LAYER_SAMPLE:
      reading = darkmap_window_posterior_reading (self, self->layer, value);
      break;
    default:
      {
        size_t p = (size_t) iy * (size_t) r->binned->shear->nx + (size_t) ix;

        reading = g_strdup_printf (_("g1 = %.4f, g2 = %.4f, κ E = %.4f"),
                                   dm_map_plane (r->binned->shear, 0)[p],
                                   dm_map_plane (r->binned->shear, 1)[p], value);
      }
      break;
    }
  /* TRANSLATORS: sky position, then pixel column and row, then the value */
  text = g_strdup_printf (_("%s   pixel (%d, %d)   %s"), sky, ix, iy, reading);
  gtk_label_set_text (self->cursor_label, text);
}

/* Places the cluster table on the map shown, for the overlay and the panel:
 * the list of the table shown is placed again (its rows in the panel kept),
 * a new table gets a new list. */
static void
update_clusters (DarkmapWindow *self)
{
  const DmMap *map = self->result != NULL ? self->result->kappa_e : NULL;
  g_autofree char *name = NULL;
  g_autofree char *counts = NULL;
  g_autofree char *summary = NULL;
  guint n, on_map = 0;

  if (self->cluster_table == NULL)
    g_clear_object (&self->clusters);
  else if (self->clusters != NULL)
    darkmap_cluster_list_set_map (self->clusters, self->cluster_table, map);
  else
    self->clusters = darkmap_cluster_list_new (self->cluster_table, map);
  darkmap_window_apply_significance (self);
  darkmap_map_view_set_clusters (self->map_view, G_LIST_MODEL (self->clusters));
  darkmap_cluster_popover_set_mass_name (
    DARKMAP_CLUSTER_POPOVER (darkmap_map_view_get_cluster_popover (self->map_view)),
    self->cluster_table != NULL ? self->cluster_table->mass_column : NULL);
  if (self->clusters == NULL)
    {
      darkmap_cluster_panel_set_clusters (self->cluster_panel, NULL, _("No cluster table"));
      return;
    }
  n = g_list_model_get_n_items (G_LIST_MODEL (self->clusters));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (G_LIST_MODEL (self->clusters), i);
      double x, y;

      on_map += darkmap_cluster_get_pixel (cluster, &x, &y);
    }
  name = g_path_get_basename (self->cluster_path);
  /* TRANSLATORS: "72 clusters in xray.csv, 47 on the map" */
  counts = g_strdup_printf (ngettext ("%u cluster in %s, %u on the map",
                                      "%u clusters in %s, %u on the map", n),
                            n, name, on_map);
  if (self->cluster_table->mass_column[0] != '\0')
    /* TRANSLATORS: %s is the name of the table's mass column */
    summary = g_strdup_printf (_("%s; rings sized by %s (log scale)"), counts,
                               self->cluster_table->mass_column);
  else
    summary = g_steal_pointer (&counts);
  darkmap_cluster_panel_set_clusters (self->cluster_panel, G_LIST_MODEL (self->clusters), summary);
}

static void
update_status (DarkmapWindow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  const DarkmapResult *r = self->result;

  if (r == NULL)
    {
      gtk_label_set_text (self->status_label, "");
      return;
    }
  name = g_path_get_basename (r->path);
  /* TRANSLATORS: file name, galaxies binned, galaxies read, grid size and pixel scale */
  text = g_strdup_printf (_("%s — %zu of %zu galaxies binned on a %d × %d grid at %.3g′"),
                          name, r->binned->n_binned, r->n_galaxies,
                          r->kappa_e->nx, r->kappa_e->ny, r->pixel_arcmin);
  gtk_label_set_text (self->status_label, text);
}

void
darkmap_window_update_actions (DarkmapWindow *self)
{
  gboolean busy = self->job != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-mask",
                                 !busy && self->result != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel",
                                 busy || darkmap_window_is_reconstructing (self)
                                   || darkmap_window_is_generating_universes (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-view",
                                 !busy && self->result != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-fits",
                                 !busy && self->result != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-healpix",
                                 !busy && self->result != NULL);
  darkmap_window_update_posterior_actions (self);
}

static void
set_busy (DarkmapWindow *self, gboolean busy)
{
  gtk_widget_set_visible (self->progress_box, busy || darkmap_window_is_reconstructing (self));
  gtk_widget_set_visible (self->welcome_box, !busy && self->result == NULL);
  darkmap_window_update_actions (self);
}

void
darkmap_window_show_error (DarkmapWindow *self, const char *headline, const char *detail)
{
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                              GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                              "%s", headline);

  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", detail);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_job_progress (DarkmapJob *job, GParamSpec *pspec, gpointer user_data)
{
  DarkmapWindow *self = DARKMAP_WINDOW (user_data);

  gtk_progress_bar_set_fraction (self->progress_bar, darkmap_job_get_fraction (job));
  gtk_progress_bar_set_text (self->progress_bar, darkmap_job_get_stage (job));
}

static void
on_job_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (DarkmapWindow) self = user_data;
  DarkmapJob *job = DARKMAP_JOB (source);
  g_autoptr (GError) error = NULL;
  DarkmapResult *result = darkmap_job_run_finish (job, res, &error);

  if (job != self->job)
    {
      /* Superseded by a later job, which reports instead. */
      darkmap_result_free (result);
      return;
    }
  g_clear_object (&self->job);
  g_clear_object (&self->cancellable);

  if (result != NULL && !show_result (self, result, &error))
    g_clear_pointer (&result, darkmap_result_free);

  if (result != NULL)
    {
      g_autoptr (GFile) file = g_file_new_for_path (result->path);

      darkmap_window_clear_posteriors (self);
      darkmap_result_free (self->result);
      self->result = result;
      self->field_settings = *darkmap_job_get_settings (job);
      darkmap_window_posteriors_field_changed (self);
      reset_smoothing (self);
      update_status (self);
      darkmap_recent_add (file);
      update_clusters (self);
    }
  else if (self->clusters_waiting)
    update_clusters (self); /* on the map kept */
  self->clusters_waiting = FALSE;
  if (result == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      && self->reopening_path == NULL) /* the last field: a notice, not a dialog */
    {
      g_autofree char *name = g_path_get_basename (darkmap_job_get_path (job));
      g_autofree char *headline = g_strdup_printf (_("Could not open “%s”"), name);

      show_error (self, headline, error->message);
    }
  set_busy (self, FALSE);
  g_signal_emit (self, signals[SIGNAL_JOB_FINISHED], 0, error);
}

/* The job settings of the preferences (NULL: the defaults). */
static DarkmapJobSettings
preferred_job_settings (GSettings *preferences)
{
  DarkmapJobSettings settings;

  darkmap_job_settings_init (&settings);
  if (preferences != NULL)
    {
      settings.grid_size = g_settings_get_int (preferences, "grid-size");
      settings.pixel_arcmin = g_settings_get_double (preferences, "pixel-scale");
      settings.smooth_sigma = g_settings_get_double (preferences, "smoothing-sigma");
    }
  return settings;
}

static DarkmapJobSettings
job_settings (DarkmapWindow *self)
{
  return preferred_job_settings (self->settings);
}

void
darkmap_window_open_file (DarkmapWindow *self, GFile *file)
{
  DarkmapJobSettings settings;

  g_return_if_fail (DARKMAP_IS_WINDOW (self));
  settings = job_settings (self);
  darkmap_window_open_catalogue (self, file, &settings);
}

void
darkmap_window_open_catalogue (DarkmapWindow *self, GFile *file,
                               const DarkmapJobSettings *settings)
{
  g_autofree char *path = NULL;

  g_return_if_fail (DARKMAP_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (settings != NULL);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autoptr (GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                              _("Only local files can be read."));
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *headline = g_strdup_printf (_("Could not open “%s”"), uri);

      show_error (self, headline, error->message);
      g_signal_emit (self, signals[SIGNAL_JOB_FINISHED], 0, error);
      return;
    }

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->job);
  g_clear_pointer (&self->reopening_path, g_free);

  self->job = darkmap_job_new (path, settings);
  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (self->job, "notify::fraction", G_CALLBACK (on_job_progress), self, 0);
  g_signal_connect_object (self->job, "notify::stage", G_CALLBACK (on_job_progress), self, 0);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_text (self->progress_bar, _("Starting"));
  set_busy (self, TRUE);
  darkmap_job_run_async (self->job, self->cancellable, on_job_done, g_object_ref (self));
}

static void
on_catalog_dialog_accepted (DarkmapCatalogDialog *dialog, DarkmapWindow *self)
{
  DarkmapJobSettings settings;

  darkmap_catalog_dialog_get_settings (dialog, &settings);
  darkmap_window_open_catalogue (self, darkmap_catalog_dialog_get_file (dialog), &settings);
}

DarkmapCatalogDialog *
darkmap_window_choose_columns (DarkmapWindow *self, GFile *file)
{
  DarkmapJobSettings defaults;
  DarkmapCatalogDialog *dialog;
  g_autoptr (GError) error = NULL;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  /* A posterior file written by darkmap-cli or the window opens as a result
   * of the field shown. */
  {
    g_autofree char *path = g_file_get_path (file);

    if (darkmap_posterior_result_probe (path))
      {
        darkmap_window_open_posterior (self, file, NULL);
        return NULL;
      }
  }
  defaults = job_settings (self);
  dialog = darkmap_catalog_dialog_new (GTK_WINDOW (self), file, &defaults, &error);
  if (dialog == NULL)
    {
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *headline = g_strdup_printf (_("Could not open “%s”"), name);

      show_error (self, headline, error->message);
      return NULL;
    }
  g_signal_connect_object (dialog, "accepted", G_CALLBACK (on_catalog_dialog_accepted), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

gboolean
darkmap_window_open_clusters (DarkmapWindow *self, GFile *file, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) local_error = NULL;
  DmError *dm_error = NULL;
  DmClusterTable *table = NULL;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         _("Only local files can be read."));
  else if ((table = dm_cluster_table_read (path, &dm_error)) == NULL)
    darkmap_propagate_engine_error (&local_error, dm_error);
  if (table == NULL)
    {
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *headline = g_strdup_printf (_("Could not open the cluster table “%s”"),
                                                   name);

      show_error (self, headline, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_clear_pointer (&self->cluster_table, dm_cluster_table_free);
  g_clear_object (&self->clusters); /* the old table's */
  g_free (self->cluster_path);
  self->cluster_table = table;
  self->cluster_path = g_steal_pointer (&path);
  /* While a field opens, its map places the clusters when it comes (the
   * panel's rows are built once). */
  self->clusters_waiting = self->job != NULL;
  if (!self->clusters_waiting)
    update_clusters (self);
  darkmap_window_remember_field (self);
  return TRUE;
}

void
darkmap_window_open_demo (DarkmapWindow *self)
{
  g_autofree char *catalogue = darkmap_find_data_file (DARKMAP_DEMO_CATALOGUE);
  g_autofree char *clusters = darkmap_find_data_file (DARKMAP_DEMO_CLUSTERS);
  g_autoptr (GFile) catalogue_file = g_file_new_for_path (catalogue);
  g_autoptr (GFile) clusters_file = g_file_new_for_path (clusters);

  g_return_if_fail (DARKMAP_IS_WINDOW (self));
  if (!g_file_test (catalogue, G_FILE_TEST_IS_REGULAR))
    {
      /* Installed without its demo data: the welcome page stays. */
      gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-demo", FALSE);
      return;
    }
  /* The job first: its worker starts while the table is read. */
  darkmap_window_open_file (self, catalogue_file);
  darkmap_window_open_clusters (self, clusters_file, NULL);
}

static GSettings *load_settings (void);

void
darkmap_window_prefetch_demo (void)
{
  g_autofree char *catalogue = darkmap_find_data_file (DARKMAP_DEMO_CATALOGUE);
  g_autoptr (GSettings) preferences = NULL;
  DarkmapJobSettings settings;

  if (!g_file_test (catalogue, G_FILE_TEST_IS_REGULAR))
    return;
  preferences = load_settings ();
  settings = preferred_job_settings (preferences);
  darkmap_job_prefetch (catalogue, &settings);
}

gboolean
darkmap_window_open_mask (DarkmapWindow *self, GFile *file, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  g_autoptr (GError) local_error = NULL;
  DmError *dm_error = NULL;
  DmMap *mask = NULL;
  DmMap *previous;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  path = g_file_get_path (file);
  name = g_file_get_basename (file);
  if (self->result == NULL || self->job != NULL)
    g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_BUSY,
                         _("A mask goes with a map: open a catalogue first and wait for its "
                           "map."));
  else if (path == NULL)
    g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         _("Only local files can be read."));
  else if ((mask = dm_mask_read_for_map (path, self->result->kappa_e, NULL, &dm_error)) == NULL)
    darkmap_propagate_engine_error (&local_error, dm_error);
  if (mask != NULL)
    {
      /* Shown (map, spectrum, contours) with the new mask; the old one comes
       * back if the view cannot take it. */
      previous = self->result->binned->mask;
      self->result->binned->mask = mask;
      if (show_result (self, self->result, &local_error))
        {
          dm_map_free (previous);
          reset_smoothing (self); /* its spectra inside the new mask */
          return TRUE;
        }
      self->result->binned->mask = previous;
      dm_map_free (mask);
      show_result (self, self->result, NULL);
    }
  {
    g_autofree char *headline = g_strdup_printf (_("Could not open the mask “%s”"), name);

    show_error (self, headline, local_error->message);
  }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

GListModel *
darkmap_window_get_clusters (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->clusters);
}

GtkWidget *
darkmap_window_get_cluster_panel (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->cluster_panel);
}

GtkWidget *
darkmap_window_get_smoothing_scale (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->smoothing_scale);
}

GtkWidget *
darkmap_window_get_cursor_label (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->cursor_label);
}

gboolean
darkmap_window_is_smoothing (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  return (self->smoother != NULL && darkmap_smoother_is_busy (self->smoother))
         || self->clusters_timeout != 0;
}

GtkWidget *
darkmap_window_get_spectrum_widget (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->spectrum_view);
}

gboolean
darkmap_window_is_busy (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  return self->job != NULL;
}

const DarkmapResult *
darkmap_window_get_result (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return self->result;
}

GtkWidget *
darkmap_window_get_display_popover (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return GTK_WIDGET (gtk_menu_button_get_popover (self->display_button));
}

GtkWidget *
darkmap_window_get_welcome (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return self->welcome_box;
}

GtkWidget *
darkmap_window_get_map_widget (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->map_view);
}

GdkTexture *
darkmap_widget_render (GtkWidget *widget)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr (GdkPaintable) paintable = NULL;
  g_autoptr (GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;
  GtkNative *native;

  native = gtk_widget_get_native (widget);
  if (width <= 0 || height <= 0 || native == NULL || gtk_native_get_renderer (native) == NULL)
    return NULL;

  paintable = gtk_widget_paintable_new (widget);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    return NULL;
  return gsk_renderer_render_texture (gtk_native_get_renderer (native), node,
                                      &GRAPHENE_RECT_INIT (0, 0, width, height));
}

static void
on_open_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  DarkmapWindow *self = DARKMAP_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        darkmap_window_choose_columns (self, file);
    }
  g_object_unref (dialog);
}

static void
open_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapWindow *self = DARKMAP_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr (GtkFileFilter) fits = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Open a Shear Catalogue"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (fits, _("FITS tables"));
  gtk_file_filter_add_pattern (fits, "*.fits");
  gtk_file_filter_add_pattern (fits, "*.fit");
  gtk_file_filter_add_pattern (fits, "*.FITS");
  gtk_file_filter_add_pattern (fits, "*.FIT");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), fits);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_open_clusters_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  DarkmapWindow *self = DARKMAP_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        darkmap_window_open_clusters (self, file, NULL);
    }
  g_object_unref (dialog);
}

static void
open_clusters_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapWindow *self = DARKMAP_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr (GtkFileFilter) tables = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Open a Cluster Table"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_filter_set_name (tables, _("CSV and FITS tables"));
  gtk_file_filter_add_suffix (tables, "csv");
  gtk_file_filter_add_suffix (tables, "fits");
  gtk_file_filter_add_suffix (tables, "fit");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), tables);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_open_clusters_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

gboolean
darkmap_window_export_fits (DarkmapWindow *self, const char *path, GError **error)
{
  DmError *dm_error = NULL;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->result == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no map to export."));
      return FALSE;
    }
  if (!dm_fits_write_map (path, self->result->kappa_e, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  return TRUE;
}

gboolean
darkmap_window_export_healpix (DarkmapWindow *self, const char *path, GError **error)
{
  DmError *dm_error = NULL;
  DmPosterior kappa = { 0 };

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (self->result == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no map to export."));
      return FALSE;
    }
  kappa.mean = self->result->kappa_e;
  if (!dm_healpix_write_posterior (path, &kappa, self->result->binned->counts, 0,
                                   DM_HEALPIX_RING, NULL, NULL, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  return TRUE;
}

/* The size of an export width points wide (0: as shown) with the view's
 * shape. */
static void
export_size (DarkmapWindow *self, int width, int *export_width, int *export_height)
{
  GtkWidget *view = GTK_WIDGET (self->map_view);
  int shown_width = gtk_widget_get_width (view), shown_height = gtk_widget_get_height (view);

  if (shown_width <= 0 || shown_height <= 0)
    {
      shown_width = 1200;
      shown_height = 900;
    }
  *export_width = width != 0 ? width : shown_width;
  *export_height = MAX ((int) lround ((double) *export_width * shown_height / shown_width), 1);
}

gboolean
darkmap_window_export_view (DarkmapWindow *self, const char *path, int width, double dpi,
                            GError **error)
{
  DarkmapExportFormat format;
  int export_width, export_height;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL && width >= 0 && dpi > 0.0, FALSE);

  if (!darkmap_export_format_from_path (path, &format, error))
    return FALSE;
  export_size (self, width, &export_width, &export_height);
  return darkmap_export_view (self->map_view, path, format, export_width, export_height, dpi,
                              error);
}

static void
write_drawing (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GError *error = NULL;

  darkmap_job_lower_thread_priority ();
  if (darkmap_export_drawing_write (data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
darkmap_window_export_view_async (DarkmapWindow *self, const char *path, int width, double dpi,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  GError *error = NULL;
  DarkmapExportDrawing *drawing;
  DarkmapExportFormat format;
  int export_width, export_height;

  g_return_if_fail (DARKMAP_IS_WINDOW (self));
  g_return_if_fail (path != NULL && width >= 0 && dpi > 0.0);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_name (task, "[darkmap] export");
  if (!darkmap_export_format_from_path (path, &format, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  export_size (self, width, &export_width, &export_height);
  if (format != DARKMAP_EXPORT_PNG)
    {
      /* Vectors are drawn straight into the file, here. */
      if (darkmap_export_view (self->map_view, path, format, export_width, export_height, dpi,
                               &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      return;
    }
  if ((drawing = darkmap_export_drawing_new (self->map_view, path, export_width, export_height,
                                             dpi, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, drawing, (GDestroyNotify) darkmap_export_drawing_free);
  g_task_run_in_thread (task, write_drawing);
}

gboolean
darkmap_window_export_view_finish (DarkmapWindow *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_view_exported (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!darkmap_window_export_view_finish (DARKMAP_WINDOW (source), result, &error))
    show_error (DARKMAP_WINDOW (source), _("Could not export the map"), error->message);
}

/* Writes the chosen file with the export for the dialog's "export-kind":
 * the FITS or HEALPix map now, a view (at the width and PNG resolution
 * chosen) on a worker, whose failure is shown when it ends. */
static void
export_to (DarkmapWindow *self, GtkFileChooser *chooser, const char *path)
{
  const char *kind = g_object_get_data (G_OBJECT (chooser), "export-kind");
  const char *width = gtk_file_chooser_get_choice (chooser, "width");
  const char *dpi = gtk_file_chooser_get_choice (chooser, "dpi");
  g_autoptr (GError) error = NULL;

  if (g_strcmp0 (kind, "fits") == 0)
    {
      if (!darkmap_window_export_fits (self, path, &error))
        show_error (self, _("Could not export the map"), error->message);
    }
  else if (g_strcmp0 (kind, "healpix") == 0)
    {
      if (!darkmap_window_export_healpix (self, path, &error))
        show_error (self, _("Could not export the map"), error->message);
    }
  else
    darkmap_window_export_view_async (self, path, width != NULL ? atoi (width) : 0,
                                      dpi != NULL ? g_ascii_strtod (dpi, NULL) : 150.0,
                                      on_view_exported, NULL);
}

static void
on_export_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  DarkmapWindow *self = DARKMAP_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path == NULL)
        show_error (self, _("Could not export the map"), _("Only local files can be written."));
      else
        export_to (self, GTK_FILE_CHOOSER (dialog), path);
    }
  g_object_unref (dialog);
}

static GtkFileFilter *
file_filter (const char *name, const char *pattern)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  gtk_file_filter_add_suffix (filter, pattern);
  return filter;
}

/* A save dialog with one filter per format, answered by on_export_response;
 * kind ("view", "fits" or "healpix") says what to write. */
static void
show_export_dialog (DarkmapWindow *self, const char *title, const char *kind,
                    const char *current_name, GtkFileFilter **filters, int n_filters)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  for (int i = 0; i < n_filters; i++)
    {
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filters[i]);
      g_object_unref (filters[i]);
    }
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), current_name);
  g_object_set_data (G_OBJECT (chooser), "export-kind", (gpointer) kind);
  if (g_strcmp0 (kind, "view") == 0)
    {
      /* Width in points ("0": as shown; the height keeps the view's shape)
       * and, for PNG, the pixels per inch. */
      static const char *const widths[] = { "0", "800", "1200", "1800", "2400", NULL };
      static const char *const dpis[] = { "96", "150", "300", "600", NULL };
      const char *width_labels[] = { _("As shown"), _("800 points"), _("1200 points"),
                                     _("1800 points"), _("2400 points"), NULL };
      const char *dpi_labels[] = { _("96 dpi"), _("150 dpi"), _("300 dpi"), _("600 dpi"), NULL };

      gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (chooser), "width", _("Width"),
                                   (const char **) widths, width_labels);
      gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (chooser), "width", "0");
      gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (chooser), "dpi", _("PNG resolution"),
                                   (const char **) dpis, dpi_labels);
      gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (chooser), "dpi", "150");
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
export_view_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GtkFileFilter *filters[] = {
    file_filter (_("PNG images"), "png"),
    file_filter (_("SVG drawings"), "svg"),
    file_filter (_("PDF documents"), "pdf"),
  };

  show_export_dialog (DARKMAP_WINDOW (widget), _("Export the Map View"), "view",
                      "cosmos_kappa.png", filters, G_N_ELEMENTS (filters));
}

static void
export_fits_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GtkFileFilter *filters[] = { file_filter (_("FITS images"), "fits") };

  show_export_dialog (DARKMAP_WINDOW (widget), _("Export the Kappa Map as FITS"), "fits",
                      "cosmos_kappa.fits", filters, G_N_ELEMENTS (filters));
}

static void
export_healpix_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GtkFileFilter *filters[] = { file_filter (_("HEALPix maps (FITS)"), "fits") };

  show_export_dialog (DARKMAP_WINDOW (widget), _("Export the Kappa Map on HEALPix Pixels"),
                      "healpix", "cosmos_kappa_healpix.fits", filters, G_N_ELEMENTS (filters));
}

static void
cancel_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapWindow *self = DARKMAP_WINDOW (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  darkmap_window_cancel_reconstruction (self);
  darkmap_window_cancel_universes (self);
}

/* Selecting a row selects the cluster on the map and centres it there;
 * selecting on the map selects its row. */
static void
on_panel_selection (DarkmapClusterPanel *panel, GParamSpec *pspec, DarkmapWindow *self)
{
  DarkmapCluster *cluster = darkmap_cluster_panel_get_selected_cluster (panel);
  double x, y;

  if (self->syncing_selection)
    return;
  self->syncing_selection = TRUE;
  darkmap_map_view_set_selected_cluster (self->map_view, cluster);
  if (cluster != NULL && darkmap_cluster_get_pixel (cluster, &x, &y))
    darkmap_map_view_set_center (self->map_view, x, y);
  self->syncing_selection = FALSE;
}

/* Activating a row (double click, Enter) shows the map and the cluster's
 * popover there. */
static void
on_row_activated (GtkColumnView *column_view, guint position, DarkmapWindow *self)
{
  GListModel *rows = G_LIST_MODEL (darkmap_cluster_panel_get_selection (self->cluster_panel));
  g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (rows, position);

  if (cluster == NULL)
    return;
  gtk_stack_set_visible_child_name (self->stack, "map");
  darkmap_cluster_panel_set_selected_cluster (self->cluster_panel, cluster);
  darkmap_map_view_popup_cluster (self->map_view, cluster);
}

static void
on_map_selection (DarkmapMapView *view, GParamSpec *pspec, DarkmapWindow *self)
{
  if (self->syncing_selection)
    return;
  self->syncing_selection = TRUE;
  darkmap_cluster_panel_set_selected_cluster (self->cluster_panel,
                                              darkmap_map_view_get_selected_cluster (view));
  self->syncing_selection = FALSE;
}

/* The layer and contour toggles and the sample player only act on the map
 * page; the smoothing scale acts on every page. */
static void
update_map_controls (DarkmapWindow *self)
{
  gboolean map = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "map") == 0;

  gtk_widget_set_visible (self->layer_box, map);
  gtk_widget_set_visible (self->posterior_layer_box, map);
  gtk_widget_set_visible (GTK_WIDGET (self->sample_player), map && self->layer == LAYER_SAMPLE);
  gtk_widget_set_visible (self->contours_button, map);
}

static void
forward_notify (GObject *source, GParamSpec *pspec, DarkmapWindow *self)
{
  int prop = source == G_OBJECT (self->stack)             ? PROP_PAGE
             : g_str_equal (pspec->name, "show-contours") ? PROP_SHOW_CONTOURS
                                                          : PROP_SHOW_CLUSTERS;

  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
darkmap_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DarkmapWindow *self = DARKMAP_WINDOW (object);

  switch (prop_id)
    {
    /* The action states are read during disposal too, without children. */
    case PROP_SHOW_CLUSTERS:
      g_value_set_boolean (value, self->map_view == NULL
                                    || darkmap_map_view_get_show_clusters (self->map_view));
      break;
    case PROP_SHOW_CONTOURS:
      g_value_set_boolean (value, self->map_view != NULL
                                    && darkmap_map_view_get_show_contours (self->map_view));
      break;
    case PROP_LAYER:
      g_value_set_string (value, layer_names[self->layer]);
      break;
    case PROP_PAGE:
      g_value_set_string (value, self->stack != NULL
                                   && gtk_stack_get_visible_child_name (self->stack) != NULL
                                   ? gtk_stack_get_visible_child_name (self->stack)
                                   : "map");
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_window_set_property (GObject *object, guint prop_id, const GValue *value,
                             GParamSpec *pspec)
{
  DarkmapWindow *self = DARKMAP_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SHOW_CLUSTERS:
      darkmap_map_view_set_show_clusters (self->map_view, g_value_get_boolean (value));
      break;
    case PROP_SHOW_CONTOURS:
      darkmap_map_view_set_show_contours (self->map_view, g_value_get_boolean (value));
      break;
    case PROP_LAYER:
      set_layer (self, g_value_get_string (value));
      break;
    case PROP_PAGE:
      if (gtk_stack_get_child_by_name (self->stack, g_value_get_string (value)) != NULL)
        gtk_stack_set_visible_child_name (self->stack, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The display popover's "Automatic Limits": the layer's own limits again. */
static void
reset_display_limits (DarkmapWindow *self)
{
  if (self->result != NULL)
    show_layer (self, self->result, NULL);
}

static void
on_open_mask_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  DarkmapWindow *self = DARKMAP_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        darkmap_window_open_mask (self, file, NULL);
    }
  g_object_unref (dialog);
}

static void
open_mask_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GtkFileChooserNative *chooser = darkmap_fits_image_chooser_new (_("Open a Mask"),
                                                                  GTK_WINDOW (widget));

  g_signal_connect (chooser, "response", G_CALLBACK (on_open_mask_response), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_demo_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_window_open_demo (DARKMAP_WINDOW (widget));
}

static void
open_recent_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  g_autoptr (GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));

  darkmap_window_choose_columns (DARKMAP_WINDOW (widget), file);
}

/* A file dropped on the window opens as a catalogue. */
static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, DarkmapWindow *self)
{
  GFile *file = g_value_get_object (value);

  return file != NULL && darkmap_window_choose_columns (self, file) != NULL;
}

static void
preferences_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapWindow *self = DARKMAP_WINDOW (widget);

  if (self->settings != NULL)
    gtk_window_present (GTK_WINDOW (darkmap_preferences_new (GTK_WINDOW (self), self->settings)));
}

static void
darkmap_window_dispose (GObject *object)
{
  DarkmapWindow *self = DARKMAP_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->job);
  g_clear_object (&self->clusters);
  g_clear_object (&self->smoother);
  g_clear_handle_id (&self->clusters_timeout, g_source_remove);
  darkmap_window_posteriors_dispose (self);
  darkmap_window_statistics_dispose (self);
  darkmap_window_training_dispose (self);
  darkmap_window_close_dispose (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), DARKMAP_TYPE_WINDOW);
  G_OBJECT_CLASS (darkmap_window_parent_class)->dispose (object);
}

static void
darkmap_window_finalize (GObject *object)
{
  DarkmapWindow *self = DARKMAP_WINDOW (object);

  g_clear_object (&self->settings);
  darkmap_result_free (self->result);
  dm_cluster_table_free (self->cluster_table);
  g_free (self->cluster_path);
  g_free (self->reopening_path);
  g_free (self->theory_path);
  dm_theory_free (self->theory);
  G_OBJECT_CLASS (darkmap_window_parent_class)->finalize (object);
}

static void
darkmap_window_class_init (DarkmapWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = darkmap_window_get_property;
  object_class->set_property = darkmap_window_set_property;
  object_class->dispose = darkmap_window_dispose;
  object_class->finalize = darkmap_window_finalize;

  /* What win.show-clusters, win.page, win.show-contours and win.layer
   * change. */
  properties[PROP_SHOW_CLUSTERS] =
    g_param_spec_boolean ("show-clusters", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAGE] =
    g_param_spec_string ("page", NULL, NULL, "map",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_CONTOURS] =
    g_param_spec_boolean ("show-contours", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAYER] =
    g_param_spec_string ("layer", NULL, NULL, "kappa-e",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* job-finished (GError *error): NULL on success. */
  signals[SIGNAL_JOB_FINISHED] =
    g_signal_new ("job-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  g_type_ensure (DARKMAP_TYPE_MAP_PAGE);
  g_type_ensure (DARKMAP_TYPE_MAP_TOOLBAR);
  g_type_ensure (DARKMAP_TYPE_SIDE_PANEL);
  g_type_ensure (DARKMAP_TYPE_SPECTRUM_VIEW);
  g_type_ensure (DARKMAP_TYPE_COMPARE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, progress_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, map_page);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, spectrum_view);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, display_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, cursor_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, primary_menu);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, compare_view);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, side_panel);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, toolbar);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, status_bar);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-clusters", NULL,
                                   open_clusters_action);
  gtk_widget_class_install_property_action (widget_class, "win.show-clusters", "show-clusters");
  gtk_widget_class_install_property_action (widget_class, "win.page", "page");
  gtk_widget_class_install_property_action (widget_class, "win.show-contours", "show-contours");
  gtk_widget_class_install_property_action (widget_class, "win.layer", "layer");
  gtk_widget_class_install_action (widget_class, "win.export-view", NULL, export_view_action);
  gtk_widget_class_install_action (widget_class, "win.export-fits", NULL, export_fits_action);
  gtk_widget_class_install_action (widget_class, "win.export-healpix", NULL,
                                   export_healpix_action);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.open-mask", NULL, open_mask_action);
  gtk_widget_class_install_action (widget_class, "win.open-demo", NULL, open_demo_action);
  darkmap_window_models_class_init (widget_class);
  darkmap_window_posteriors_class_init (widget_class);
  darkmap_window_shortcuts_class_init (widget_class);
  darkmap_window_statistics_class_init (widget_class);
  darkmap_window_training_class_init (widget_class);
  darkmap_window_universes_class_init (widget_class);
}

static GSettings *
load_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, DARKMAP_APP_ID, TRUE);
  return schema != NULL ? g_settings_new_full (schema, NULL, NULL) : NULL;
}

/* The widgets of the window's parts (the map page, the toolbar, the side
 * panel), borrowed from them. */
static void
take_parts (DarkmapWindow *self)
{
  DarkmapMapPage *page = DARKMAP_MAP_PAGE (self->map_page);
  DarkmapMapToolbar *toolbar = DARKMAP_MAP_TOOLBAR (self->toolbar);
  DarkmapSidePanel *side = DARKMAP_SIDE_PANEL (self->side_panel);

  self->map_view = DARKMAP_MAP_VIEW (darkmap_map_page_get_map_view (page));
  self->welcome_box = darkmap_map_page_get_welcome_box (page);
  self->presentation_caption = GTK_LABEL (darkmap_map_page_get_presentation_caption (page));
  self->layer_box = darkmap_map_toolbar_get_layer_box (toolbar);
  self->posterior_layer_box = darkmap_map_toolbar_get_posterior_layer_box (toolbar);
  self->sample_player = DARKMAP_SAMPLE_PLAYER (darkmap_map_page_get_sample_player (page));
  self->contours_button = darkmap_map_toolbar_get_contours_button (toolbar);
  self->smoothing_scale = GTK_SCALE (darkmap_map_toolbar_get_smoothing_scale (toolbar));
  self->results_panel = DARKMAP_RESULTS_PANEL (darkmap_side_panel_get_results_panel (side));
  self->cluster_panel = DARKMAP_CLUSTER_PANEL (darkmap_side_panel_get_cluster_panel (side));
}

static void
darkmap_window_init (DarkmapWindow *self)
{
  g_autoptr (GMenuModel) recent = darkmap_recent_menu_new ();
  GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_FILE, GDK_ACTION_COPY);
  DarkmapDisplayPopover *display;

  gtk_widget_init_template (GTK_WIDGET (self));
  take_parts (self);
  g_menu_insert_submenu (self->primary_menu, 0, _("Open _Recent"), recent);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  self->settings = load_settings ();
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::colormap", G_CALLBACK (apply_colormap),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->settings, "changed::coordinate-format",
                               G_CALLBACK (apply_coordinate_format), self, G_CONNECT_SWAPPED);
    }
  else
    gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.preferences", FALSE);
  apply_colormap (self);
  apply_coordinate_format (self);
  self->smoothing_handler = g_signal_connect_object (self->smoothing_scale, "value-changed",
                                                     G_CALLBACK (on_smoothing_changed), self, 0);
  g_signal_connect_object (self->map_view, "cursor-moved", G_CALLBACK (on_cursor_moved), self,
                           0);
  g_signal_connect_object (self->map_view, "notify::show-contours",
                           G_CALLBACK (forward_notify), self, 0);
  display = darkmap_display_popover_new (self->map_view);
  g_signal_connect_object (display, "reset-limits", G_CALLBACK (reset_display_limits), self,
                           G_CONNECT_SWAPPED);
  gtk_menu_button_set_popover (self->display_button, GTK_WIDGET (display));
  darkmap_window_posteriors_init (self);
  darkmap_window_statistics_init (self);
  darkmap_window_training_init (self);
  darkmap_window_universes_init (self);
  darkmap_window_close_init (self);
  darkmap_window_last_field_init (self);
  set_busy (self, FALSE);
  update_clusters (self);

  /* Without the shipped theory table the spectrum is drawn without it (and
   * the methods that need a prior are refused). */
  self->theory_path = darkmap_find_data_file (DARKMAP_THEORY);
  self->theory = dm_theory_read_csv (self->theory_path, NULL, NULL);
  darkmap_spectrum_view_set_theory (self->spectrum_view, self->theory, _("κTNG theory"));

  g_signal_connect_object (self->cluster_panel, "notify::selected-cluster",
                           G_CALLBACK (on_panel_selection), self, 0);
  g_signal_connect_object (self->map_view, "notify::selected-cluster",
                           G_CALLBACK (on_map_selection), self, 0);
  g_signal_connect_object (darkmap_cluster_panel_get_column_view (self->cluster_panel), "activate",
                           G_CALLBACK (on_row_activated), self, 0);
  g_signal_connect_object (self->map_view, "notify::show-clusters",
                           G_CALLBACK (forward_notify), self, 0);
  g_signal_connect_object (self->stack, "notify::visible-child-name",
                           G_CALLBACK (forward_notify), self, 0);
  g_signal_connect_object (self->stack, "notify::visible-child-name",
                           G_CALLBACK (update_map_controls), self, G_CONNECT_SWAPPED);
}

DarkmapWindow *
darkmap_window_new (GtkApplication *application)
{
  return g_object_new (DARKMAP_TYPE_WINDOW, "application", application, NULL);
}
