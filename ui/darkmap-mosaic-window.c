/* DarkmapMosaicWindow: a mosaic browsed as an overview with full
 * resolution read where the view zooms in. */
#include "darkmap-mosaic-window.h"

#include <glib/gi18n.h>
#include <math.h>

#include "darkmap/fits-region.h"
#include "darkmap-cluster.h"
#include "darkmap-job.h"
#include "darkmap-mosaic-job.h"

/* A rectangle of mosaic pixels in one image (HDU). */
typedef struct
{
  int hdu;
  int x0, y0, nx, ny;
} Region;

typedef enum
{
  DETAIL_NONE,      /* not zoomed in past the overview's resolution */
  DETAIL_TOO_WIDE,  /* zoomed in, but the part shown is too large to read */
  DETAIL_READING,
  DETAIL_SHOWN,
  DETAIL_FAILED,    /* detail_error says why */
} DetailState;

struct _DarkmapMosaicWindow
{
  GtkApplicationWindow parent_instance;

  GtkDropDown *plane_dropdown;
  GtkStringList *plane_names;
  GtkWidget *progress_box;
  GtkProgressBar *progress_bar;
  DarkmapMapView *map_view;
  GtkLabel *status_label;
  GtkLabel *cursor_label;

  char *path;
  DmFitsPlaneList *planes;   /* the images of the first one's size, owned */
  DmMap **overviews;         /* per plane, owned; NULL until read */
  int factor;                /* overview binning; 0 before a file is open */
  int shown;                 /* plane shown, or -1 */
  gboolean closed;           /* disposed: late results are dropped */

  DarkmapMosaicJob *overview_job;   /* the overview being read, or NULL */
  GCancellable *overview_cancellable;
  int overview_plane;
  char *overview_error;      /* the last overview's failure, or NULL */

  DarkmapMosaicJob *detail_job;     /* the full-resolution part being read, or NULL */
  GCancellable *detail_cancellable;
  Region reading;            /* what detail_job reads */
  gboolean have_pending;     /* a part asked for while another is read */
  Region pending;
  gboolean have_detail;      /* the view shows detail_region at full resolution */
  Region detail_region;
  DetailState detail_state;
  char *detail_error;
  guint detail_timeout;      /* the pause after a zoom or pan, or 0 */
};

G_DEFINE_FINAL_TYPE (DarkmapMosaicWindow, darkmap_mosaic_window, GTK_TYPE_APPLICATION_WINDOW)

static void request_detail (DarkmapMosaicWindow *self);

static const DmFitsPlane *
shown_plane (DarkmapMosaicWindow *self)
{
  return self->shown >= 0 ? &self->planes->planes[self->shown] : NULL;
}

/* A plane's name in the chooser: a mosaic's planes by what they hold,
 * others by their EXTNAME. */
static char *
plane_label (const DmFitsPlane *plane)
{
  if (plane->extname[0] == '\0')
    return g_strdup (_("Mean κ"));
  if (g_strcmp0 (plane->extname, "STD") == 0)
    return g_strdup (_("Standard deviation"));
  if (g_strcmp0 (plane->extname, "SIGNIF") == 0)
    return g_strdup (_("Significance"));
  if (g_strcmp0 (plane->extname, "COUNTS") == 0)
    return g_strdup (_("Galaxy counts"));
  return g_strdup (plane->extname);
}

/* Status */

static void
update_status (DarkmapMosaicWindow *self)
{
  const DmFitsPlane *first = &self->planes->planes[0];
  const DmMap *overview = self->shown >= 0 ? self->overviews[self->shown] : NULL;
  g_autofree char *size = NULL;
  const char *detail = NULL;
  g_autofree char *text = NULL;

  if (overview != NULL && overview->wcs != NULL)
    /* TRANSLATORS: mosaic width × height in pixels, the pixel side in
     * arcminutes, then the overview's binning factor twice */
    size = g_strdup_printf (_("%d × %d pixels of %.3g′, overview binned %d × %d"), first->nx,
                            first->ny, dm_wcs_pixel_scale_deg (overview->wcs) * 60.0 / self->factor,
                            self->factor, self->factor);
  else
    size = g_strdup_printf (_("%d × %d pixels, overview binned %d × %d"), first->nx, first->ny,
                            self->factor, self->factor);
  if (self->overview_error != NULL)
    detail = self->overview_error;
  else if (overview != NULL && (self->factor == 1 || self->detail_state == DETAIL_SHOWN))
    detail = _("full resolution");
  else if (self->detail_state == DETAIL_READING)
    detail = _("reading full resolution…");
  else if (self->detail_state == DETAIL_TOO_WIDE)
    detail = _("zoom in further for full resolution");
  else if (self->detail_state == DETAIL_FAILED)
    detail = self->detail_error;
  text = detail != NULL ? g_strdup_printf ("%s — %s", size, detail) : g_steal_pointer (&size);
  gtk_label_set_text (self->status_label, text);
}

/* The readout: sky position, the mosaic pixel under the pointer and its
 * value (full resolution where the detail covers it, else its overview
 * block's mean). */
static void
on_cursor_moved (DarkmapMapView *view, double ra, double dec, double x, double y, double value,
                 DarkmapMosaicWindow *self)
{
  const DmFitsPlane *plane = shown_plane (self);
  g_autofree char *sky = NULL;
  g_autofree char *name = NULL;
  g_autofree char *reading = NULL;
  g_autofree char *text = NULL;
  double u = floor ((x + 0.5) * self->factor), v = floor ((y + 0.5) * self->factor);
  const Region *r = &self->detail_region;

  if (plane == NULL || !(u >= 0.0 && u < plane->nx && v >= 0.0 && v < plane->ny))
    {
      gtk_label_set_text (self->cursor_label, "");
      return;
    }
  sky = darkmap_format_sky_position (ra, dec);
  name = plane_label (plane);
  if (self->factor == 1
      || (self->have_detail && u >= r->x0 && u < r->x0 + r->nx && v >= r->y0
          && v < r->y0 + r->ny))
    reading = g_strdup_printf ("%s = %.5g", name, value);
  else
    /* TRANSLATORS: the plane's name, the mean value of an overview pixel
     * and the binning factor twice */
    reading = g_strdup_printf (_("%s = %.5g (mean of %d × %d)"), name, value, self->factor,
                               self->factor);
  /* TRANSLATORS: sky position, then pixel column and row, then the value */
  text = g_strdup_printf (_("%s   pixel (%d, %d)   %s"), sky, (int) u, (int) v, reading);
  gtk_label_set_text (self->cursor_label, text);
}

/* Overviews */

static void
show_overview (DarkmapMosaicWindow *self, int index)
{
  const DmFitsPlane *plane = &self->planes->planes[index];
  DmError *error = NULL;

  if (!darkmap_map_view_set_map (self->map_view, self->overviews[index], &error))
    {
      g_free (self->overview_error);
      self->overview_error = g_strdup (error->message);
      dm_error_free (error);
      update_status (self);
      return;
    }
  self->shown = index;
  self->have_detail = FALSE;
  /* Signed maps about zero; the std and the counts from their minimum. */
  darkmap_map_view_set_auto_limits (self->map_view, plane->extname[0] == '\0'
                                                      || g_strcmp0 (plane->extname, "SIGNIF") == 0);
  gtk_drop_down_set_selected (self->plane_dropdown, index);
  request_detail (self);
  update_status (self);
}

static void
on_overview_progress (DarkmapMosaicJob *job, GParamSpec *pspec, DarkmapMosaicWindow *self)
{
  gtk_progress_bar_set_fraction (self->progress_bar, darkmap_mosaic_job_get_fraction (job));
}

static void
on_overview_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (DarkmapMosaicWindow) self = user_data;
  DarkmapMosaicJob *job = DARKMAP_MOSAIC_JOB (source);
  g_autoptr (GError) error = NULL;
  DmMap *overview = darkmap_mosaic_job_run_finish (job, result, &error);
  gboolean stale;

  if (job != self->overview_job)
    {
      /* Superseded by a read of another plane. */
      dm_map_free (overview);
      return;
    }
  stale = g_cancellable_is_cancelled (self->overview_cancellable);
  g_clear_object (&self->overview_job);
  g_clear_object (&self->overview_cancellable);
  if (self->closed || stale)
    {
      dm_map_free (overview);
      if (!self->closed)
        {
          gtk_widget_set_visible (self->progress_box, FALSE);
          if (self->shown >= 0)
            gtk_drop_down_set_selected (self->plane_dropdown, self->shown);
          update_status (self);
        }
      return;
    }
  gtk_widget_set_visible (self->progress_box, FALSE);
  if (overview == NULL)
    {
      self->overview_error = g_strdup (error->message);
      if (self->shown >= 0)
        gtk_drop_down_set_selected (self->plane_dropdown, self->shown);
      update_status (self);
      return;
    }
  self->overviews[self->overview_plane] = overview;
  show_overview (self, self->overview_plane);
}

static void
cancel_overview (DarkmapMosaicWindow *self)
{
  if (self->overview_cancellable != NULL)
    g_cancellable_cancel (self->overview_cancellable);
}

void
darkmap_mosaic_window_set_plane (DarkmapMosaicWindow *self, int index)
{
  const DmFitsPlane *plane;

  g_return_if_fail (DARKMAP_IS_MOSAIC_WINDOW (self));
  g_return_if_fail (self->planes != NULL && index >= 0 && index < self->planes->n_planes);
  if (self->overview_job != NULL && self->overview_plane == index)
    return;
  cancel_overview (self);
  if (index == self->shown)
    return;
  g_clear_pointer (&self->overview_error, g_free);
  if (self->overviews[index] != NULL)
    {
      show_overview (self, index);
      return;
    }
  plane = &self->planes->planes[index];
  g_clear_object (&self->overview_job);
  g_clear_object (&self->overview_cancellable);
  self->overview_job = darkmap_mosaic_job_new_overview (self->path, plane->hdu, self->factor);
  self->overview_cancellable = g_cancellable_new ();
  self->overview_plane = index;
  g_signal_connect_object (self->overview_job, "notify::fraction",
                           G_CALLBACK (on_overview_progress), self, 0);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_widget_set_visible (self->progress_box, TRUE);
  darkmap_mosaic_job_run_async (self->overview_job, self->overview_cancellable,
                                on_overview_done, g_object_ref (self));
  update_status (self);
}

static void
on_plane_selected (GtkDropDown *dropdown, GParamSpec *pspec, DarkmapMosaicWindow *self)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  if (self->planes != NULL && selected != GTK_INVALID_LIST_POSITION
      && (int) selected != self->shown)
    darkmap_mosaic_window_set_plane (self, (int) selected);
}

/* Full resolution */

/* Whether b lies inside a (same image). */
static gboolean
region_covers (const Region *a, const Region *b)
{
  return a->hdu == b->hdu && a->x0 <= b->x0 && a->y0 <= b->y0
         && a->x0 + a->nx >= b->x0 + b->nx && a->y0 + a->ny >= b->y0 + b->ny;
}

/* The mosaic pixels the view shows, when it is zoomed in past the
 * overview's resolution: DETAIL_READING with *region set, else
 * DETAIL_NONE (not so far, or nothing of the mosaic in view) or
 * DETAIL_TOO_WIDE. */
static DetailState
wanted_region (DarkmapMosaicWindow *self, Region *region)
{
  const DmFitsPlane *plane = shown_plane (self);
  int width = gtk_widget_get_width (GTK_WIDGET (self->map_view));
  int height = gtk_widget_get_height (GTK_WIDGET (self->map_view));
  double ax, ay, bx, by, x_lo, y_lo, x_hi, y_hi, u0, u1, v0, v1;
  double f = self->factor;

  if (plane == NULL || self->factor == 1
      || !darkmap_map_view_pixel_to_view (self->map_view, width, height, 0.0, 0.0, &ax, &ay)
      || !darkmap_map_view_pixel_to_view (self->map_view, width, height, 1.0, 0.0, &bx, &by)
      || bx - ax <= 1.0)
    return DETAIL_NONE;
  /* The whole drawing (the map area and its margins), bottom-left to
   * top-right; overview position X covers mosaic pixel floor((X + ½) f). */
  darkmap_map_view_view_to_pixel (self->map_view, width, height, 0.0, height, &x_lo, &y_lo);
  darkmap_map_view_view_to_pixel (self->map_view, width, height, width, 0.0, &x_hi, &y_hi);
  u0 = CLAMP (floor ((x_lo + 0.5) * f), 0.0, plane->nx);
  u1 = CLAMP (ceil ((x_hi + 0.5) * f), 0.0, plane->nx);
  v0 = CLAMP (floor ((y_lo + 0.5) * f), 0.0, plane->ny);
  v1 = CLAMP (ceil ((y_hi + 0.5) * f), 0.0, plane->ny);
  if (u1 <= u0 || v1 <= v0)
    return DETAIL_NONE;
  if ((u1 - u0) * (v1 - v0) > DARKMAP_MOSAIC_DETAIL_PIXELS)
    return DETAIL_TOO_WIDE;
  *region = (Region) { plane->hdu, (int) u0, (int) v0, (int) (u1 - u0), (int) (v1 - v0) };
  return DETAIL_READING;
}

static void on_detail_done (GObject *source, GAsyncResult *result, gpointer user_data);

static void
read_pending_detail (DarkmapMosaicWindow *self)
{
  Region *r = &self->pending;

  self->have_pending = FALSE;
  self->reading = *r;
  self->detail_job = darkmap_mosaic_job_new_region (self->path, r->hdu, r->x0, r->y0, r->nx,
                                                    r->ny);
  self->detail_cancellable = g_cancellable_new ();
  darkmap_mosaic_job_run_async (self->detail_job, self->detail_cancellable, on_detail_done,
                                g_object_ref (self));
}

static void
on_detail_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (DarkmapMosaicWindow) self = user_data;
  DarkmapMosaicJob *job = DARKMAP_MOSAIC_JOB (source);
  g_autoptr (GError) error = NULL;
  DmMap *detail = darkmap_mosaic_job_run_finish (job, result, &error);
  gboolean stale = g_cancellable_is_cancelled (self->detail_cancellable);
  double f = self->factor;

  g_clear_object (&self->detail_job);
  g_clear_object (&self->detail_cancellable);
  if (self->closed || stale || self->have_pending)
    {
      dm_map_free (detail);
      if (!self->closed && self->have_pending)
        read_pending_detail (self);
      return;
    }
  if (detail == NULL)
    {
      g_free (self->detail_error);
      self->detail_error = g_strdup (error->message);
      self->detail_state = DETAIL_FAILED;
      update_status (self);
      return;
    }
  /* Mosaic pixel u spans overview positions [u / f − ½, (u + 1) / f − ½]. */
  darkmap_map_view_take_detail (self->map_view, detail, self->reading.x0 / f - 0.5,
                                self->reading.y0 / f - 0.5, f);
  self->detail_region = self->reading;
  self->have_detail = TRUE;
  self->detail_state = DETAIL_SHOWN;
  update_status (self);
}

/* Reads the part of the mosaic in view at full resolution when the view
 * needs it and does not show or read it already; removes the detail when
 * the view is zoomed out. */
static void
request_detail (DarkmapMosaicWindow *self)
{
  Region want;
  DetailState state;

  g_clear_handle_id (&self->detail_timeout, g_source_remove);
  state = wanted_region (self, &want);
  if (state != DETAIL_READING)
    {
      self->have_pending = FALSE;
      if (self->detail_cancellable != NULL)
        g_cancellable_cancel (self->detail_cancellable);
      if (self->have_detail)
        darkmap_map_view_take_detail (self->map_view, NULL, 0.0, 0.0, 1.0);
      self->have_detail = FALSE;
      self->detail_state = state;
    }
  else if (self->have_detail && region_covers (&self->detail_region, &want))
    {
      self->have_pending = FALSE;
      self->detail_state = DETAIL_SHOWN;
    }
  else if (self->detail_job != NULL && region_covers (&self->reading, &want))
    {
      self->have_pending = FALSE;
      self->detail_state = DETAIL_READING;
    }
  else
    {
      self->pending = want;
      self->have_pending = TRUE;
      self->detail_state = DETAIL_READING;
      /* A read under way is stale: its end starts the pending one. */
      if (self->detail_job != NULL)
        g_cancellable_cancel (self->detail_cancellable);
      else
        read_pending_detail (self);
    }
  update_status (self);
}

static gboolean
on_detail_timeout (gpointer user_data)
{
  DarkmapMosaicWindow *self = user_data;

  self->detail_timeout = 0;
  request_detail (self);
  return G_SOURCE_REMOVE;
}

/* After a zoom, a pan or a resize: the part in view is read once the view
 * rests. */
static void
schedule_detail (DarkmapMosaicWindow *self)
{
  if (self->shown < 0 || self->closed)
    return;
  g_clear_handle_id (&self->detail_timeout, g_source_remove);
  self->detail_timeout = g_timeout_add (DARKMAP_MOSAIC_DETAIL_DELAY_MS, on_detail_timeout, self);
}

static void
on_view_changed (DarkmapMapView *view, DarkmapMosaicWindow *self)
{
  schedule_detail (self);
}

static void
on_window_resized (GObject *object, GParamSpec *pspec, DarkmapMosaicWindow *self)
{
  schedule_detail (self);
}

/* Public */

gboolean
darkmap_mosaic_window_open (DarkmapMosaicWindow *self, GFile *file, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  DmError *dm_error = NULL;
  DmFitsPlaneList *planes;
  int kept = 0;

  g_return_val_if_fail (DARKMAP_IS_MOSAIC_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (self->planes == NULL, FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("%s is not a local file"), uri);
      return FALSE;
    }
  planes = dm_fits_list_planes (path, &dm_error);
  if (planes == NULL)
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  /* The mosaic's planes share the first one's grid. */
  for (int i = 0; i < planes->n_planes; i++)
    if (planes->planes[i].nx == planes->planes[0].nx
        && planes->planes[i].ny == planes->planes[0].ny)
      planes->planes[kept++] = planes->planes[i];
  planes->n_planes = kept;

  self->path = g_steal_pointer (&path);
  self->planes = planes;
  self->overviews = g_new0 (DmMap *, planes->n_planes);
  self->factor = dm_fits_overview_factor (planes->planes[0].nx, planes->planes[0].ny,
                                          DARKMAP_MOSAIC_OVERVIEW_SIDE);
  for (int i = 0; i < planes->n_planes; i++)
    {
      g_autofree char *label = plane_label (&planes->planes[i]);

      gtk_string_list_append (self->plane_names, label);
    }
  name = g_file_get_basename (file);
  gtk_window_set_title (GTK_WINDOW (self), name);
  darkmap_mosaic_window_set_plane (self, 0);
  return TRUE;
}

int
darkmap_mosaic_window_get_factor (DarkmapMosaicWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_MOSAIC_WINDOW (self), 0);
  return self->factor;
}

gboolean
darkmap_mosaic_window_is_busy (DarkmapMosaicWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_MOSAIC_WINDOW (self), FALSE);
  return self->overview_job != NULL || self->detail_job != NULL || self->detail_timeout != 0;
}

DarkmapMapView *
darkmap_mosaic_window_get_map_view (DarkmapMosaicWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_MOSAIC_WINDOW (self), NULL);
  return self->map_view;
}

GtkLabel *
darkmap_mosaic_window_get_status_label (DarkmapMosaicWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_MOSAIC_WINDOW (self), NULL);
  return self->status_label;
}

GtkLabel *
darkmap_mosaic_window_get_cursor_label (DarkmapMosaicWindow *self)
{
  g_return_val_if_fail (DARKMAP_IS_MOSAIC_WINDOW (self), NULL);
  return self->cursor_label;
}

/* Actions */

/* Escape or Cancel: stops the overview being read. */
static void
cancel_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  cancel_overview (DARKMAP_MOSAIC_WINDOW (widget));
}

/* GObject */

static void
darkmap_mosaic_window_dispose (GObject *object)
{
  DarkmapMosaicWindow *self = DARKMAP_MOSAIC_WINDOW (object);

  self->closed = TRUE;
  g_clear_handle_id (&self->detail_timeout, g_source_remove);
  cancel_overview (self);
  if (self->detail_cancellable != NULL)
    g_cancellable_cancel (self->detail_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), DARKMAP_TYPE_MOSAIC_WINDOW);
  G_OBJECT_CLASS (darkmap_mosaic_window_parent_class)->dispose (object);
}

static void
darkmap_mosaic_window_finalize (GObject *object)
{
  DarkmapMosaicWindow *self = DARKMAP_MOSAIC_WINDOW (object);

  g_clear_object (&self->overview_job);
  g_clear_object (&self->overview_cancellable);
  g_clear_object (&self->detail_job);
  g_clear_object (&self->detail_cancellable);
  for (int i = 0; self->planes != NULL && i < self->planes->n_planes; i++)
    dm_map_free (self->overviews[i]);
  g_free (self->overviews);
  dm_fits_plane_list_free (self->planes);
  g_free (self->path);
  g_free (self->overview_error);
  g_free (self->detail_error);
  G_OBJECT_CLASS (darkmap_mosaic_window_parent_class)->finalize (object);
}

static void
darkmap_mosaic_window_class_init (DarkmapMosaicWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = darkmap_mosaic_window_dispose;
  object_class->finalize = darkmap_mosaic_window_finalize;

  g_type_ensure (DARKMAP_TYPE_MAP_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-mosaic-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapMosaicWindow, plane_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DarkmapMosaicWindow, plane_names);
  gtk_widget_class_bind_template_child (widget_class, DarkmapMosaicWindow, progress_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapMosaicWindow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DarkmapMosaicWindow, map_view);
  gtk_widget_class_bind_template_child (widget_class, DarkmapMosaicWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapMosaicWindow, cursor_label);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, cancel_action);
}

static void
darkmap_mosaic_window_init (DarkmapMosaicWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->shown = -1;
  g_signal_connect_object (self->plane_dropdown, "notify::selected",
                           G_CALLBACK (on_plane_selected), self, 0);
  g_signal_connect_object (self->map_view, "view-changed", G_CALLBACK (on_view_changed), self,
                           0);
  g_signal_connect_object (self->map_view, "cursor-moved", G_CALLBACK (on_cursor_moved), self,
                           0);
  g_signal_connect (self, "notify::default-width", G_CALLBACK (on_window_resized), self);
  g_signal_connect (self, "notify::default-height", G_CALLBACK (on_window_resized), self);
  g_signal_connect (self, "notify::maximized", G_CALLBACK (on_window_resized), self);
  g_signal_connect (self, "notify::fullscreened", G_CALLBACK (on_window_resized), self);
}

DarkmapMosaicWindow *
darkmap_mosaic_window_new (GtkApplication *application)
{
  return g_object_new (DARKMAP_TYPE_MOSAIC_WINDOW, "application", application, NULL);
}
