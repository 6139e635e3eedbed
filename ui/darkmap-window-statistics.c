/* DarkmapWindow, the Statistics page (win.page "statistics"): the one-point
 * PDF, peaks, minima and Minkowski functionals of the layer the map view
 * shows (its map and plane, inside the field's mask), the band of the
 * selected posterior's samples measured on a worker (cancelled when the
 * selection changes), the band of the Emulated Universes page's maps when
 * their pixel is the map's (measured on a worker, each map whole), and
 * win.export-statistics (CSV).  The layer is
 * measured while the page shows, or when it comes.  The window's state is in
 * darkmap-window-private.h. */
#include "darkmap-window-private.h"

#include "darkmap-stats-csv.h"
#include "darkmap-window-bands.h"

#include <math.h>

#include <glib/gi18n.h>

#define STATISTICS_PAGE "statistics"

/* Emulated maps whose pixel differs from the map's by more than this
 * (relative) are not compared: peak counts and V1, V2 depend on it. */
#define PIXEL_TOLERANCE 0.01

static gboolean
page_shown (DarkmapWindow *self)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), STATISTICS_PAGE) == 0;
}

/* The map view's map and plane, which show layer of result (NULL: none;
 * under the shear's sticks, the E mode).  A map the engine cannot measure
 * is said on the page itself. */
static void
measure_layer (DarkmapWindow *self, const DarkmapResult *result, Layer layer)
{
  const DmMap *map = result != NULL ? darkmap_map_view_get_map (self->map_view) : NULL;
  g_autofree char *label = darkmap_window_layer_caption (self, layer == LAYER_SHEAR
                                                                 ? LAYER_KAPPA_E
                                                                 : layer);
  DmError *dm_error = NULL;

  darkmap_stats_view_set_map (darkmap_stats_page_get_view (self->stats_page), map,
                              map != NULL ? darkmap_map_view_get_plane (self->map_view) : 0,
                              map != NULL ? result->binned->mask : NULL,
                              map != NULL ? result->pixel_arcmin : 0.0, label, &dm_error);
  dm_error_free (dm_error);
}

/* The note beside the spinner: the posterior's band being measured, else
 * the emulator's, else none. */
static void
update_measuring (DarkmapWindow *self)
{
  g_autofree char *text = NULL;
  const DmMap *maps;
  int n;

  if (self->stats_cancellable != NULL)
    {
      n = darkmap_posterior_result_get_n_samples (self->stats_posterior);
      /* TRANSLATORS: %d is the number of posterior samples */
      text = g_strdup_printf (ngettext ("Measuring the statistics of %d sample…",
                                        "Measuring the statistics of %d samples…", n),
                              n);
    }
  else if (self->emulator_cancellable != NULL)
    {
      maps = darkmap_universes_page_get_maps (self->universes_page);
      n = maps != NULL ? maps->nplanes : 0;
      /* TRANSLATORS: %d is the number of emulated maps */
      text = g_strdup_printf (ngettext ("Measuring the statistics of %d emulated map…",
                                        "Measuring the statistics of %d emulated maps…", n),
                              n);
    }
  darkmap_stats_page_set_measuring (self->stats_page, text);
}

/* ---- The posterior's band ---------------------------------------------- */

/* darkmap_stats_band_compute as a DarkmapBandMeasure. */
static gpointer
measure_stats_band (const DmMap *maps, const DmMap *mean, const DmMap *mask, double pixel_arcmin,
                    GCancellable *cancellable, DmError **error)
{
  return darkmap_stats_band_compute (maps, mean, mask, pixel_arcmin, cancellable, error);
}

/* Says why a band measured cannot be shown. */
static void
show_band_error (DarkmapWindow *self, const char *headline, DmError *dm_error)
{
  g_autoptr (GError) error = NULL;

  darkmap_propagate_engine_error (&error, dm_error);
  darkmap_window_show_error (self, headline, error->message);
}

/* The posterior's band measured (NULL: it could not be). */
static void
on_band_measured (DarkmapWindow *self, gpointer band)
{
  DmError *dm_error = NULL;

  update_measuring (self);
  if (band != NULL
      && !darkmap_stats_view_set_band (darkmap_stats_page_get_view (self->stats_page), band,
                                       darkmap_posterior_result_get_title (self->stats_posterior),
                                       &dm_error))
    show_band_error (self, _("Could not show the posterior's statistics"), dm_error);
}

/* No band: a measurement running stops. */
static void
forget_band (DarkmapWindow *self)
{
  darkmap_window_stop_band (&self->stats_cancellable);
  g_clear_object (&self->stats_posterior);
  self->stats_band_mask = NULL;
  if (self->stats_page != NULL)
    {
      darkmap_stats_view_set_band (darkmap_stats_page_get_view (self->stats_page), NULL, NULL,
                                   NULL);
      update_measuring (self);
    }
}

/* The band of the selected posterior of result, measured again when the
 * posterior or the mask changed. */
static void
update_band (DarkmapWindow *self, const DarkmapResult *result)
{
  const DmMap *mask = result != NULL ? result->binned->mask : NULL;
  const DmPosterior *p;
  int n_samples = self->posterior != NULL
                    ? darkmap_posterior_result_get_n_samples (self->posterior)
                    : 0;

  if (result == NULL || result != self->result || n_samples == 0 || mask == NULL)
    {
      forget_band (self);
      return;
    }
  if (self->stats_posterior == self->posterior && self->stats_band_mask == mask)
    return;
  forget_band (self);
  p = darkmap_posterior_result_get_posterior (self->posterior);
  if (!darkmap_window_measure_band (self, &self->stats_cancellable, G_OBJECT (self->posterior),
                                    p->samples, p->mean, mask, result->pixel_arcmin,
                                    measure_stats_band, (GDestroyNotify) darkmap_stats_band_free,
                                    _("Could not measure the posterior's statistics"),
                                    on_band_measured))
    return;
  self->stats_posterior = g_object_ref (self->posterior);
  self->stats_band_mask = mask;
  update_measuring (self);
}

/* ---- The emulator's band ------------------------------------------------ */

/* The emulated maps' band measured (NULL: it could not be). */
static void
on_emulator_measured (DarkmapWindow *self, gpointer band)
{
  DmError *dm_error = NULL;

  update_measuring (self);
  if (band != NULL
      && !darkmap_stats_view_set_emulator_band (
        darkmap_stats_page_get_view (self->stats_page), band,
        darkmap_universes_page_get_maps_name (self->universes_page), &dm_error))
    show_band_error (self, _("Could not show the emulated maps' statistics"), dm_error);
}

/* No emulator band: a measurement running stops. */
static void
forget_emulator (DarkmapWindow *self)
{
  darkmap_window_stop_band (&self->emulator_cancellable);
  self->stats_emulator_maps = NULL;
  if (self->stats_page != NULL)
    {
      darkmap_stats_view_set_emulator_band (darkmap_stats_page_get_view (self->stats_page), NULL,
                                            NULL, NULL);
      update_measuring (self);
    }
}

/* The band of the emulated maps beside the map of result, measured again
 * when the maps changed; none (the toggle saying why) when their pixel is
 * not the map's. */
static void
update_emulator (DarkmapWindow *self, const DarkmapResult *result)
{
  /* The Emulated Universes page is made when it first shows. */
  const DmMap *maps = self->universes_page != NULL
                        ? darkmap_universes_page_get_maps (self->universes_page)
                        : NULL;
  double pixel;
  g_autofree char *note = NULL;

  if (maps == NULL)
    {
      forget_emulator (self);
      darkmap_stats_page_set_emulator (self->stats_page, FALSE, FALSE, NULL);
      return;
    }
  pixel = darkmap_universes_page_get_pixel_arcmin (self->universes_page);
  if (result == NULL || fabs (pixel / result->pixel_arcmin - 1.0) > PIXEL_TOLERANCE)
    {
      forget_emulator (self);
      /* TRANSLATORS: the emulated maps' pixel, then the map's, in arcmin */
      note = result != NULL
               ? g_strdup_printf (_("The emulated maps have pixels of %.3g′, the map %.3g′: "
                                    "their statistics cannot be compared."),
                                  pixel, result->pixel_arcmin)
               : NULL;
      darkmap_stats_page_set_emulator (self->stats_page, TRUE, FALSE, note);
      return;
    }
  /* TRANSLATORS: the number of emulated maps and their emulator */
  note = g_strdup_printf (ngettext ("The 16–84 %% band of %d emulated map of %s (Emulated "
                                    "Universes), each measured whole",
                                    "The 16–84 %% band of the %d emulated maps of %s (Emulated "
                                    "Universes), each measured whole",
                                    maps->nplanes),
                          maps->nplanes, darkmap_universes_page_get_maps_name (self->universes_page));
  darkmap_stats_page_set_emulator (self->stats_page, TRUE, TRUE, note);
  if (self->stats_emulator_maps == maps)
    return;
  forget_emulator (self);
  /* Each emulated map whole (they have no mask), measured on a copy. */
  if (!darkmap_window_measure_band (self, &self->emulator_cancellable, NULL, maps, NULL, NULL,
                                    pixel, measure_stats_band,
                                    (GDestroyNotify) darkmap_stats_band_free,
                                    _("Could not measure the emulated maps' statistics"),
                                    on_emulator_measured))
    return;
  self->stats_emulator_maps = maps;
  update_measuring (self);
}

/* ---- Following the window ---------------------------------------------- */

void
darkmap_window_update_statistics (DarkmapWindow *self, const DarkmapResult *result, Layer layer)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-statistics", result != NULL);
  if (!page_shown (self))
    {
      self->stats_stale = TRUE;
      if (self->posterior != self->stats_posterior)
        forget_band (self);
      return;
    }
  self->stats_stale = FALSE;
  measure_layer (self, result, layer);
  update_band (self, result);
  update_emulator (self, result);
}

void
darkmap_window_statistics_emulator_changed (DarkmapWindow *self)
{
  /* New maps may sit where the old ones were: measured again whatever. */
  forget_emulator (self);
  if (page_shown (self))
    update_emulator (self, self->result);
  else
    self->stats_stale = TRUE;
}

static void
on_page_changed (DarkmapWindow *self)
{
  if (page_shown (self) && self->stats_stale)
    darkmap_window_update_statistics (self, self->result, self->layer);
}

GtkWidget *
darkmap_window_get_stats_page (DarkmapWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->stats_page);
}

gboolean
darkmap_window_export_statistics (DarkmapWindow *self, const char *path, GError **error)
{
  DarkmapStatsView *view;
  DmError *dm_error = NULL;

  g_return_val_if_fail (DARKMAP_IS_WINDOW (self), FALSE);

  view = darkmap_stats_page_get_view (self->stats_page);
  if (self->stats_stale)
    measure_layer (self, self->result, self->layer);
  if (darkmap_stats_view_get_stats (view) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("There are no statistics to export: the map shown could not be "
                             "measured, or no catalogue is open."));
      return FALSE;
    }
  if (!darkmap_stats_csv_write (path, darkmap_stats_view_get_stats (view),
                                darkmap_stats_view_get_label (view),
                                darkmap_stats_view_get_band (view),
                                darkmap_stats_view_get_band_label (view),
                                darkmap_stats_view_get_show_emulator (view)
                                  ? darkmap_stats_view_get_emulator_band (view)
                                  : NULL,
                                darkmap_stats_view_get_emulator_label (view), &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  return TRUE;
}

static void
export_statistics_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  darkmap_window_choose_file_to_save (DARKMAP_WINDOW (widget), _("Export the Statistics"),
                                      "statistics.csv", _("CSV tables"), "csv",
                                      darkmap_window_export_statistics,
                                      _("Could not export the statistics"));
}

void
darkmap_window_statistics_class_init (GtkWidgetClass *widget_class)
{
  g_type_ensure (DARKMAP_TYPE_STATS_PAGE);
  gtk_widget_class_bind_template_child (widget_class, DarkmapWindow, stats_page);
  gtk_widget_class_install_action (widget_class, "win.export-statistics", NULL,
                                   export_statistics_action);
}

void
darkmap_window_statistics_init (DarkmapWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-statistics", FALSE);
  g_signal_connect_object (self->stack, "notify::visible-child-name",
                           G_CALLBACK (on_page_changed), self, G_CONNECT_SWAPPED);
}

void
darkmap_window_statistics_dispose (DarkmapWindow *self)
{
  forget_band (self);
  forget_emulator (self);
}
