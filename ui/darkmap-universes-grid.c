/* DarkmapUniversesGrid: maps as thumbnails on one colour scale. */
#include "darkmap-universes-grid.h"

#include <math.h>

#define BAR_MARGIN 12.0
#define BAR_THICKNESS 14.0
#define BAR_TITLE 18.0
#define MIN_CELL 8.0

struct _DarkmapUniversesGrid
{
  GtkWidget parent_instance;

  DmMap *maps;                  /* owned copy, or NULL */
  double lo, hi;                /* the colour scale */
  DarkmapColormap cmap;
  GPtrArray *thumbnails;        /* of cairo_surface_t (ARGB32, nx × ny), one per map */

  int hovered;                  /* the map under the pointer, or −1 */
};

G_DEFINE_FINAL_TYPE (DarkmapUniversesGrid, darkmap_universes_grid, GTK_TYPE_WIDGET)

enum { SIGNAL_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const DarkmapStretch LINEAR = { DARKMAP_STRETCH_LINEAR, 1.0 };

/* The thumbnails again, in the colour map and scale. */
static void
render_thumbnails (DarkmapUniversesGrid *self)
{
  g_ptr_array_set_size (self->thumbnails, 0);
  for (int k = 0; self->maps != NULL && k < self->maps->nplanes; k++)
    {
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, self->maps->nx,
                                                             self->maps->ny);

      cairo_surface_flush (surface);
      darkmap_colormap_render (self->cmap, &LINEAR, self->lo, self->hi,
                               dm_map_plane (self->maps, k), self->maps->nx, self->maps->ny,
                               cairo_image_surface_get_data (surface),
                               cairo_image_surface_get_stride (surface));
      cairo_surface_mark_dirty (surface);
      g_ptr_array_add (self->thumbnails, surface);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ±3 standard deviations of every finite pixel; 1 when none varies. */
static double
three_sigma (const DmMap *maps)
{
  size_t n = dm_map_plane_size (maps) * (size_t) maps->nplanes, n_finite = 0;
  double sum = 0.0, sum2 = 0.0, mean, spread;

  for (size_t i = 0; i < n; i++)
    if (isfinite (maps->data[i]))
      {
        sum += maps->data[i];
        sum2 += (double) maps->data[i] * maps->data[i];
        n_finite++;
      }
  if (n_finite == 0)
    return 1.0;
  mean = sum / (double) n_finite;
  spread = 3.0 * sqrt (MAX (sum2 / (double) n_finite - mean * mean, 0.0));
  return spread > 0.0 ? spread : 1.0;
}

gboolean
darkmap_universes_grid_set_maps (DarkmapUniversesGrid *self, const DmMap *maps, DmError **error)
{
  DmMap *copy = NULL;

  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_GRID (self), FALSE);
  if (maps != NULL && (copy = dm_map_copy (maps, error)) == NULL)
    return FALSE;
  dm_map_free (self->maps);
  self->maps = copy;
  self->hovered = -1;
  if (copy != NULL)
    {
      self->hi = three_sigma (copy);
      self->lo = -self->hi;
    }
  render_thumbnails (self);
  return TRUE;
}

const DmMap *
darkmap_universes_grid_get_maps (DarkmapUniversesGrid *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_GRID (self), NULL);
  return self->maps;
}

gboolean
darkmap_universes_grid_get_limits (DarkmapUniversesGrid *self, double *lo, double *hi)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_GRID (self), FALSE);
  if (self->maps == NULL)
    return FALSE;
  *lo = self->lo;
  *hi = self->hi;
  return TRUE;
}

void
darkmap_universes_grid_set_colormap (DarkmapUniversesGrid *self, DarkmapColormap cmap)
{
  g_return_if_fail (DARKMAP_IS_UNIVERSES_GRID (self));
  if (cmap == self->cmap)
    return;
  self->cmap = cmap;
  render_thumbnails (self);
}

DarkmapColormap
darkmap_universes_grid_get_colormap (DarkmapUniversesGrid *self)
{
  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_GRID (self), DARKMAP_COLORMAP_GREY);
  return self->cmap;
}

/* Layout */

typedef struct
{
  int columns, rows;
  double side;     /* a cell's */
  double x0, y0;   /* the top-left cell's corner */
} Layout;

static gboolean
get_layout (DarkmapUniversesGrid *self, int width, int height, Layout *l)
{
  int n = self->maps != NULL ? self->maps->nplanes : 0;
  double free_width = width - DARKMAP_UNIVERSES_BAR_WIDTH;

  if (n == 0)
    return FALSE;
  l->columns = (int) ceil (sqrt ((double) n));
  l->rows = (n + l->columns - 1) / l->columns;
  l->side = floor (fmin ((free_width - (l->columns + 1) * DARKMAP_UNIVERSES_GAP) / l->columns,
                         (height - (l->rows + 1) * DARKMAP_UNIVERSES_GAP) / l->rows));
  if (l->side < MIN_CELL)
    return FALSE;
  l->x0 = round ((free_width - l->columns * l->side - (l->columns - 1) * DARKMAP_UNIVERSES_GAP)
                 / 2.0);
  l->y0 = round ((height - l->rows * l->side - (l->rows - 1) * DARKMAP_UNIVERSES_GAP) / 2.0);
  return TRUE;
}

gboolean
darkmap_universes_grid_cell (DarkmapUniversesGrid *self, int width, int height, int k, double *x,
                             double *y, double *side)
{
  Layout l;

  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_GRID (self), FALSE);
  if (!get_layout (self, width, height, &l) || k < 0 || k >= self->maps->nplanes)
    return FALSE;
  *x = l.x0 + (k % l.columns) * (l.side + DARKMAP_UNIVERSES_GAP);
  *y = l.y0 + (k / l.columns) * (l.side + DARKMAP_UNIVERSES_GAP);
  *side = l.side;
  return TRUE;
}

int
darkmap_universes_grid_index_at (DarkmapUniversesGrid *self, int width, int height, double vx,
                                 double vy)
{
  double x, y, side;

  g_return_val_if_fail (DARKMAP_IS_UNIVERSES_GRID (self), -1);
  for (int k = 0; self->maps != NULL && k < self->maps->nplanes; k++)
    if (darkmap_universes_grid_cell (self, width, height, k, &x, &y, &side) && vx >= x
        && vx < x + side && vy >= y && vy < y + side)
      return k;
  return -1;
}

/* Drawing */

static void
draw_thumbnail (DarkmapUniversesGrid *self, cairo_t *cr, int k, double x, double y, double side)
{
  cairo_surface_t *surface = g_ptr_array_index (self->thumbnails, k);

  cairo_save (cr);
  cairo_rectangle (cr, x, y, side, side);
  cairo_clip (cr);
  /* FITS rows go up: data row 0 at the bottom. */
  cairo_translate (cr, x, y + side);
  cairo_scale (cr, side / self->maps->nx, -side / self->maps->ny);
  cairo_set_source_surface (cr, surface, 0.0, 0.0);
  cairo_pattern_set_filter (cairo_get_source (cr), side >= self->maps->nx ? CAIRO_FILTER_NEAREST
                                                                          : CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_restore (cr);
}

void
darkmap_universes_grid_render (DarkmapUniversesGrid *self, cairo_t *cr, int width, int height)
{
  double x, y, side;
  Layout l;

  g_return_if_fail (DARKMAP_IS_UNIVERSES_GRID (self));

  cairo_save (cr);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_paint (cr);
  if (!get_layout (self, width, height, &l))
    {
      cairo_restore (cr);
      return;
    }
  for (int k = 0; k < self->maps->nplanes; k++)
    {
      darkmap_universes_grid_cell (self, width, height, k, &x, &y, &side);
      draw_thumbnail (self, cr, k, x, y, side);
    }
  if (self->hovered >= 0
      && darkmap_universes_grid_cell (self, width, height, self->hovered, &x, &y, &side))
    {
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      cairo_set_line_width (cr, 2.0);
      cairo_rectangle (cr, x - 1.0, y - 1.0, side + 2.0, side + 2.0);
      cairo_stroke (cr);
    }
  /* The colour bar beside the last column, under its title, down to the
   * last row. */
  cairo_set_source_rgb (cr, 0.13, 0.13, 0.13);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 12.0);
  cairo_move_to (cr, width - DARKMAP_UNIVERSES_BAR_WIDTH + BAR_MARGIN, l.y0 + 12.0);
  cairo_show_text (cr, "κ");
  cairo_set_font_size (cr, 11.0);
  darkmap_colormap_draw_bar (cr, self->cmap, &LINEAR, self->lo, self->hi,
                             width - DARKMAP_UNIVERSES_BAR_WIDTH + BAR_MARGIN, l.y0 + BAR_TITLE,
                             BAR_THICKNESS,
                             l.rows * l.side + (l.rows - 1) * DARKMAP_UNIVERSES_GAP - BAR_TITLE);
  cairo_restore (cr);
}

/* GtkWidget */

static void
set_hovered (DarkmapUniversesGrid *self, int k)
{
  if (k == self->hovered)
    return;
  self->hovered = k;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), k >= 0 ? "pointer" : NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, DarkmapUniversesGrid *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  set_hovered (self, darkmap_universes_grid_index_at (self, gtk_widget_get_width (widget),
                                                      gtk_widget_get_height (widget), x, y));
}

static void
on_leave (GtkEventControllerMotion *controller, DarkmapUniversesGrid *self)
{
  set_hovered (self, -1);
}

static void
on_released (GtkGestureClick *gesture, int n_press, double x, double y,
             DarkmapUniversesGrid *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int k = darkmap_universes_grid_index_at (self, gtk_widget_get_width (widget),
                                           gtk_widget_get_height (widget), x, y);

  if (k >= 0)
    g_signal_emit (self, signals[SIGNAL_ACTIVATED], 0, k);
}

static void
darkmap_universes_grid_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  darkmap_universes_grid_render (DARKMAP_UNIVERSES_GRID (widget), cr, width, height);
  cairo_destroy (cr);
}

static void
darkmap_universes_grid_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                                int *minimum, int *natural, int *minimum_baseline,
                                int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 160;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 720 : 560;
}

static void
darkmap_universes_grid_finalize (GObject *object)
{
  DarkmapUniversesGrid *self = DARKMAP_UNIVERSES_GRID (object);

  dm_map_free (self->maps);
  g_ptr_array_unref (self->thumbnails);
  G_OBJECT_CLASS (darkmap_universes_grid_parent_class)->finalize (object);
}

static void
darkmap_universes_grid_class_init (DarkmapUniversesGridClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = darkmap_universes_grid_finalize;
  widget_class->snapshot = darkmap_universes_grid_snapshot;
  widget_class->measure = darkmap_universes_grid_measure;
  gtk_widget_class_set_css_name (widget_class, "darkmap-universes-grid");

  /* DarkmapUniversesGrid::activated (int index): a thumbnail was clicked. */
  signals[SIGNAL_ACTIVATED] = g_signal_new ("activated", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                            1, G_TYPE_INT);
}

static void
darkmap_universes_grid_init (DarkmapUniversesGrid *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->cmap = DARKMAP_COLORMAP_GREY;
  self->hovered = -1;
  self->thumbnails = g_ptr_array_new_with_free_func ((GDestroyNotify) cairo_surface_destroy);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect (click, "released", G_CALLBACK (on_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
darkmap_universes_grid_new (void)
{
  return g_object_new (DARKMAP_TYPE_UNIVERSES_GRID, NULL);
}
