#include "darkmap-map-view.h"

#include <math.h>

#include "darkmap-cluster-overlay.h"
#include "darkmap-cluster-popover.h"
#include "darkmap-sexagesimal.h"
#include "darkmap-whiskers.h"

/* Layout of a drawing (pixels): margins for the grid labels, and the colour
 * bar with its tick labels at the right. */
#define MARGIN_LEFT 64.0
#define MARGIN_TOP 12.0
#define MARGIN_BOTTOM 30.0
#define BAR_GAP 14.0
#define BAR_WIDTH 16.0
#define BAR_LABELS 58.0
#define MIN_AREA 16.0

#define ZOOM_MIN 0.25
#define ZOOM_MAX 64.0
#define ZOOM_KEY_STEP 1.25
#define ZOOM_SCROLL_STEP 1.1
#define PAN_KEY_FRACTION 0.1
#define GRID_SAMPLES 64

struct _DarkmapMapView
{
  GtkWidget parent_instance;

  DmMap *map; /* owned copy, or NULL */
  int plane;
  DmMap *mask; /* owned copy, or NULL */

  DarkmapColormap cmap;
  DarkmapStretch stretch;
  gboolean auto_limits;
  gboolean symmetric;
  double lo, hi;            /* in use (fixed, or computed from the plane) */
  gboolean have_limits;

  cairo_surface_t *image;   /* the plane through the colour map; NULL: to redo */
  DmMap *detail;            /* owned, or NULL: finer pixels over part of the map */
  double detail_x0, detail_y0, detail_scale; /* its corner and pixels per map pixel */
  cairo_surface_t *detail_image; /* detail through the colour map; NULL: to redo */
  cairo_surface_t *shade;   /* the mask overlay; NULL: none or to redo */

  gboolean show_grid;
  gboolean sexagesimal;     /* grid labels in h m s / ° ′ ″ rather than degrees */
  double zoom;
  double pinch_zoom;        /* zoom when the pinch began */
  double cx, cy;            /* map pixel at the centre of the view */
  double drag_cx, drag_cy;  /* centre when the drag began */
  double pointer_x, pointer_y;
  double cross_x, cross_y;  /* the cross hair's map pixel; NaN: hidden */

  GListModel *clusters;       /* of DarkmapCluster, owned, or NULL */
  DarkmapCluster *selected;   /* owned, one of clusters, or NULL */
  gboolean show_clusters;
  GtkWidget *popover;         /* DarkmapClusterPopover, a child */
  DarkmapClusterOverlay *overlay; /* owned: the marker images */

  DarkmapWhiskers *whiskers;  /* owned, or NULL: no whisker plot */
  DarkmapContours *contours;  /* owned, or NULL */
  gboolean show_contours;
};

G_DEFINE_FINAL_TYPE (DarkmapMapView, darkmap_map_view, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_CURSOR_MOVED,
  SIGNAL_VIEW_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum { PROP_0, PROP_SHOW_CLUSTERS, PROP_SELECTED_CLUSTER, PROP_SHOW_CONTOURS, N_PROPS };
static GParamSpec *properties[N_PROPS];

typedef struct
{
  double ax, ay, aw, ah; /* the map area */
  double scale;          /* view pixels per map pixel */
} Layout;

static gboolean
get_layout (DarkmapMapView *self, int width, int height, Layout *l)
{
  if (self->map == NULL)
    return FALSE;
  l->ax = MARGIN_LEFT;
  l->ay = MARGIN_TOP;
  l->aw = width - MARGIN_LEFT - BAR_GAP - BAR_WIDTH - BAR_LABELS;
  l->ah = height - MARGIN_TOP - MARGIN_BOTTOM;
  if (l->aw < MIN_AREA || l->ah < MIN_AREA)
    return FALSE;
  l->scale = fmin (l->aw / self->map->nx, l->ah / self->map->ny) * self->zoom;
  return TRUE;
}

static void
to_view (DarkmapMapView *self, const Layout *l, double x, double y, double *vx, double *vy)
{
  *vx = l->ax + l->aw / 2.0 + (x - self->cx) * l->scale;
  *vy = l->ay + l->ah / 2.0 - (y - self->cy) * l->scale;
}

/* The same as to_view, as a matrix. */
static void
to_view_matrix (DarkmapMapView *self, const Layout *l, cairo_matrix_t *m)
{
  cairo_matrix_init (m, l->scale, 0.0, 0.0, -l->scale,
                     l->ax + l->aw / 2.0 - self->cx * l->scale,
                     l->ay + l->ah / 2.0 + self->cy * l->scale);
}

static void
from_view (DarkmapMapView *self, const Layout *l, double vx, double vy, double *x, double *y)
{
  *x = self->cx + (vx - l->ax - l->aw / 2.0) / l->scale;
  *y = self->cy - (vy - l->ay - l->ah / 2.0) / l->scale;
}

gboolean
darkmap_map_view_pixel_to_view (DarkmapMapView *self, int width, int height, double x,
                                double y, double *vx, double *vy)
{
  Layout l;

  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), FALSE);
  if (!get_layout (self, width, height, &l))
    return FALSE;
  to_view (self, &l, x, y, vx, vy);
  return TRUE;
}

gboolean
darkmap_map_view_view_to_pixel (DarkmapMapView *self, int width, int height, double vx,
                                double vy, double *x, double *y)
{
  Layout l;

  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), FALSE);
  if (!get_layout (self, width, height, &l))
    return FALSE;
  from_view (self, &l, vx, vy, x, y);
  return TRUE;
}

/* Display state */

static void
invalidate_image (DarkmapMapView *self)
{
  g_clear_pointer (&self->image, cairo_surface_destroy);
  g_clear_pointer (&self->detail_image, cairo_surface_destroy);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
update_limits (DarkmapMapView *self)
{
  if (!self->auto_limits)
    return;
  self->have_limits = self->map != NULL
    && darkmap_colormap_limits (dm_map_plane (self->map, self->plane),
                                dm_map_plane_size (self->map), self->symmetric,
                                &self->lo, &self->hi);
}

/* *image (when NULL) made from nx × ny values in the view's colours and
 * limits; FALSE when it cannot be. */
static gboolean
ensure_colour_image (DarkmapMapView *self, cairo_surface_t **image, const float *values, int nx,
                     int ny)
{
  if (*image != NULL)
    return TRUE;
  *image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, nx, ny);
  if (cairo_surface_status (*image) != CAIRO_STATUS_SUCCESS)
    {
      g_clear_pointer (image, cairo_surface_destroy);
      return FALSE;
    }
  cairo_surface_flush (*image);
  if (self->have_limits)
    darkmap_colormap_render (self->cmap, &self->stretch, self->lo, self->hi, values, nx, ny,
                             cairo_image_surface_get_data (*image),
                             cairo_image_surface_get_stride (*image));
  cairo_surface_mark_dirty (*image);
  return TRUE;
}

static gboolean
ensure_image (DarkmapMapView *self)
{
  return self->map != NULL
         && ensure_colour_image (self, &self->image, dm_map_plane (self->map, self->plane),
                                 self->map->nx, self->map->ny);
}

static gboolean
ensure_detail_image (DarkmapMapView *self)
{
  return self->detail != NULL
         && ensure_colour_image (self, &self->detail_image, self->detail->data,
                                 self->detail->nx, self->detail->ny);
}

void
darkmap_map_view_render_mask_shade (const float *mask, int nx, int ny, unsigned char *argb,
                                    int stride)
{
  for (int y = 0; y < ny; y++)
    {
      guint32 *row = (guint32 *) (void *) (argb + (size_t) y * (size_t) stride);
      const float *m = mask + (size_t) y * (size_t) nx;

      /* Unobserved pixels: 55 % grey at 50 % opacity (premultiplied). */
      for (int x = 0; x < nx; x++)
        row[x] = m[x] > 0.0f ? 0u : 0x80464646u;
    }
}

static gboolean
ensure_shade (DarkmapMapView *self)
{
  if (self->mask == NULL)
    return FALSE;
  if (self->shade != NULL)
    return TRUE;
  self->shade = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, self->mask->nx,
                                            self->mask->ny);
  if (cairo_surface_status (self->shade) != CAIRO_STATUS_SUCCESS)
    {
      g_clear_pointer (&self->shade, cairo_surface_destroy);
      return FALSE;
    }
  cairo_surface_flush (self->shade);
  darkmap_map_view_render_mask_shade (self->mask->data, self->mask->nx, self->mask->ny,
                                      cairo_image_surface_get_data (self->shade),
                                      cairo_image_surface_get_stride (self->shade));
  cairo_surface_mark_dirty (self->shade);
  return TRUE;
}

/* Drawing */

static void
set_text_colour (cairo_t *cr)
{
  cairo_set_source_rgb (cr, 0.13, 0.13, 0.13);
}

static void
paint_map_surface (DarkmapMapView *self, const Layout *l, cairo_t *cr,
                   cairo_surface_t *surface)
{
  cairo_save (cr);
  cairo_translate (cr, l->ax + l->aw / 2.0, l->ay + l->ah / 2.0);
  cairo_scale (cr, l->scale, -l->scale);
  /* Surface pixel (i, j) covers [i, i + 1] × [j, j + 1]: its centre is map
   * pixel (i, j). */
  cairo_translate (cr, -(self->cx + 0.5), -(self->cy + 0.5));
  cairo_set_source_surface (cr, surface, 0.0, 0.0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0.0, 0.0, self->map->nx, self->map->ny);
  cairo_fill (cr);
  cairo_restore (cr);
}

/* The detail over its part of the map: its surface's pixel (i, j) covers
 * [x0 + i / scale, x0 + (i + 1) / scale] × ... in map coordinates. */
static void
paint_detail (DarkmapMapView *self, const Layout *l, cairo_t *cr)
{
  cairo_save (cr);
  cairo_translate (cr, l->ax + l->aw / 2.0, l->ay + l->ah / 2.0);
  cairo_scale (cr, l->scale, -l->scale);
  cairo_translate (cr, self->detail_x0 - self->cx, self->detail_y0 - self->cy);
  cairo_scale (cr, 1.0 / self->detail_scale, 1.0 / self->detail_scale);
  cairo_set_source_surface (cr, self->detail_image, 0.0, 0.0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0.0, 0.0, self->detail->nx, self->detail->ny);
  cairo_fill (cr);
  cairo_restore (cr);
}

/* Grid spacing in arcminutes, the first at least span / 4. */
static double
grid_step_deg (double span_deg)
{
  static const double steps_arcmin[] = {
    0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600,
  };
  double want = span_deg * 60.0 / 4.0;

  for (size_t i = 0; i < G_N_ELEMENTS (steps_arcmin); i++)
    if (steps_arcmin[i] >= want)
      return steps_arcmin[i] / 60.0;
  return 60.0;
}

static int
label_decimals (double step_deg)
{
  return step_deg >= 1.0 ? 0 : MIN (4, (int) ceil (-log10 (step_deg) - 1e-9));
}

typedef struct
{
  double left, right, top, bottom; /* the visible map, in view coordinates */
} Clip;

/* One grid line of constant `fixed` (Dec if is_dec, else RA), from `from`
 * to `to` in the other coordinate; its label goes where it meets the left
 * edge (Dec) or the bottom edge (RA). */
static void
draw_grid_line (DarkmapMapView *self, const Layout *l, const Clip *clip, cairo_t *cr,
                gboolean is_dec, double fixed, double from, double to, double step)
{
  double ra[GRID_SAMPLES], dec[GRID_SAMPLES], px[GRID_SAMPLES], py[GRID_SAMPLES];
  double vx[GRID_SAMPLES], vy[GRID_SAMPLES];
  gboolean pen_down = FALSE, labelled = FALSE;
  g_autofree char *label = NULL;

  for (int i = 0; i < GRID_SAMPLES; i++)
    {
      double other = from + (to - from) * i / (GRID_SAMPLES - 1.0);
      ra[i] = is_dec ? other : fixed;
      dec[i] = is_dec ? fixed : other;
    }
  if (!dm_wcs_world_to_pixel (self->map->wcs, GRID_SAMPLES, ra, dec, px, py, NULL))
    return;

  cairo_save (cr);
  cairo_rectangle (cr, clip->left, clip->top, clip->right - clip->left,
                   clip->bottom - clip->top);
  cairo_clip (cr);
  cairo_new_path (cr);
  for (int i = 0; i < GRID_SAMPLES; i++)
    {
      if (!isfinite (px[i]) || !isfinite (py[i]))
        {
          pen_down = FALSE;
          vx[i] = vy[i] = NAN;
          continue;
        }
      to_view (self, l, px[i], py[i], &vx[i], &vy[i]);
      if (pen_down)
        cairo_line_to (cr, vx[i], vy[i]);
      else
        cairo_move_to (cr, vx[i], vy[i]);
      pen_down = TRUE;
    }
  cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, 0.7);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);

  if (self->sexagesimal)
    label = is_dec ? darkmap_sexagesimal_dec_label (fixed, step)
                   : darkmap_sexagesimal_ra_label (fixed, step);
  else
    label = g_strdup_printf ("%.*f\u00b0", label_decimals (step),
                             is_dec ? fixed : fmod (fmod (fixed, 360.0) + 360.0, 360.0));
  for (int i = 1; i < GRID_SAMPLES && !labelled; i++)
    {
      double edge = is_dec ? clip->left : clip->bottom;
      double a = is_dec ? vx[i - 1] : vy[i - 1], b = is_dec ? vx[i] : vy[i];
      double f, pos;
      cairo_text_extents_t ext;

      if (!isfinite (a) || !isfinite (b) || (a - edge) * (b - edge) > 0.0 || a == b)
        continue;
      f = (edge - a) / (b - a);
      pos = is_dec ? vy[i - 1] + f * (vy[i] - vy[i - 1]) : vx[i - 1] + f * (vx[i] - vx[i - 1]);
      if (is_dec ? (pos < clip->top || pos > clip->bottom)
                 : (pos < clip->left || pos > clip->right))
        continue;
      cairo_text_extents (cr, label, &ext);
      if (is_dec)
        cairo_move_to (cr, clip->left - 5.0 - ext.x_advance,
                       pos - ext.y_bearing - ext.height / 2.0);
      else
        cairo_move_to (cr, pos - ext.x_advance / 2.0, clip->bottom + 5.0 - ext.y_bearing);
      set_text_colour (cr);
      cairo_show_text (cr, label);
      labelled = TRUE;
    }
}

static void
draw_grid (DarkmapMapView *self, const Layout *l, const Clip *clip, cairo_t *cr)
{
  enum { N = 9 };
  double px[N * N], py[N * N], ra[N * N], dec[N * N];
  double x0, y0, x1, y1, ra_c, dec_c;
  double ra_min = INFINITY, ra_max = -INFINITY, dec_min = INFINITY, dec_max = -INFINITY;
  double ra_step, dec_step;
  size_t n = 0;

  if (self->map->wcs == NULL)
    return;
  from_view (self, l, clip->left, clip->bottom, &x0, &y0);
  from_view (self, l, clip->right, clip->top, &x1, &y1);

  /* The sky range of the visible part, sampled on an N × N lattice; RA is
   * unwrapped about the centre so that fields across RA = 0 work. */
  for (int j = 0; j < N; j++)
    for (int i = 0; i < N; i++, n++)
      {
        px[n] = x0 + (x1 - x0) * i / (N - 1.0);
        py[n] = y0 + (y1 - y0) * j / (N - 1.0);
      }
  if (!dm_wcs_pixel_to_world (self->map->wcs, n, px, py, ra, dec, NULL))
    return;
  ra_c = ra[n / 2];
  dec_c = dec[n / 2];
  if (!isfinite (ra_c) || !isfinite (dec_c))
    return;
  for (size_t k = 0; k < n; k++)
    {
      double r;

      if (!isfinite (ra[k]) || !isfinite (dec[k]))
        continue;
      r = ra_c + remainder (ra[k] - ra_c, 360.0);
      ra_min = fmin (ra_min, r);
      ra_max = fmax (ra_max, r);
      dec_min = fmin (dec_min, dec[k]);
      dec_max = fmax (dec_max, dec[k]);
    }
  dec_step = self->sexagesimal ? darkmap_sexagesimal_dec_step (dec_max - dec_min)
                               : grid_step_deg (dec_max - dec_min);
  ra_step = self->sexagesimal ? darkmap_sexagesimal_ra_step (ra_max - ra_min)
                              : grid_step_deg (ra_max - ra_min);

  cairo_save (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 10.0);
  for (double d = ceil (dec_min / dec_step) * dec_step; d <= dec_max; d += dec_step)
    draw_grid_line (self, l, clip, cr, TRUE, d, ra_min - ra_step, ra_max + ra_step, dec_step);
  for (double r = ceil (ra_min / ra_step) * ra_step; r <= ra_max; r += ra_step)
    draw_grid_line (self, l, clip, cr, FALSE, r, fmax (dec_min - dec_step, -90.0),
                    fmin (dec_max + dec_step, 90.0), ra_step);
  cairo_restore (cr);
}

/* A vertical and a horizontal line through the cross hair's pixel across
 * the map area: white over a darker halo, visible on any colour map. */
static void
draw_crosshair (DarkmapMapView *self, const Layout *l, cairo_t *cr)
{
  double vx, vy;

  to_view (self, l, self->cross_x, self->cross_y, &vx, &vy);
  cairo_save (cr);
  cairo_rectangle (cr, l->ax, l->ay, l->aw, l->ah);
  cairo_clip (cr);
  cairo_move_to (cr, vx, l->ay);
  cairo_line_to (cr, vx, l->ay + l->ah);
  cairo_move_to (cr, l->ax, vy);
  cairo_line_to (cr, l->ax + l->aw, vy);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.5);
  cairo_set_line_width (cr, 3.0);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
darkmap_map_view_render (DarkmapMapView *self, cairo_t *cr, int width, int height)
{
  Layout l;
  Clip clip;

  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_return_if_fail (cr != NULL);

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_fill (cr);
  if (!get_layout (self, width, height, &l) || !ensure_image (self))
    {
      cairo_restore (cr);
      return;
    }

  /* Backdrop of the area (shows through NaN pixels and around the map). */
  cairo_rectangle (cr, l.ax, l.ay, l.aw, l.ah);
  cairo_set_source_rgb (cr, DARKMAP_MAP_VIEW_BACKDROP_GREY, DARKMAP_MAP_VIEW_BACKDROP_GREY,
                        DARKMAP_MAP_VIEW_BACKDROP_GREY);
  cairo_fill (cr);

  to_view (self, &l, -0.5, self->map->ny - 0.5, &clip.left, &clip.top);
  to_view (self, &l, self->map->nx - 0.5, -0.5, &clip.right, &clip.bottom);
  clip.left = fmax (clip.left, l.ax);
  clip.top = fmax (clip.top, l.ay);
  clip.right = fmin (clip.right, l.ax + l.aw);
  clip.bottom = fmin (clip.bottom, l.ay + l.ah);

  cairo_save (cr);
  cairo_rectangle (cr, l.ax, l.ay, l.aw, l.ah);
  cairo_clip (cr);
  paint_map_surface (self, &l, cr, self->image);
  if (ensure_detail_image (self))
    paint_detail (self, &l, cr);
  if (ensure_shade (self))
    paint_map_surface (self, &l, cr, self->shade);
  if ((self->show_contours && self->contours != NULL) || self->whiskers != NULL)
    {
      cairo_matrix_t m;

      to_view_matrix (self, &l, &m);
      if (self->show_contours && self->contours != NULL)
        darkmap_contours_draw (self->contours, cr, &m, clip.left, clip.top, clip.right,
                               clip.bottom);
      if (self->whiskers != NULL)
        darkmap_whiskers_draw (self->whiskers, cr, &m, clip.left, clip.top, clip.right,
                               clip.bottom);
    }
  cairo_restore (cr);

  if (self->show_grid && clip.right > clip.left && clip.bottom > clip.top)
    draw_grid (self, &l, &clip, cr);

  if (self->show_clusters && self->clusters != NULL)
    {
      cairo_matrix_t m;

      to_view_matrix (self, &l, &m);
      cairo_save (cr);
      cairo_rectangle (cr, l.ax, l.ay, l.aw, l.ah);
      cairo_clip (cr);
      darkmap_cluster_overlay_draw (self->overlay, cr, &m, self->clusters, self->selected);
      cairo_restore (cr);
    }
  if (isfinite (self->cross_x) && isfinite (self->cross_y))
    draw_crosshair (self, &l, cr);

  set_text_colour (cr);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, l.ax - 0.5, l.ay - 0.5, l.aw + 1.0, l.ah + 1.0);
  cairo_stroke (cr);
  if (self->have_limits)
    darkmap_colormap_draw_bar (cr, self->cmap, &self->stretch, self->lo, self->hi,
                               l.ax + l.aw + BAR_GAP, l.ay, BAR_WIDTH, l.ah);
  /* The whiskers' key under the colour bar. */
  if (self->whiskers != NULL)
    darkmap_whiskers_draw_key (self->whiskers, cr, l.scale, l.ax + l.aw + BAR_GAP,
                               l.ay + l.ah + 10.0);
  cairo_restore (cr);
}

/* Public setters */

gboolean
darkmap_map_view_set_map (DarkmapMapView *self, const DmMap *map, DmError **error)
{
  DmMap *copy = NULL;
  gboolean same_size;

  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), FALSE);
  if (map != NULL && (copy = dm_map_copy (map, error)) == NULL)
    return FALSE;
  same_size = copy != NULL && self->map != NULL && copy->nx == self->map->nx
              && copy->ny == self->map->ny;
  g_clear_pointer (&self->map, dm_map_free);
  g_clear_pointer (&self->detail, dm_map_free);
  self->map = copy;
  self->plane = 0;
  if (!same_size)
    {
      g_clear_pointer (&self->mask, dm_map_free);
      g_clear_pointer (&self->shade, cairo_surface_destroy);
      g_clear_pointer (&self->whiskers, darkmap_whiskers_free);
      g_clear_pointer (&self->contours, darkmap_contours_free);
      darkmap_map_view_reset_view (self);
    }
  update_limits (self);
  invalidate_image (self);
  return TRUE;
}

void
darkmap_map_view_set_plane (DarkmapMapView *self, int plane)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_return_if_fail (self->map != NULL && plane >= 0 && plane < self->map->nplanes);
  if (plane == self->plane)
    return;
  self->plane = plane;
  g_clear_pointer (&self->detail, dm_map_free);
  update_limits (self);
  invalidate_image (self);
}

const DmMap *
darkmap_map_view_get_map (DarkmapMapView *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), NULL);
  return self->map;
}

void
darkmap_map_view_take_detail (DarkmapMapView *self, DmMap *detail, double x0, double y0,
                              double scale)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_return_if_fail (detail == NULL || scale > 0.0);
  g_clear_pointer (&self->detail, dm_map_free);
  g_clear_pointer (&self->detail_image, cairo_surface_destroy);
  self->detail = detail;
  self->detail_x0 = x0;
  self->detail_y0 = y0;
  self->detail_scale = scale;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const DmMap *
darkmap_map_view_get_detail (DarkmapMapView *self, double *x0, double *y0, double *scale)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), NULL);
  if (x0 != NULL)
    *x0 = self->detail_x0;
  if (y0 != NULL)
    *y0 = self->detail_y0;
  if (scale != NULL)
    *scale = self->detail_scale;
  return self->detail;
}

gboolean
darkmap_map_view_set_whiskers (DarkmapMapView *self, const DmMap *shear, const DmMap *counts,
                               DmError **error)
{
  DarkmapWhiskers *whiskers = NULL;

  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), FALSE);
  if (shear != NULL)
    {
      if (self->map == NULL || shear->nx != self->map->nx || shear->ny != self->map->ny)
        {
          dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The shear map (%d × %d) does not match the map shown", shear->nx,
                        shear->ny);
          return FALSE;
        }
      if ((whiskers = darkmap_whiskers_new (shear, counts, error)) == NULL)
        return FALSE;
    }
  g_clear_pointer (&self->whiskers, darkmap_whiskers_free);
  self->whiskers = whiskers;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

gboolean
darkmap_map_view_get_show_whiskers (DarkmapMapView *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), FALSE);
  return self->whiskers != NULL;
}

gboolean
darkmap_map_view_set_contours (DarkmapMapView *self, const DmMap *map, const double *levels,
                               int n_levels, DmError **error)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), FALSE);
  g_return_val_if_fail (n_levels >= 0 && (levels != NULL || n_levels == 0), FALSE);
  if (map != NULL && (self->map == NULL || map->nx != self->map->nx || map->ny != self->map->ny))
    {
      dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                    "The contoured map (%d × %d) does not match the map shown", map->nx,
                    map->ny);
      return FALSE;
    }
  darkmap_map_view_take_contours (self, map != NULL
                                          ? darkmap_contours_new (dm_map_plane (map, 0), map->nx,
                                                                  map->ny, levels, n_levels)
                                          : NULL);
  return TRUE;
}

void
darkmap_map_view_take_contours (DarkmapMapView *self, DarkmapContours *contours)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_clear_pointer (&self->contours, darkmap_contours_free);
  self->contours = contours;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const DarkmapContours *
darkmap_map_view_get_contours (DarkmapMapView *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), NULL);
  return self->contours;
}

void
darkmap_map_view_set_show_contours (DarkmapMapView *self, gboolean show)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  show = !!show;
  if (show == self->show_contours)
    return;
  self->show_contours = show;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_CONTOURS]);
}

gboolean
darkmap_map_view_get_show_contours (DarkmapMapView *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), FALSE);
  return self->show_contours;
}

void
darkmap_map_view_set_sexagesimal (DarkmapMapView *self, gboolean sexagesimal)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  self->sexagesimal = !!sexagesimal;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
darkmap_map_view_get_sexagesimal (DarkmapMapView *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), FALSE);
  return self->sexagesimal;
}

int
darkmap_map_view_get_plane (DarkmapMapView *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), 0);
  return self->plane;
}

gboolean
darkmap_map_view_set_mask (DarkmapMapView *self, const DmMap *mask, DmError **error)
{
  DmMap *copy = NULL;

  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), FALSE);
  if (mask != NULL)
    {
      if (self->map == NULL || mask->nx != self->map->nx || mask->ny != self->map->ny)
        {
          dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The mask (%d × %d) does not match the map shown", mask->nx,
                        mask->ny);
          return FALSE;
        }
      if ((copy = dm_map_copy_plane (mask, 0, error)) == NULL)
        return FALSE;
    }
  g_clear_pointer (&self->mask, dm_map_free);
  g_clear_pointer (&self->shade, cairo_surface_destroy);
  self->mask = copy;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

void
darkmap_map_view_set_colormap (DarkmapMapView *self, DarkmapColormap cmap)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_return_if_fail ((unsigned) cmap < DARKMAP_COLORMAP_COUNT);
  self->cmap = cmap;
  invalidate_image (self);
}

DarkmapColormap
darkmap_map_view_get_colormap (DarkmapMapView *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), DARKMAP_COLORMAP_VIRIDIS);
  return self->cmap;
}

void
darkmap_map_view_set_stretch (DarkmapMapView *self, const DarkmapStretch *stretch)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_return_if_fail (stretch != NULL);
  self->stretch = *stretch;
  invalidate_image (self);
}

void
darkmap_map_view_get_stretch (DarkmapMapView *self, DarkmapStretch *stretch)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_return_if_fail (stretch != NULL);
  *stretch = self->stretch;
}

void
darkmap_map_view_set_limits (DarkmapMapView *self, double lo, double hi)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_return_if_fail (lo < hi);
  self->auto_limits = FALSE;
  self->lo = lo;
  self->hi = hi;
  self->have_limits = TRUE;
  invalidate_image (self);
}

void
darkmap_map_view_set_auto_limits (DarkmapMapView *self, gboolean symmetric)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  self->auto_limits = TRUE;
  self->symmetric = symmetric;
  update_limits (self);
  invalidate_image (self);
}

gboolean
darkmap_map_view_get_limits (DarkmapMapView *self, double *lo, double *hi)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), FALSE);
  if (self->map == NULL || !self->have_limits)
    return FALSE;
  *lo = self->lo;
  *hi = self->hi;
  return TRUE;
}

void
darkmap_map_view_set_show_grid (DarkmapMapView *self, gboolean show)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  self->show_grid = show;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Points the popover at cluster's marker; FALSE when the marker is not in
 * the map area (or the view has no size yet). */
static gboolean
point_popover (DarkmapMapView *self, DarkmapCluster *cluster)
{
  Layout l;
  double x, y, vx, vy, radius;

  if (!darkmap_cluster_get_pixel (cluster, &x, &y)
      || !get_layout (self, gtk_widget_get_width (GTK_WIDGET (self)),
                      gtk_widget_get_height (GTK_WIDGET (self)), &l))
    return FALSE;
  to_view (self, &l, x, y, &vx, &vy);
  if (vx < l.ax || vx > l.ax + l.aw || vy < l.ay || vy > l.ay + l.ah)
    return FALSE;
  radius = self->clusters != NULL ? darkmap_cluster_overlay_radius (self->clusters, cluster)
                                  : DARKMAP_MARKER_RADIUS_PLAIN;
  gtk_popover_set_pointing_to (GTK_POPOVER (self->popover),
                               &(GdkRectangle) { (int) floor (vx - radius),
                                                 (int) floor (vy - radius),
                                                 (int) ceil (2.0 * radius),
                                                 (int) ceil (2.0 * radius) });
  return TRUE;
}

/* After a zoom or pan the open popover follows its marker, and closes when
 * the marker leaves the view. */
static void
follow_popover (DarkmapMapView *self)
{
  DarkmapCluster *cluster =
    darkmap_cluster_popover_get_cluster (DARKMAP_CLUSTER_POPOVER (self->popover));

  if (gtk_widget_get_visible (self->popover) && cluster != NULL
      && !point_popover (self, cluster))
    gtk_popover_popdown (GTK_POPOVER (self->popover));
}

/* After the zoom or the centre changed. */
static void
view_changed (DarkmapMapView *self)
{
  follow_popover (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SIGNAL_VIEW_CHANGED], 0);
}

void
darkmap_map_view_set_zoom (DarkmapMapView *self, double zoom)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  zoom = CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  if (zoom == self->zoom)
    return;
  self->zoom = zoom;
  view_changed (self);
}

double
darkmap_map_view_get_zoom (DarkmapMapView *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), 1.0);
  return self->zoom;
}

void
darkmap_map_view_set_center (DarkmapMapView *self, double x, double y)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  if (x == self->cx && y == self->cy)
    return;
  self->cx = x;
  self->cy = y;
  view_changed (self);
}

void
darkmap_map_view_get_center (DarkmapMapView *self, double *x, double *y)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  *x = self->cx;
  *y = self->cy;
}

void
darkmap_map_view_reset_view (DarkmapMapView *self)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  self->zoom = 1.0;
  self->cx = self->map != NULL ? (self->map->nx - 1) / 2.0 : 0.0;
  self->cy = self->map != NULL ? (self->map->ny - 1) / 2.0 : 0.0;
  view_changed (self);
}

void
darkmap_map_view_set_crosshair (DarkmapMapView *self, double x, double y)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  if (!isfinite (x) || !isfinite (y))
    x = y = NAN;
  self->cross_x = x;
  self->cross_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
darkmap_map_view_get_crosshair (DarkmapMapView *self, double *x, double *y)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), FALSE);
  *x = self->cross_x;
  *y = self->cross_y;
  return isfinite (self->cross_x);
}

/* Clusters */

void
darkmap_map_view_set_clusters (DarkmapMapView *self, GListModel *clusters)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_return_if_fail (clusters == NULL || G_IS_LIST_MODEL (clusters));

  darkmap_map_view_set_selected_cluster (self, NULL);
  g_set_object (&self->clusters, clusters);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

GListModel *
darkmap_map_view_get_clusters (DarkmapMapView *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), NULL);
  return self->clusters;
}

void
darkmap_map_view_set_show_clusters (DarkmapMapView *self, gboolean show)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  show = !!show;
  if (show == self->show_clusters)
    return;
  self->show_clusters = show;
  if (!show)
    gtk_popover_popdown (GTK_POPOVER (self->popover));
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_CLUSTERS]);
}

gboolean
darkmap_map_view_get_show_clusters (DarkmapMapView *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), FALSE);
  return self->show_clusters;
}

void
darkmap_map_view_set_selected_cluster (DarkmapMapView *self, DarkmapCluster *cluster)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_return_if_fail (cluster == NULL || DARKMAP_IS_CLUSTER (cluster));

  if (!g_set_object (&self->selected, cluster))
    return;
  if (darkmap_cluster_popover_get_cluster (DARKMAP_CLUSTER_POPOVER (self->popover)) != cluster)
    gtk_popover_popdown (GTK_POPOVER (self->popover));
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_CLUSTER]);
}

DarkmapCluster *
darkmap_map_view_get_selected_cluster (DarkmapMapView *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), NULL);
  return self->selected;
}

DarkmapCluster *
darkmap_map_view_cluster_at (DarkmapMapView *self, int width, int height, double vx, double vy)
{
  Layout l;
  cairo_matrix_t m;

  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), NULL);
  if (!self->show_clusters || self->clusters == NULL || !get_layout (self, width, height, &l)
      || vx < l.ax || vx > l.ax + l.aw || vy < l.ay || vy > l.ay + l.ah)
    return NULL;
  to_view_matrix (self, &l, &m);
  return darkmap_cluster_overlay_hit (&m, self->clusters, vx, vy);
}

void
darkmap_map_view_popup_cluster (DarkmapMapView *self, DarkmapCluster *cluster)
{
  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_return_if_fail (DARKMAP_IS_CLUSTER (cluster));

  darkmap_map_view_set_selected_cluster (self, cluster);
  if (!point_popover (self, cluster))
    return;
  darkmap_cluster_popover_set_cluster (DARKMAP_CLUSTER_POPOVER (self->popover), cluster);
  gtk_popover_popup (GTK_POPOVER (self->popover));
}

GtkWidget *
darkmap_map_view_get_cluster_popover (DarkmapMapView *self)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), NULL);
  return self->popover;
}

void
darkmap_map_view_render_cutout (DarkmapMapView *self, cairo_t *cr, int width, int height,
                                double x, double y, int half_pixels)
{
  double scale;

  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_return_if_fail (half_pixels >= 0);

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_set_source_rgb (cr, DARKMAP_MAP_VIEW_BACKDROP_GREY, DARKMAP_MAP_VIEW_BACKDROP_GREY,
                        DARKMAP_MAP_VIEW_BACKDROP_GREY);
  cairo_fill (cr);
  if (!ensure_image (self))
    {
      cairo_restore (cr);
      return;
    }
  /* Map pixels [x − h − ½, x + h + ½] fill the smaller side, rows going up;
   * pixel centres are at integer coordinates, as in paint_map_surface. */
  scale = MIN (width, height) / (2.0 * half_pixels + 1.0);
  cairo_save (cr);
  cairo_translate (cr, width / 2.0, height / 2.0);
  cairo_scale (cr, scale, -scale);
  cairo_translate (cr, -(floor (x + 0.5) + 0.5), -(floor (y + 0.5) + 0.5));
  cairo_set_source_surface (cr, self->image, 0.0, 0.0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0.0, 0.0, self->map->nx, self->map->ny);
  cairo_fill (cr);
  if (ensure_shade (self))
    {
      cairo_set_source_surface (cr, self->shade, 0.0, 0.0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_rectangle (cr, 0.0, 0.0, self->map->nx, self->map->ny);
      cairo_fill (cr);
    }
  cairo_restore (cr);

  /* A cross hair at the cluster, open in the middle. */
  cairo_set_line_width (cr, 1.5);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  for (int k = 0; k < 4; k++)
    {
      double dx = k == 0 ? 1.0 : k == 1 ? -1.0 : 0.0, dy = k == 2 ? 1.0 : k == 3 ? -1.0 : 0.0;
      double cx = width / 2.0 + (x - floor (x + 0.5)) * scale;
      double cy = height / 2.0 - (y - floor (y + 0.5)) * scale;

      cairo_move_to (cr, cx + 6.0 * dx, cy + 6.0 * dy);
      cairo_line_to (cr, cx + 16.0 * dx, cy + 16.0 * dy);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* Input */

/* Whether map position (x, y) falls in one of the map's pixels. */
static gboolean
on_map (DarkmapMapView *self, double x, double y)
{
  double ix = floor (x + 0.5), iy = floor (y + 0.5);

  return self->map != NULL && ix >= 0.0 && ix < self->map->nx && iy >= 0.0
         && iy < self->map->ny;
}

double
darkmap_map_view_value_at (DarkmapMapView *self, double x, double y)
{
  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (self), NAN);
  if (!on_map (self, x, y))
    return NAN;
  if (self->detail != NULL)
    {
      double di = floor ((x - self->detail_x0) * self->detail_scale);
      double dj = floor ((y - self->detail_y0) * self->detail_scale);

      if (di >= 0.0 && di < self->detail->nx && dj >= 0.0 && dj < self->detail->ny)
        return self->detail->data[(size_t) dj * (size_t) self->detail->nx + (size_t) di];
    }
  return dm_map_plane (self->map, self->plane)[(size_t) floor (y + 0.5) * (size_t) self->map->nx
                                               + (size_t) floor (x + 0.5)];
}

static void
report_cursor (DarkmapMapView *self)
{
  double x, y, ra = NAN, dec = NAN;

  if (!darkmap_map_view_view_to_pixel (self, gtk_widget_get_width (GTK_WIDGET (self)),
                                       gtk_widget_get_height (GTK_WIDGET (self)),
                                       self->pointer_x, self->pointer_y, &x, &y)
      || !on_map (self, x, y))
    {
      g_signal_emit (self, signals[SIGNAL_CURSOR_MOVED], 0, NAN, NAN, NAN, NAN, NAN);
      return;
    }
  if (self->map->wcs != NULL)
    dm_wcs_pixel_to_world (self->map->wcs, 1, &x, &y, &ra, &dec, NULL);
  g_signal_emit (self, signals[SIGNAL_CURSOR_MOVED], 0, ra, dec, x, y,
                 darkmap_map_view_value_at (self, x, y));
}

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, DarkmapMapView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  self->pointer_x = x;
  self->pointer_y = y;
  report_cursor (self);
  /* A hand over a cluster marker: it can be clicked. */
  gtk_widget_set_cursor_from_name (widget,
                                   darkmap_map_view_cluster_at (self, gtk_widget_get_width (widget),
                                                                gtk_widget_get_height (widget), x,
                                                                y) != NULL
                                     ? "pointer"
                                     : NULL);
}

static void
on_leave (GtkEventControllerMotion *controller, DarkmapMapView *self)
{
  g_signal_emit (self, signals[SIGNAL_CURSOR_MOVED], 0, NAN, NAN, NAN, NAN, NAN);
}

void
darkmap_map_view_zoom_at (DarkmapMapView *self, int width, int height, double factor, double vx,
                          double vy)
{
  double x0, y0, x1, y1;

  g_return_if_fail (DARKMAP_IS_MAP_VIEW (self));
  g_return_if_fail (factor > 0.0);
  if (!darkmap_map_view_view_to_pixel (self, width, height, vx, vy, &x0, &y0))
    return;
  darkmap_map_view_set_zoom (self, self->zoom * factor);
  darkmap_map_view_view_to_pixel (self, width, height, vx, vy, &x1, &y1);
  darkmap_map_view_set_center (self, self->cx + x0 - x1, self->cy + y0 - y1);
}

static gboolean
on_scroll (GtkEventControllerScroll *controller, double dx, double dy, DarkmapMapView *self)
{
  darkmap_map_view_zoom_at (self, gtk_widget_get_width (GTK_WIDGET (self)),
                            gtk_widget_get_height (GTK_WIDGET (self)), pow (ZOOM_SCROLL_STEP, -dy),
                            self->pointer_x, self->pointer_y);
  report_cursor (self);
  return TRUE;
}

static void
on_pinch_begin (GtkGesture *gesture, GdkEventSequence *sequence, DarkmapMapView *self)
{
  self->pinch_zoom = self->zoom;
}

/* The pinch zooms about the middle of the fingers. */
static void
on_pinch_scale_changed (GtkGestureZoom *gesture, double scale, DarkmapMapView *self)
{
  double vx, vy;

  if (!gtk_gesture_get_bounding_box_center (GTK_GESTURE (gesture), &vx, &vy))
    return;
  darkmap_map_view_zoom_at (self, gtk_widget_get_width (GTK_WIDGET (self)),
                            gtk_widget_get_height (GTK_WIDGET (self)),
                            self->pinch_zoom * scale / self->zoom, vx, vy);
}

static void
on_drag_begin (GtkGestureDrag *gesture, double x, double y, DarkmapMapView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->drag_cx = self->cx;
  self->drag_cy = self->cy;
}

static void
on_drag_update (GtkGestureDrag *gesture, double dx, double dy, DarkmapMapView *self)
{
  Layout l;

  if (!get_layout (self, gtk_widget_get_width (GTK_WIDGET (self)),
                   gtk_widget_get_height (GTK_WIDGET (self)), &l))
    return;
  darkmap_map_view_set_center (self, self->drag_cx - dx / l.scale,
                               self->drag_cy + dy / l.scale);
}

static void
on_click_released (GtkGestureClick *gesture, int n_press, double x, double y,
                   DarkmapMapView *self)
{
  DarkmapCluster *hit;

  if (n_press != 1 || !self->show_clusters)
    return;
  hit = darkmap_map_view_cluster_at (self, gtk_widget_get_width (GTK_WIDGET (self)),
                                     gtk_widget_get_height (GTK_WIDGET (self)), x, y);
  if (hit != NULL)
    darkmap_map_view_popup_cluster (self, hit);
  else
    darkmap_map_view_set_selected_cluster (self, NULL);
}

static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                GdkModifierType state, DarkmapMapView *self)
{
  Layout l;
  double step_x, step_y;

  if (!get_layout (self, gtk_widget_get_width (GTK_WIDGET (self)),
                   gtk_widget_get_height (GTK_WIDGET (self)), &l))
    return FALSE;
  step_x = PAN_KEY_FRACTION * l.aw / l.scale;
  step_y = PAN_KEY_FRACTION * l.ah / l.scale;
  switch (keyval)
    {
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      darkmap_map_view_set_zoom (self, self->zoom * ZOOM_KEY_STEP);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      darkmap_map_view_set_zoom (self, self->zoom / ZOOM_KEY_STEP);
      return TRUE;
    case GDK_KEY_0:
    case GDK_KEY_KP_0:
      darkmap_map_view_reset_view (self);
      return TRUE;
    case GDK_KEY_Left:
      darkmap_map_view_set_center (self, self->cx - step_x, self->cy);
      return TRUE;
    case GDK_KEY_Right:
      darkmap_map_view_set_center (self, self->cx + step_x, self->cy);
      return TRUE;
    case GDK_KEY_Up:
      darkmap_map_view_set_center (self, self->cx, self->cy + step_y);
      return TRUE;
    case GDK_KEY_Down:
      darkmap_map_view_set_center (self, self->cx, self->cy - step_y);
      return TRUE;
    default:
      return FALSE;
    }
}

/* GtkWidget */

static void
darkmap_map_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot,
                                           &GRAPHENE_RECT_INIT (0, 0, width, height));

  darkmap_map_view_render (DARKMAP_MAP_VIEW (widget), cr, width, height);
  cairo_destroy (cr);
}

static void
darkmap_map_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                          int *minimum, int *natural, int *minimum_baseline,
                          int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 640;
    }
  else
    {
      *minimum = 160;
      *natural = 520;
    }
}

static void
darkmap_map_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  gtk_popover_present (GTK_POPOVER (DARKMAP_MAP_VIEW (widget)->popover));
}

static void
darkmap_map_view_get_property (GObject *object, guint prop_id, GValue *value,
                               GParamSpec *pspec)
{
  DarkmapMapView *self = DARKMAP_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_SHOW_CLUSTERS:
      g_value_set_boolean (value, self->show_clusters);
      break;
    case PROP_SELECTED_CLUSTER:
      g_value_set_object (value, self->selected);
      break;
    case PROP_SHOW_CONTOURS:
      g_value_set_boolean (value, self->show_contours);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_map_view_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  DarkmapMapView *self = DARKMAP_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_SHOW_CLUSTERS:
      darkmap_map_view_set_show_clusters (self, g_value_get_boolean (value));
      break;
    case PROP_SELECTED_CLUSTER:
      darkmap_map_view_set_selected_cluster (self, g_value_get_object (value));
      break;
    case PROP_SHOW_CONTOURS:
      darkmap_map_view_set_show_contours (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
darkmap_map_view_dispose (GObject *object)
{
  DarkmapMapView *self = DARKMAP_MAP_VIEW (object);

  g_clear_pointer (&self->popover, gtk_widget_unparent);
  g_clear_object (&self->selected);
  g_clear_object (&self->clusters);
  G_OBJECT_CLASS (darkmap_map_view_parent_class)->dispose (object);
}

static void
darkmap_map_view_finalize (GObject *object)
{
  DarkmapMapView *self = DARKMAP_MAP_VIEW (object);

  g_clear_pointer (&self->map, dm_map_free);
  g_clear_pointer (&self->mask, dm_map_free);
  g_clear_pointer (&self->image, cairo_surface_destroy);
  g_clear_pointer (&self->detail, dm_map_free);
  g_clear_pointer (&self->detail_image, cairo_surface_destroy);
  g_clear_pointer (&self->shade, cairo_surface_destroy);
  darkmap_cluster_overlay_free (self->overlay);
  darkmap_whiskers_free (self->whiskers);
  darkmap_contours_free (self->contours);
  G_OBJECT_CLASS (darkmap_map_view_parent_class)->finalize (object);
}

static void
darkmap_map_view_class_init (DarkmapMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = darkmap_map_view_get_property;
  object_class->set_property = darkmap_map_view_set_property;
  object_class->dispose = darkmap_map_view_dispose;
  object_class->finalize = darkmap_map_view_finalize;
  widget_class->snapshot = darkmap_map_view_snapshot;
  widget_class->measure = darkmap_map_view_measure;
  widget_class->size_allocate = darkmap_map_view_size_allocate;

  properties[PROP_SHOW_CLUSTERS] =
    g_param_spec_boolean ("show-clusters", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_CLUSTER] =
    g_param_spec_object ("selected-cluster", NULL, NULL, DARKMAP_TYPE_CLUSTER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_CONTOURS] =
    g_param_spec_boolean ("show-contours", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CURSOR_MOVED] =
    g_signal_new ("cursor-moved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 5, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE,
                  G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[SIGNAL_VIEW_CHANGED] =
    g_signal_new ("view-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "darkmap-map-view");
}

static void
darkmap_map_view_init (DarkmapMapView *self)
{
  GtkEventController *controller;
  GtkGesture *drag, *click, *pinch;

  self->cmap = DARKMAP_COLORMAP_VIRIDIS;
  self->stretch.kind = DARKMAP_STRETCH_LINEAR;
  self->stretch.softening = 1.0;
  self->auto_limits = TRUE;
  self->show_grid = TRUE;
  self->zoom = 1.0;
  self->cross_x = self->cross_y = NAN;
  self->show_clusters = TRUE;
  self->overlay = darkmap_cluster_overlay_new ();

  self->popover = darkmap_cluster_popover_new ();
  gtk_widget_set_parent (self->popover, GTK_WIDGET (self));

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  pinch = gtk_gesture_zoom_new ();
  g_signal_connect (pinch, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (pinch, "scale-changed", G_CALLBACK (on_pinch_scale_changed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (pinch));

  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

GtkWidget *
darkmap_map_view_new (void)
{
  return g_object_new (DARKMAP_TYPE_MAP_VIEW, NULL);
}
