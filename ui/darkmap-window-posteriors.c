/* DarkmapWindow, the posteriors of the field shown: the Reconstruct dialog
 * and its worker job (dm_reconstruct, the call darkmap-cli makes), the list
 * of results, the posterior layers (mean, std, mean/std, samples with the
 * flip-book), posterior files opened and saved, the significance of the
 * clusters across the samples, the flip-book animation and presentation
 * mode.  The window's state is in darkmap-window-private.h. */
#include "darkmap-window-private.h"

#include "darkmap-animation.h"
#include "darkmap-cluster.h"
#include "darkmap-window-bands.h"

#include <darkmap/mask.h>
#include <darkmap/wcs.h>
#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

enum { SIGNAL_RECONSTRUCT_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

gboolean
darkmap_window_is_reconstructing (DarkmapWindow *self)
{
  return self->reconstruct_job != NULL;
}

void
darkmap_window_update_posterior_actions (DarkmapWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean field = self->result != NULL && self->job == NULL;
  gboolean samples = self->posterior != NULL
                     && darkmap_posterior_result_get_n_samples (self->posterior) >= 2;

  gtk_widget_action_set_enabled (widget, "win.reconstruct",
                                 field && !darkmap_window_is_reconstructing (self));
  gtk_widget_action_set_enabled (widget, "win.save-posterior", self->posterior != NULL);
  gtk_widget_action_set_enabled (widget, "win.remove-result", self->posterior != NULL);
  gtk_widget_action_set_enabled (widget, "win.export-animation", samples);
  gtk_widget_action_set_enabled (widget, "win.export-significance", self->significance != NULL);
  gtk_widget_set_sensitive (self->posterior_layer_box, self->posterior != NULL);
}

/* ---- Layers ------------------------------------------------------------ */

/* The mean ± 3 standard deviations of the n finite values of data: the
 * limits of the posterior's kappa maps, centred on their mean (a learned
 * posterior keeps the field's mean kappa, which no shear measures). */
static void
centred_limits (const float *data, size_t n, double *lo, double *hi)
{
  double mean, spread = darkmap_window_three_sigma (data, n, &mean);

  *lo = mean - spread;
  *hi = mean + spread;
}

DmMap *
darkmap_window_posterior_layer_map (DarkmapWindow *self, Layer layer, double *lo, double *hi,
                                    DmError **error)
{
  const DmPosterior *p = self->posterior != NULL
                           ? darkmap_posterior_result_get_posterior (self->posterior)
                           : NULL;
  const DmMap *map = NULL;

  if (p != NULL)
    switch (layer)
      {
      case LAYER_MEAN:
        map = p->mean;
        centred_limits (map->data, dm_map_plane_size (map), lo, hi);
        break;
      case LAYER_STD:
        map = p->std;
        *lo = 0.0;
        *hi = map != NULL ? darkmap_window_plane_max (map) : 1.0;
        break;
      case LAYER_SIGNIFICANCE:
        map = p->signif;
        *hi = map != NULL ? darkmap_window_display_limit (map) : 1.0;
        *lo = -*hi;
        break;
      case LAYER_SAMPLE:
        map = p->samples;
        *lo = self->sample_lo;
        *hi = self->sample_hi;
        break;
      default:
        break;
      }
  if (map == NULL)
    {
      dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                    _("The selected posterior has no such map (too few samples)."));
      return NULL;
    }
  /* The whole cube for the samples: the flip-book then only changes plane. */
  return dm_map_copy (map, error);
}

char *
darkmap_window_posterior_reading (DarkmapWindow *self, Layer layer, double value)
{
  switch (layer)
    {
    case LAYER_MEAN:
      return g_strdup_printf (_("κ mean = %.4f"), value);
    case LAYER_STD:
      return g_strdup_printf (_("κ std = %.4f"), value);
    case LAYER_SIGNIFICANCE:
      return g_strdup_printf (_("mean/std = %.2f"), value);
    default:
      /* TRANSLATORS: the posterior sample shown, then its kappa */
      return g_strdup_printf (_("κ of sample %d = %.4f"),
                              darkmap_sample_player_get_index (self->sample_player) + 1, value);
    }
}

static void
on_sample_index (DarkmapSamplePlayer *player, GParamSpec *pspec, DarkmapWindow *self)
{
  if (self->layer == LAYER_SAMPLE)
    {
      darkmap_map_view_set_plane (self->map_view, darkmap_sample_player_get_index (player));
      darkmap_window_update_statistics (self, self->result, self->layer);
    }
  darkmap_window_update_caption (self);
}

/* ←/→ step through the samples while the Sample layer is shown (elsewhere
 * they pan the map); Space plays and pauses. */
static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                GdkModifierType state, DarkmapWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (self->layer != LAYER_SAMPLE || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) != 0
      || g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "map") != 0
      || (focus != NULL && GTK_IS_EDITABLE (focus)))
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Left:
      darkmap_sample_player_step (self->sample_player, -1);
      return TRUE;
    case GDK_KEY_Right:
      darkmap_sample_player_step (self->sample_player, 1);
      return TRUE;
    case GDK_KEY_space:
      darkmap_sample_player_set_playing (self->sample_player,
                                         !darkmap_sample_player_get_playing (self->sample_player));
      return TRUE;
    default:
      return FALSE;
    }
}

/* ---- The selected posterior -------------------------------------------- */

/* What showing a posterior takes from its samples: the limits every
 * sample shares and the clusters' significance across them. */
typedef struct
{
  double sample_lo, sample_hi;          /* set when it has samples */
  DmClusterSignificance *significance;  /* owned; NULL without clusters or 2 samples */
  DmError *error;                       /* owned: why the significance failed, or NULL */
} PosteriorMeasures;

static void
posterior_measures_clear (PosteriorMeasures *m)
{
  g_clear_pointer (&m->significance, dm_cluster_significance_free);
  g_clear_pointer (&m->error, dm_error_free);
}

/* Measures result (NULL: none) with the clusters of table (NULL: none);
 * any thread.  The significance takes the engine's defaults: a peak
 * above 3 per-pixel std within 2′. */
static void
measure_posterior (DarkmapPosteriorResult *result, const DmClusterTable *table,
                   PosteriorMeasures *m)
{
  int n_samples = result != NULL ? darkmap_posterior_result_get_n_samples (result) : 0;
  const DmMap *samples = n_samples > 0 ? darkmap_posterior_result_get_posterior (result)->samples
                                       : NULL;
  DmClusterSignificanceOptions options;

  *m = (PosteriorMeasures) { 0 };
  /* All the samples together: the same limits for every sample. */
  if (n_samples > 0)
    centred_limits (samples->data, dm_map_plane_size (samples) * (size_t) n_samples,
                    &m->sample_lo, &m->sample_hi);
  if (table == NULL || n_samples < 2)
    return;
  dm_cluster_significance_options_init (&options);
  m->significance = dm_cluster_significance_compute (samples, table, &options, &m->error);
}

/* Takes m's significance as the selected posterior's, its failure shown. */
static void
take_significance (DarkmapWindow *self, PosteriorMeasures *m)
{
  g_clear_pointer (&self->significance, dm_cluster_significance_free);
  self->significance = g_steal_pointer (&m->significance);
  if (m->error != NULL)
    {
      g_autoptr (GError) error = NULL;

      darkmap_propagate_engine_error (&error, g_steal_pointer (&m->error));
      darkmap_window_show_error (self, _("Could not measure the clusters' significance"),
                                 error->message);
    }
}

void
darkmap_window_apply_significance (DarkmapWindow *self)
{
  if (self->clusters == NULL)
    return;
  darkmap_cluster_list_set_significance (
    self->clusters, self->significance,
    self->significance != NULL ? darkmap_posterior_result_get_posterior (self->posterior)->samples
                               : NULL);
}

/* darkmap_spectrum_band_compute as a DarkmapBandMeasure: it measures every
 * spectrum, whatever cancellable says. */
static gpointer
measure_spectrum_band (const DmMap *maps, const DmMap *mean, const DmMap *mask,
                       double pixel_arcmin, GCancellable *cancellable, DmError **error)
{
  return darkmap_spectrum_band_compute (maps, mean, mask, pixel_arcmin, error);
}

static void
show_band (DarkmapWindow *self)
{
  DmError *dm_error = NULL;

  if (!darkmap_spectrum_view_set_band (self->spectrum_view,
                                       darkmap_spectrum_band_copy (self->spectrum_band),
                                       darkmap_posterior_result_get_title (self->posterior),
                                       &dm_error))
    {
      g_autoptr (GError) error = NULL;

      darkmap_propagate_engine_error (&error, dm_error);
      darkmap_window_show_error (self, _("Could not show the posterior's power spectrum"),
                                 error->message);
    }
}

/* The posterior's band measured (NULL: it could not be). */
static void
on_band_measured (DarkmapWindow *self, gpointer band)
{
  if (band == NULL)
    return;
  darkmap_spectrum_band_free (self->spectrum_band);
  self->spectrum_band = band;
  show_band (self);
}

void
darkmap_window_show_posterior_spectrum (DarkmapWindow *self)
{
  const DmPowerSpectrum *spectrum = darkmap_spectrum_view_get_spectrum (self->spectrum_view);
  const DmMap *mask = self->result != NULL ? self->result->binned->mask : NULL;
  const DmPosterior *p;

  if (self->posterior == NULL || darkmap_posterior_result_get_n_samples (self->posterior) == 0
      || spectrum == NULL || mask == NULL)
    {
      /* A band still measured is another posterior's, or another map's. */
      darkmap_window_stop_band (&self->band_cancellable);
      darkmap_spectrum_view_set_band (self->spectrum_view, NULL, NULL, NULL);
      return;
    }
  if (self->spectrum_band != NULL && self->band_mask == mask)
    {
      show_band (self);
      return;
    }
  /* Measured again on a worker (K + 1 spectra: some 3 ms each at 360²). */
  g_clear_pointer (&self->spectrum_band, darkmap_spectrum_band_free);
  darkmap_spectrum_view_set_band (self->spectrum_view, NULL, NULL, NULL);
  p = darkmap_posterior_result_get_posterior (self->posterior);
  if (!darkmap_window_measure_band (self, &self->band_cancellable, G_OBJECT (self->posterior),
                                    p->samples, p->mean, mask, spectrum->pixel_arcmin,
                                    measure_spectrum_band,
                                    (GDestroyNotify) darkmap_spectrum_band_free,
                                    _("Could not measure the posterior's power spectrum"),
                                    on_band_measured))
    return;
  self->band_mask = mask;
}

/* Shows result (NULL: none) in the layers, the spectrum and the clusters,
 * with its measures (NULL: measured now; taken). */
static void
select_posterior (DarkmapWindow *self, DarkmapPosteriorResult *result,
                  PosteriorMeasures *measures)
{
  PosteriorMeasures measured_now;
  int n_samples;

  if (result == self->posterior)
    {
      if (measures != NULL)
        posterior_measures_clear (measures);
      return;
    }
  if (measures == NULL)
    {
      measure_posterior (result, self->cluster_table, &measured_now);
      measures = &measured_now;
    }
  g_set_object (&self->posterior, result);
  g_clear_pointer (&self->spectrum_band, darkmap_spectrum_band_free);
  n_samples = result != NULL ? darkmap_posterior_result_get_n_samples (result) : 0;
  if (n_samples > 0)
    {
      self->sample_lo = measures->sample_lo;
      self->sample_hi = measures->sample_hi;
    }
  darkmap_sample_player_set_n_samples (self->sample_player, n_samples);
  take_significance (self, measures);
  posterior_measures_clear (measures);
  /* The same clusters, their significance changed: their rows are kept. */
  darkmap_window_apply_significance (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->map_view));
  darkmap_window_show_posterior_spectrum (self);
  darkmap_results_panel_select (self->results_panel, result);
  if (result == NULL && LAYER_IS_POSTERIOR (self->layer))
    darkmap_window_select_layer (self, LAYER_KAPPA_E);
  else if (LAYER_IS_POSTERIOR (self->layer))
    {
      if (self->layer == LAYER_SAMPLE && n_samples == 0)
        darkmap_window_select_layer (self, LAYER_MEAN);
      else
        darkmap_window_refresh_layer (self);
    }
  darkmap_window_update_actions (self);
  darkmap_window_update_statistics (self, self->result, self->layer);
}

static void
on_results_selection (DarkmapResultsPanel *panel, GParamSpec *pspec, DarkmapWindow *self)
{
  DarkmapPosteriorResult *selected = darkmap_results_panel_get_selected (panel);

  /* A row unselected by the list itself keeps the posterior shown. */
  if (selected != NULL)
    select_posterior (self, selected, NULL);
}

/* A new result joins the list and is shown, on its mean (or the posterior
 * layer shown), and compared with the one shown before; measures as
 * select_posterior's. */
static void
add_posterior (DarkmapWindow *self, DarkmapPosteriorResult *result, PosteriorMeasures *measures)
{
  guint previous = 0;
  gboolean had_one = self->posterior != NULL
                     && g_list_store_find (self->posteriors, self->posterior, &previous);

  g_list_store_append (self->posteriors, result);
  /* Compare: the result shown until now beside the new one. */
  if (had_one)
    {
      darkmap_compare_view_set_selected (self->compare_view, DARKMAP_COMPARE_LEFT, previous);
      darkmap_compare_view_set_selected (
        self->compare_view, DARKMAP_COMPARE_RIGHT,
        g_list_model_get_n_items (G_LIST_MODEL (self->posteriors)) - 1);
    }
  select_posterior (self, result, measures);
  if (!LAYER_IS_POSTERIOR (self->layer))
    darkmap_window_select_layer (self, LAYER_MEAN);
}

void
darkmap_window_clear_posteriors (DarkmapWindow *self)
{
  select_posterior (self, NULL, NULL);
  g_list_store_remove_all (self->posteriors);
}

void
darkmap_window_posteriors_field_changed (DarkmapWindow *self)
{
  /* A reconstruction still running is of the field left: cancelled, it
   * ends without a result (G_IO_ERROR_CANCELLED), even when its worker
   * has finished already. */
  darkmap_window_cancel_reconstruction (self);
  if (self->reconstruct_dialog != NULL && self->result->binned->shear->wcs != NULL)
    darkmap_reconstruct_dialog_set_field (self->reconstruct_dialog, self->result->binned);
}

GListModel *
darkmap_window_get_posteriors (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->posteriors);
}

DarkmapPosteriorResult *
darkmap_window_get_posterior (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return self->posterior;
}

void
darkmap_window_select_posterior (DarkmapWindow *self, DarkmapPosteriorResult *result)
{
  g_return_if_fail (DARKMAP_IS_WINDOW (self));
  select_posterior (self, result, NULL);
}

const DmClusterSignificance *
darkmap_window_get_significance (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return self->significance;
}

GtkWidget *
darkmap_window_get_sample_player (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->sample_player);
}

/* ---- Reconstruct ------------------------------------------------------- */

static void
on_reconstruct_progress (DarkmapReconstructJob *job, GParamSpec *pspec, DarkmapWindow *self)
{
  g_autofree char *text = darkmap_reconstruct_job_describe_progress (job);

  gtk_progress_bar_set_fraction (self->progress_bar, darkmap_reconstruct_job_get_fraction (job));
  gtk_progress_bar_set_text (self->progress_bar, text);
}

static void
end_reconstruction (DarkmapWindow *self)
{
  g_clear_object (&self->reconstruct_job);
  g_clear_object (&self->reconstruct_cancellable);
  gtk_widget_set_visible (self->progress_box, self->job != NULL);
  darkmap_window_update_actions (self);
}

/* A reconstruction's posterior measured on a worker before it is shown. */
typedef struct
{
  DarkmapReconstructJob *job;      /* owned: the run it ends */
  DarkmapPosteriorResult *result;  /* owned */
  DmClusterTable *clusters;        /* owned: the window's clusters when the run ended, or NULL */
  PosteriorMeasures measures;
} PreparedPosterior;

static void
prepared_posterior_free (PreparedPosterior *p)
{
  g_object_unref (p->job);
  g_object_unref (p->result);
  dm_cluster_table_free (p->clusters);
  posterior_measures_clear (&p->measures);
  g_free (p);
}

/* The labels and positions of table's clusters, what the significance
 * reads, for a worker (the window's table may be replaced meanwhile); NULL
 * for none or out of memory (then they are measured when shown). */
static DmClusterTable *
copy_cluster_positions (const DmClusterTable *table)
{
  DmClusterTable *copy;

  if (table == NULL || (copy = calloc (1, sizeof (*copy))) == NULL)
    return NULL;
  copy->n = table->n;
  copy->label = calloc (table->n, sizeof (char *));
  copy->ra = malloc (table->n * sizeof (double));
  copy->dec = malloc (table->n * sizeof (double));
  for (size_t i = 0; copy->label != NULL && i < table->n; i++)
    if ((copy->label[i] = strdup (table->label[i])) == NULL)
      g_clear_pointer (&copy->label, free);
  if (copy->label == NULL || copy->ra == NULL || copy->dec == NULL)
    {
      dm_cluster_table_free (copy);
      return NULL;
    }
  memcpy (copy->ra, table->ra, table->n * sizeof (double));
  memcpy (copy->dec, table->dec, table->n * sizeof (double));
  return copy;
}

/* Whether a and b list the same clusters at the same places (NULL: none). */
static gboolean
same_cluster_positions (const DmClusterTable *a, const DmClusterTable *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->n != b->n || memcmp (a->ra, b->ra, a->n * sizeof (double)) != 0
      || memcmp (a->dec, b->dec, a->n * sizeof (double)) != 0)
    return FALSE;
  for (size_t i = 0; i < a->n; i++)
    if (strcmp (a->label[i], b->label[i]) != 0)
      return FALSE;
  return TRUE;
}

static void
prepare_posterior_thread (GTask *task, gpointer source_object, gpointer task_data,
                          GCancellable *cancellable)
{
  PreparedPosterior *p = task_data;

  darkmap_job_lower_thread_priority ();
  measure_posterior (p->result, p->clusters, &p->measures);
  g_task_return_boolean (task, TRUE);
}

static void
on_posterior_prepared (GObject *source, GAsyncResult *res, gpointer user_data)
{
  DarkmapWindow *self = DARKMAP_WINDOW (source);
  PreparedPosterior *p = g_task_get_task_data (G_TASK (res));
  g_autoptr (GError) error = NULL;
  gboolean cancelled;

  if (p->job != self->reconstruct_job)
    return; /* superseded */
  /* Cancelled meanwhile (a new field): it ends without a result. */
  cancelled = g_cancellable_set_error_if_cancelled (self->reconstruct_cancellable, &error);
  end_reconstruction (self);
  /* Other clusters opened meanwhile: measured again as it is shown. */
  if (!cancelled)
    add_posterior (self, p->result,
                   same_cluster_positions (p->clusters, self->cluster_table) ? &p->measures
                                                                             : NULL);
  g_signal_emit (self, signals[SIGNAL_RECONSTRUCT_FINISHED], 0, error);
}

/* The sample limits and the clusters' significance of a new posterior
 * are measured on a worker (some 3 ms at 360² with 8 samples), then it is
 * shown and the reconstruction ends. */
static void
prepare_posterior (DarkmapWindow *self, DarkmapPosteriorResult *result)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, on_posterior_prepared, NULL);
  PreparedPosterior *p = g_new0 (PreparedPosterior, 1);

  p->job = g_object_ref (self->reconstruct_job);
  p->result = g_object_ref (result);
  p->clusters = copy_cluster_positions (self->cluster_table);
  g_task_set_name (task, "[darkmap] posterior measures");
  g_task_set_task_data (task, p, (GDestroyNotify) prepared_posterior_free);
  g_task_run_in_thread (task, prepare_posterior_thread);
}

static void
on_reconstruct_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (DarkmapWindow) self = user_data;
  DarkmapReconstructJob *job = DARKMAP_RECONSTRUCT_JOB (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (DarkmapPosteriorResult) result = darkmap_reconstruct_job_run_finish (job, res, &error);

  if (job != self->reconstruct_job)
    return; /* superseded */
  if (result != NULL)
    {
      prepare_posterior (self, result);
      return;
    }
  end_reconstruction (self);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    darkmap_window_show_error (self, _("Could not reconstruct the map"), error->message);
  g_signal_emit (self, signals[SIGNAL_RECONSTRUCT_FINISHED], 0, error);
}

gboolean
darkmap_window_reconstruct (DarkmapWindow *self, const DmReconstructRequest *request,
                            GError **error)
{
  DmReconstructRequest full;
  DmError *dm_error = NULL;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (request != NULL, FALSE);

  if (self->result == NULL || self->job != NULL || darkmap_window_is_reconstructing (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("A reconstruction needs an open field and no work running."));
      return FALSE;
    }
  full = *request;
  if (full.theory == NULL)
    {
      full.theory = self->theory;
      full.theory_path = self->theory_path;
    }
  if (!dm_reconstruct_check (self->result->binned, &full, &dm_error)
      || (self->reconstruct_job =
            darkmap_reconstruct_job_new (self->result->binned, &full, error)) == NULL)
    {
      if (dm_error != NULL)
        darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  self->reconstruct_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->reconstruct_job, "notify::fraction",
                           G_CALLBACK (on_reconstruct_progress), self, 0);
  g_signal_connect_object (self->reconstruct_job, "notify::stage",
                           G_CALLBACK (on_reconstruct_progress), self, 0);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_text (self->progress_bar, _("Starting"));
  gtk_widget_set_visible (self->progress_box, TRUE);
  darkmap_window_update_actions (self);
  darkmap_reconstruct_job_run_async (self->reconstruct_job, self->reconstruct_cancellable,
                                     on_reconstruct_done, g_object_ref (self));
  return TRUE;
}

void
darkmap_window_cancel_reconstruction (DarkmapWindow *self)
{
  if (self->reconstruct_cancellable != NULL)
    g_cancellable_cancel (self->reconstruct_cancellable);
}

static void
on_dialog_reconstruct (DarkmapReconstructDialog *dialog, DarkmapWindow *self)
{
  DmReconstructRequest request;
  g_autoptr (GError) error = NULL;

  darkmap_reconstruct_dialog_get_request (dialog, &request);
  if (!darkmap_window_reconstruct (self, &request, &error))
    darkmap_window_show_error (self, _("Could not reconstruct the map"), error->message);
}

/* The dialog's "Rebin on the Model's Grid": the catalogue again on it. */
static void
on_rebin_requested (DarkmapReconstructDialog *dialog, int nx, int ny, double pixel_arcmin,
                    DarkmapWindow *self)
{
  DarkmapJobSettings settings = self->field_settings;
  g_autoptr (GFile) file = NULL;

  if (self->result == NULL)
    return;
  settings.grid_size = nx;
  settings.pixel_arcmin = pixel_arcmin;
  file = g_file_new_for_path (self->result->path);
  darkmap_window_open_catalogue (self, file, &settings);
}

static void
reconstruct_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapWindow *self = DARKMAP_WINDOW (widget);

  if (self->result == NULL)
    return;
  if (self->reconstruct_dialog == NULL)
    {
      self->reconstruct_dialog = darkmap_reconstruct_dialog_new (GTK_WINDOW (self));
      g_object_ref_sink (self->reconstruct_dialog);
      g_signal_connect_object (self->reconstruct_dialog, "reconstruct",
                               G_CALLBACK (on_dialog_reconstruct), self, 0);
      g_signal_connect_object (self->reconstruct_dialog, "rebin-requested",
                               G_CALLBACK (on_rebin_requested), self, 0);
    }
  if (self->result->binned->shear->wcs != NULL)
    darkmap_reconstruct_dialog_set_field (self->reconstruct_dialog, self->result->binned);
  gtk_window_present (GTK_WINDOW (self->reconstruct_dialog));
}

GtkWindow *
darkmap_window_get_reconstruct_dialog (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return GTK_WINDOW (self->reconstruct_dialog);
}

/* ---- Posterior files --------------------------------------------------- */

/* Whether a posterior is on the field's grid: same size and, when both have
 * a WCS, the same sky pixels (the tolerance of a mask's check). */
static gboolean
check_same_grid (const DmMap *field, const DmMap *mean, GError **error)
{
  gboolean same = field->nx == mean->nx && field->ny == mean->ny
                  && (field->wcs == NULL || mean->wcs == NULL
                      || dm_wcs_equal (mean->wcs, field->wcs, field->nx, field->ny,
                                       DM_MASK_WCS_TOLERANCE));

  if (!same)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 _("The posterior is on a grid of %d × %d pixels that is not the open field's "
                   "(%d × %d pixels and its sky position): open the catalogue it was made from "
                   "on the same grid first."),
                 mean->nx, mean->ny, field->nx, field->ny);
  return same;
}

gboolean
darkmap_window_open_posterior (DarkmapWindow *self, GFile *file, GError **error)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (DarkmapPosteriorResult) result = NULL;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  if (self->result == NULL)
    g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                         _("A posterior goes with its field: open the catalogue first."));
  else if (path == NULL)
    g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         _("Only local files can be read."));
  else if ((result = darkmap_posterior_result_read (path, &local_error)) != NULL
           && check_same_grid (self->result->kappa_e,
                               darkmap_posterior_result_get_posterior (result)->mean,
                               &local_error))
    {
      add_posterior (self, result, NULL);
      return TRUE;
    }
  {
    g_autofree char *name = g_file_get_basename (file);
    g_autofree char *headline = g_strdup_printf (_("Could not open the posterior “%s”"), name);

    darkmap_window_show_error (self, headline, local_error->message);
  }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static void
set_no_posterior_error (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no posterior to save."));
}

/* Writes result's posterior to path, atomically: a failure leaves any file
 * at path as it was.  Reads only result, which does not change: safe on a
 * worker. */
static gboolean
write_posterior (DarkmapPosteriorResult *result, const char *path, GError **error)
{
  DmError *dm_error = NULL;

  if (!dm_posterior_write (path, darkmap_posterior_result_get_posterior (result), &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  return TRUE;
}

gboolean
darkmap_window_save_posterior (DarkmapWindow *self, const char *path, GError **error)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  if (self->posterior == NULL)
    {
      set_no_posterior_error (error);
      return FALSE;
    }
  if (!write_posterior (self->posterior, path, error))
    return FALSE;
  darkmap_window_mark_posterior_saved (self, self->posterior);
  return TRUE;
}

/* What a save on a worker writes: the posterior selected when it started. */
typedef struct
{
  DarkmapPosteriorResult *result; /* a reference */
  char *path;
} SaveInput;

static void
save_input_free (gpointer data)
{
  SaveInput *input = data;

  g_object_unref (input->result);
  g_free (input->path);
  g_free (input);
}

static void
save_posterior_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  SaveInput *input = data;
  GError *error = NULL;

  if (write_posterior (input->result, input->path, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
darkmap_window_save_posterior_async (DarkmapWindow *self, const char *path,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  SaveInput *input;

  g_return_if_fail (DARKMAP_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  if (self->posterior == NULL)
    {
      GError *error = NULL;

      set_no_posterior_error (&error);
      g_task_return_error (task, error);
      return;
    }
  input = g_new (SaveInput, 1);
  input->result = g_object_ref (self->posterior);
  input->path = g_strdup (path);
  g_task_set_task_data (task, input, save_input_free);
  g_task_run_in_thread (task, save_posterior_thread);
}

gboolean
darkmap_window_save_posterior_finish (DarkmapWindow *self, GAsyncResult *result, GError **error)
{
  SaveInput *input;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  /* A window closed meanwhile keeps no list of saved posteriors. */
  input = g_task_get_task_data (G_TASK (result));
  if (self->saved_posteriors != NULL)
    darkmap_window_mark_posterior_saved (self, input->result);
  return TRUE;
}

static void
on_posterior_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!darkmap_window_save_posterior_finish (DARKMAP_WINDOW (source), result, &error))
    darkmap_window_show_error (DARKMAP_WINDOW (source), _("Could not save the posterior"),
                               error->message);
}

/* What the Save Posterior dialog does: the file written on a worker (some
 * 15 ms at 360² with 8 samples); a failure is shown when it ends. */
static gboolean
save_posterior_in_background (DarkmapWindow *self, const char *path, GError **error)
{
  darkmap_window_save_posterior_async (self, path, on_posterior_saved, NULL);
  return TRUE;
}

/* What the animation is made of: references and copies, so that it can be
 * written on a worker while the window goes on. */
typedef struct
{
  DarkmapPosteriorResult *result;   /* a reference */
  DmMap *mask;                      /* a copy */
  DarkmapColormap colormap;
  DarkmapStretch stretch;
  double lo, hi;                     /* the Sample layer's limits */
  double fps;
  char *path;
} AnimationInput;

static void
animation_input_free (gpointer data)
{
  AnimationInput *input = data;

  g_object_unref (input->result);
  dm_map_free (input->mask);
  g_free (input->path);
  g_free (input);
}

/* The animation of the selected posterior's samples to path; NULL with
 * error when it has none. */
static AnimationInput *
animation_input_new (DarkmapWindow *self, const char *path, GError **error)
{
  AnimationInput *input;

  if (self->posterior == NULL || darkmap_posterior_result_get_n_samples (self->posterior) < 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("The selected posterior has no samples to animate."));
      return NULL;
    }
  input = g_new0 (AnimationInput, 1);
  input->result = g_object_ref (self->posterior);
  input->mask = dm_map_copy (self->result->binned->mask, NULL);
  input->colormap = darkmap_map_view_get_colormap (self->map_view);
  darkmap_map_view_get_stretch (self->map_view, &input->stretch);
  input->lo = self->sample_lo;
  input->hi = self->sample_hi;
  input->fps = darkmap_sample_player_get_fps (self->sample_player);
  input->path = g_strdup (path);
  return input;
}

/* At least 720 pixels wide, so that a small grid stays crisp on screens. */
static gboolean
write_animation (const AnimationInput *input, GCancellable *cancellable, GError **error)
{
  const DmMap *samples = darkmap_posterior_result_get_posterior (input->result)->samples;

  return darkmap_animation_write_webp (input->path, samples, input->mask, input->colormap,
                                       &input->stretch, input->lo, input->hi, input->fps,
                                       MAX (samples->nx, 720), cancellable, error);
}

gboolean
darkmap_window_export_animation (DarkmapWindow *self, const char *path, GError **error)
{
  AnimationInput *input;
  gboolean ok;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  if ((input = animation_input_new (self, path, error)) == NULL)
    return FALSE;
  ok = write_animation (input, NULL, error);
  animation_input_free (input);
  return ok;
}

static void
animation_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GError *error = NULL;

  darkmap_job_lower_thread_priority ();
  if (write_animation (data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_animation_written (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (res), &error))
    darkmap_window_show_error (DARKMAP_WINDOW (source), _("Could not export the animation"),
                               error->message);
}

/* What the Export Animation dialog does: the animation (over a second at
 * 360²) written on a worker; a failure is shown when it ends. */
static gboolean
export_animation_async (DarkmapWindow *self, const char *path, GError **error)
{
  AnimationInput *input = animation_input_new (self, path, error);
  g_autoptr (GTask) task = NULL;

  if (input == NULL)
    return FALSE;
  task = g_task_new (self, NULL, on_animation_written, NULL);
  g_task_set_task_data (task, input, animation_input_free);
  g_task_run_in_thread (task, animation_thread);
  return TRUE;
}

gboolean
darkmap_window_export_significance (DarkmapWindow *self, const char *path, GError **error)
{
  DmError *dm_error = NULL;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  if (self->significance == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("There is no cluster significance: open a cluster table and a "
                             "posterior with samples."));
      return FALSE;
    }
  if (!dm_cluster_significance_write (self->significance, path, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  DarkmapWindowSaveFunc save;
  char *headline;
} SaveRequest;

static void
save_request_free (gpointer data)
{
  SaveRequest *request = data;

  g_free (request->headline);
  g_free (request);
}

static void
on_save_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  DarkmapWindow *self = DARKMAP_WINDOW (user_data);
  SaveRequest *request = g_object_get_data (G_OBJECT (dialog), "darkmap-save");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;

      if (path == NULL)
        darkmap_window_show_error (self, request->headline, _("Only local files can be written."));
      else if (!request->save (self, path, &error))
        darkmap_window_show_error (self, request->headline, error->message);
    }
  g_object_unref (dialog);
}

void
darkmap_window_choose_file_to_save (DarkmapWindow *self, const char *title, const char *name,
                                    const char *filter_name, const char *suffix,
                                    DarkmapWindowSaveFunc save, const char *headline)
{
  GtkFileChooserNative *chooser;
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();
  SaveRequest *request = g_new (SaveRequest, 1);

  request->save = save;
  request->headline = g_strdup (headline);
  chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Save"), _("_Cancel"));
  gtk_file_filter_set_name (filter, filter_name);
  gtk_file_filter_add_suffix (filter, suffix);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data_full (G_OBJECT (chooser), "darkmap-save", request, save_request_free);
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
save_posterior_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_window_choose_file_to_save (DARKMAP_WINDOW (widget), _("Save the Posterior"),
                                      "posterior.fits", _("FITS images"), "fits",
                                      save_posterior_in_background,
                                      _("Could not save the posterior"));
}

static void
export_animation_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_window_choose_file_to_save (DARKMAP_WINDOW (widget),
                                      _("Export the Samples as an Animation"),
                                      "posterior-samples.webp", _("Animated WebP images"), "webp",
                                      export_animation_async,
                                      _("Could not export the animation"));
}

static void
export_significance_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_window_choose_file_to_save (DARKMAP_WINDOW (widget),
                                      _("Export the Cluster Significance"),
                                      "cluster-significance.csv", _("CSV tables"), "csv",
                                      darkmap_window_export_significance,
                                      _("Could not export the cluster significance"));
}

static void
remove_result_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapWindow *self = DARKMAP_WINDOW (widget);
  guint position;

  if (self->posterior != NULL && g_list_store_find (self->posteriors, self->posterior, &position))
    {
      select_posterior (self, NULL, NULL);
      g_list_store_remove (self->posteriors, position);
    }
}

char *
darkmap_window_layer_caption (DarkmapWindow *self, Layer layer)
{
  static const char *const field_layers[] = {
    N_("Kaiser-Squires E mode"), N_("Kaiser-Squires B mode"), N_("Binned shear"),
    N_("Galaxy counts"), N_("Noise of the shear"),
  };
  const char *method = self->posterior != NULL
                         ? darkmap_posterior_result_get_title (self->posterior)
                         : NULL;

  switch (layer)
    {
    case LAYER_MEAN:
      /* TRANSLATORS: presentation caption: the method, then what is shown */
      return g_strdup_printf (_("%s — posterior mean"), method);
    case LAYER_STD:
      return g_strdup_printf (_("%s — posterior standard deviation"), method);
    case LAYER_SIGNIFICANCE:
      return g_strdup_printf (_("%s — significance (mean / std)"), method);
    case LAYER_SAMPLE:
      return g_strdup_printf (_("%s — sample %d of %d"), method,
                              darkmap_sample_player_get_index (self->sample_player) + 1,
                              darkmap_sample_player_get_n_samples (self->sample_player));
    default:
      return g_strdup (_(field_layers[layer]));
    }
}

void
darkmap_window_update_caption (DarkmapWindow *self)
{
  g_autofree char *text = NULL;

  if (!self->presenting)
    return;
  text = darkmap_window_layer_caption (self, self->layer);
  gtk_label_set_text (self->presentation_caption, text);
}

/* Presentation mode: full screen, the map alone under a large caption. */
static void
presentation_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapWindow *self = DARKMAP_WINDOW (widget);

  self->presenting = !self->presenting;
  gtk_widget_set_visible (self->side_panel, !self->presenting);
  gtk_widget_set_visible (self->status_bar, !self->presenting);
  gtk_widget_set_visible (GTK_WIDGET (self->presentation_caption), self->presenting);
  darkmap_window_update_caption (self);
  if (self->presenting)
    {
      gtk_widget_add_css_class (widget, "presentation");
      gtk_window_fullscreen (GTK_WINDOW (self));
    }
  else
    {
      gtk_widget_remove_css_class (widget, "presentation");
      gtk_window_unfullscreen (GTK_WINDOW (self));
    }
}

gboolean
darkmap_window_is_presenting (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);
  return self->presenting;
}

/* ---- Set-up ------------------------------------------------------------ */

void
darkmap_window_posteriors_class_init (GtkWidgetClass *widget_class)
{
  /* reconstruct-finished (GError *error): NULL on success. */
  signals[SIGNAL_RECONSTRUCT_FINISHED] =
    g_signal_new ("reconstruct-finished", G_TYPE_FROM_CLASS (widget_class), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  gtk_widget_class_install_action (widget_class, "win.reconstruct", NULL, reconstruct_action);
  gtk_widget_class_install_action (widget_class, "win.save-posterior", NULL,
                                   save_posterior_action);
  gtk_widget_class_install_action (widget_class, "win.remove-result", NULL, remove_result_action);
  gtk_widget_class_install_action (widget_class, "win.export-animation", NULL,
                                   export_animation_action);
  gtk_widget_class_install_action (widget_class, "win.export-significance", NULL,
                                   export_significance_action);
  gtk_widget_class_install_action (widget_class, "win.presentation", NULL, presentation_action);
}

void
darkmap_window_posteriors_init (DarkmapWindow *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->posteriors = g_list_store_new (DARKMAP_TYPE_POSTERIOR_RESULT);
  darkmap_results_panel_set_results (self->results_panel, G_LIST_MODEL (self->posteriors));
  darkmap_compare_view_set_results (self->compare_view, G_LIST_MODEL (self->posteriors));
  g_signal_connect_object (self->results_panel, "notify::selected",
                           G_CALLBACK (on_results_selection), self, 0);
  g_signal_connect_object (self->sample_player, "notify::index", G_CALLBACK (on_sample_index),
                           self, 0);
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_key_pressed), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

void
darkmap_window_posteriors_dispose (DarkmapWindow *self)
{
  darkmap_window_cancel_reconstruction (self);
  g_clear_object (&self->reconstruct_cancellable);
  g_clear_object (&self->reconstruct_job);
  if (self->reconstruct_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->reconstruct_dialog));
  g_clear_object (&self->reconstruct_dialog);
  g_clear_object (&self->posterior);
  g_clear_object (&self->posteriors);
  g_clear_pointer (&self->significance, dm_cluster_significance_free);
  darkmap_window_stop_band (&self->band_cancellable);
  g_clear_pointer (&self->spectrum_band, darkmap_spectrum_band_free);
}
