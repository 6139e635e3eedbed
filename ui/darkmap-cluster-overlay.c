/* Cluster markers and labels over a map (darkmap-cluster-overlay.h). */
#include "darkmap-cluster-overlay.h"

#include <math.h>

#include <glib/gi18n.h>

#define DOT_RADIUS 2.0
#define HIT_SLACK 3.0
#define LABEL_FONT_SIZE 10.0

typedef struct
{
  gboolean have_masses;
  double log_lo, log_hi; /* of the list's known masses */
} MassScale;

static MassScale
mass_scale (GListModel *clusters)
{
  MassScale scale = { FALSE, 0.0, 0.0 };
  double lo, hi;

  if (darkmap_cluster_list_mass_range (clusters, &lo, &hi))
    {
      scale.have_masses = TRUE;
      scale.log_lo = log (lo);
      scale.log_hi = log (hi);
    }
  return scale;
}

static double
radius_for (const MassScale *scale, double mass)
{
  double t;

  if (!scale->have_masses || !isfinite (mass))
    return DARKMAP_MARKER_RADIUS_PLAIN;
  t = scale->log_hi > scale->log_lo
        ? (log (mass) - scale->log_lo) / (scale->log_hi - scale->log_lo)
        : 0.5;
  return DARKMAP_MARKER_RADIUS_MIN + t * (DARKMAP_MARKER_RADIUS_MAX - DARKMAP_MARKER_RADIUS_MIN);
}

double
darkmap_cluster_overlay_radius (GListModel *clusters, DarkmapCluster *cluster)
{
  MassScale scale = mass_scale (clusters);

  return radius_for (&scale, darkmap_cluster_get_mass (cluster));
}

/* The clip's bounding box, grown by margin: clusters outside it are not
 * drawn at all. */
typedef struct
{
  double x1, y1, x2, y2;
} Extents;

static Extents
clip_extents (cairo_t *cr, double margin)
{
  Extents e;

  cairo_clip_extents (cr, &e.x1, &e.y1, &e.x2, &e.y2);
  e.x1 -= margin;
  e.y1 -= margin;
  e.x2 += margin;
  e.y2 += margin;
  return e;
}

static gboolean
in_extents (const Extents *e, double vx, double vy)
{
  return vx >= e->x1 && vx <= e->x2 && vy >= e->y1 && vy <= e->y2;
}

/* The drawing position of a cluster on the map; FALSE when it is not. */
static gboolean
view_position (const cairo_matrix_t *to_view, DarkmapCluster *cluster, double *vx, double *vy)
{
  if (!darkmap_cluster_get_pixel (cluster, vx, vy))
    return FALSE;
  cairo_matrix_transform_point (to_view, vx, vy);
  return TRUE;
}

/* The peak-fraction scale: RGB at fractions 0, 0.5 and 1, linear between. */
static const double peak_stops[3][3] = {
  { 0.42, 0.50, 0.66 }, /* slate grey-blue */
  { 0.30, 0.72, 0.55 }, /* sea green */
  { 1.00, 0.90, 0.15 }, /* yellow */
};

void
darkmap_cluster_overlay_peak_colour (double f, double rgb[3])
{
  double t = CLAMP (f, 0.0, 1.0) * 2.0;
  int i = MIN ((int) t, 1);

  for (int c = 0; c < 3; c++)
    rgb[c] = peak_stops[i][c] + (t - i) * (peak_stops[i + 1][c] - peak_stops[i][c]);
}

/* Ring colours come in PEAK_LEVELS steps of peak fraction (images are made
 * per step); PLAIN_RING is the white ring of a cluster without one. */
#define PEAK_LEVELS 64
#define PLAIN_RING PEAK_LEVELS

/* The ring colour step of cluster. */
static int
ring_level (DarkmapCluster *cluster)
{
  double f = darkmap_cluster_get_peak_fraction (cluster);

  return isfinite (f) ? (int) lround (CLAMP (f, 0.0, 1.0) * (PEAK_LEVELS - 1)) : PLAIN_RING;
}

/* Marker images are drawn at this many device pixels per view pixel, so
 * that they stay sharp on screens of scale 2 and in PNG exports up to
 * 192 dpi; their ring radii are rounded to 1 / SPRITE_STEPS pixel. */
#define SPRITE_SCALE 2.0
#define SPRITE_STEPS 4.0

struct _DarkmapClusterOverlay
{
  /* GINT_TO_POINTER ((rounded radius × SPRITE_STEPS × (PLAIN_RING + 1)
   * + ring level) × 2 + selected) → the marker's image (cairo_surface_t, owned), SPRITE_SCALE × side pixels a
   * side, its centre in the middle. */
  GHashTable *sprites;
};

DarkmapClusterOverlay *
darkmap_cluster_overlay_new (void)
{
  DarkmapClusterOverlay *self = g_new0 (DarkmapClusterOverlay, 1);

  self->sprites = g_hash_table_new_full (NULL, NULL, NULL,
                                         (GDestroyNotify) cairo_surface_destroy);
  return self;
}

void
darkmap_cluster_overlay_free (DarkmapClusterOverlay *self)
{
  if (self == NULL)
    return;
  g_hash_table_destroy (self->sprites);
  g_free (self);
}

/* One marker as paths: a ring (orange when selected, otherwise white or
 * the colour of ring level) with a dark edge, and a dot of the ring's
 * colour with a dark edge at (vx, vy). */
static void
draw_marker (cairo_t *cr, double vx, double vy, double radius, gboolean selected, int level)
{
  double rgb[3] = { 1.0, 1.0, 1.0 };

  if (level != PLAIN_RING)
    darkmap_cluster_overlay_peak_colour (level / (PEAK_LEVELS - 1.0), rgb);
  cairo_new_path (cr);
  cairo_arc (cr, vx, vy, radius, 0.0, 2.0 * G_PI);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.75);
  cairo_set_line_width (cr, selected ? 5.0 : 3.5);
  cairo_stroke_preserve (cr);
  if (selected)
    cairo_set_source_rgb (cr, 1.0, 0.62, 0.0);
  else
    cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
  cairo_set_line_width (cr, selected ? 3.0 : 1.5);
  cairo_stroke (cr);

  cairo_arc (cr, vx, vy, DOT_RADIUS, 0.0, 2.0 * G_PI);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.75);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
}

/* The side (view pixels, odd) of the square holding a marker of radius. */
static int
sprite_side (double radius)
{
  return 2 * (int) ceil (radius + 4.0) + 1;
}

/* The image of a marker, made on first use; NULL when cairo cannot make it. */
static cairo_surface_t *
sprite_for (DarkmapClusterOverlay *self, double radius, gboolean selected, int level)
{
  int steps = (int) lround (radius * SPRITE_STEPS);
  gpointer key = GINT_TO_POINTER ((steps * (PLAIN_RING + 1) + level) * 2 + (selected ? 1 : 0));
  cairo_surface_t *sprite = g_hash_table_lookup (self->sprites, key);
  int side = sprite_side (radius);
  cairo_t *cr;

  if (sprite != NULL)
    return sprite;
  sprite = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) (side * SPRITE_SCALE),
                                       (int) (side * SPRITE_SCALE));
  if (cairo_surface_status (sprite) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (sprite);
      return NULL;
    }
  cr = cairo_create (sprite);
  cairo_scale (cr, SPRITE_SCALE, SPRITE_SCALE);
  draw_marker (cr, side / 2.0, side / 2.0, steps / SPRITE_STEPS, selected, level);
  cairo_destroy (cr);
  g_hash_table_insert (self->sprites, key, sprite);
  return sprite;
}

/* PDF, PostScript and SVG get paths; pixels (the screen, PNG) get images,
 * forty times faster than stroking every ring. */
static gboolean
is_vector_target (cairo_t *cr)
{
  switch (cairo_surface_get_type (cairo_get_target (cr)))
    {
    case CAIRO_SURFACE_TYPE_PDF:
    case CAIRO_SURFACE_TYPE_PS:
    case CAIRO_SURFACE_TYPE_SVG:
    case CAIRO_SURFACE_TYPE_SCRIPT:
      return TRUE;
    default:
      return FALSE;
    }
}

/* The markers of the clusters on the map: only that one when only is set,
 * all but skip otherwise. */
static void
draw_markers (DarkmapClusterOverlay *self, cairo_t *cr, const cairo_matrix_t *to_view,
              GListModel *clusters, const MassScale *scale, DarkmapCluster *only,
              DarkmapCluster *skip, gboolean selected)
{
  gboolean vector = is_vector_target (cr);
  guint n = g_list_model_get_n_items (clusters);
  Extents extents = clip_extents (cr, DARKMAP_MARKER_RADIUS_MAX + 4.0);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (clusters, i);
      double vx, vy, radius, half;
      int level;
      cairo_surface_t *sprite;

      if ((only != NULL && cluster != only) || cluster == skip
          || !view_position (to_view, cluster, &vx, &vy) || !in_extents (&extents, vx, vy))
        continue;
      radius = radius_for (scale, darkmap_cluster_get_mass (cluster));
      level = selected ? PLAIN_RING : ring_level (cluster);
      sprite = vector ? NULL : sprite_for (self, radius, selected, level);
      if (sprite == NULL)
        {
          draw_marker (cr, vx, vy, radius, selected, level);
          continue;
        }
      half = sprite_side (radius) / 2.0;
      cairo_save (cr);
      cairo_translate (cr, vx - half, vy - half);
      cairo_scale (cr, 1.0 / SPRITE_SCALE, 1.0 / SPRITE_SCALE);
      cairo_set_source_surface (cr, sprite, 0.0, 0.0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
      cairo_paint (cr);
      cairo_restore (cr);
    }
}

/* "label" or "label  z 0.25" (newly allocated). */
static char *
label_text (DarkmapCluster *cluster)
{
  double z = darkmap_cluster_get_z (cluster);

  if (isfinite (z))
    return g_strdup_printf ("%s  z %.2f", darkmap_cluster_get_label (cluster), z);
  return g_strdup (darkmap_cluster_get_label (cluster));
}

/* At most this many labels are drawn, the heaviest clusters' first. */
#define MAX_LABELS 200

typedef struct
{
  double mass;
  double x, y;             /* where the text starts */
  DarkmapCluster *cluster; /* borrowed from the list */
} Candidate;

typedef struct
{
  double x, y;             /* where the text starts */
  cairo_text_extents_t ext;
  char *text;              /* owned */
} Label;

static void
label_clear (gpointer data)
{
  g_free (((Label *) data)->text);
}

/* Heaviest first; unknown masses last. */
static int
compare_candidates (gconstpointer a, gconstpointer b)
{
  double ma = ((const Candidate *) a)->mass, mb = ((const Candidate *) b)->mass;

  ma = isfinite (ma) ? ma : -INFINITY;
  mb = isfinite (mb) ? mb : -INFINITY;
  return ma > mb ? -1 : ma < mb ? 1 : 0;
}

static gboolean
boxes_overlap (const Label *a, const Label *b)
{
  return a->x + a->ext.x_bearing < b->x + b->ext.x_bearing + b->ext.width
         && b->x + b->ext.x_bearing < a->x + a->ext.x_bearing + a->ext.width
         && a->y + a->ext.y_bearing < b->y + b->ext.y_bearing + b->ext.height
         && b->y + b->ext.y_bearing < a->y + a->ext.y_bearing + a->ext.height;
}

/* Dark labels on light boxes, beside the rings of the clusters in the
 * clip.  A label that would cover a heavier cluster's label is left out
 * (zooming in shows it), and at most MAX_LABELS are drawn.  The boxes are
 * one path, the texts come from cairo's glyph cache (stroked text paths
 * cost ten times more per frame). */
static void
draw_labels (cairo_t *cr, const cairo_matrix_t *to_view, GListModel *clusters,
             const MassScale *scale, DarkmapCluster *only, DarkmapCluster *skip)
{
  guint n = g_list_model_get_n_items (clusters);
  g_autoptr (GArray) candidates = g_array_new (FALSE, FALSE, sizeof (Candidate));
  g_autoptr (GArray) labels = g_array_new (FALSE, FALSE, sizeof (Label));
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  Extents extents = clip_extents (cr, 0.0);

  g_array_set_clear_func (labels, label_clear);
  for (guint i = 0; i < n; i++)
    {
      DarkmapCluster *cluster = g_list_model_get_item (clusters, i);
      Candidate candidate = { .mass = darkmap_cluster_get_mass (cluster), .cluster = cluster };
      double radius;

      g_ptr_array_add (items, cluster);
      if ((only != NULL && cluster != only) || cluster == skip
          || !view_position (to_view, cluster, &candidate.x, &candidate.y)
          || !in_extents (&extents, candidate.x, candidate.y))
        continue;
      radius = radius_for (scale, candidate.mass);
      candidate.x += radius * M_SQRT1_2 + 2.0;
      candidate.y -= radius * M_SQRT1_2 + 2.0;
      g_array_append_val (candidates, candidate);
    }
  g_array_sort (candidates, compare_candidates);

  for (guint i = 0; i < candidates->len && labels->len < MAX_LABELS; i++)
    {
      const Candidate *candidate = &g_array_index (candidates, Candidate, i);
      Label label = { .x = candidate->x, .y = candidate->y };
      gboolean free_place = TRUE;

      label.text = label_text (candidate->cluster);
      cairo_text_extents (cr, label.text, &label.ext);
      for (guint j = 0; j < labels->len && free_place; j++)
        free_place = !boxes_overlap (&label, &g_array_index (labels, Label, j));
      if (free_place)
        g_array_append_val (labels, label);
      else
        g_free (label.text);
    }

  cairo_new_path (cr);
  for (guint i = 0; i < labels->len; i++)
    {
      const Label *label = &g_array_index (labels, Label, i);

      cairo_rectangle (cr, label->x + label->ext.x_bearing - 1.0,
                       label->y + label->ext.y_bearing - 1.0, label->ext.width + 2.0,
                       label->ext.height + 2.0);
    }
  cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, 0.6);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  for (guint i = 0; i < labels->len; i++)
    {
      const Label *label = &g_array_index (labels, Label, i);

      cairo_move_to (cr, label->x, label->y);
      cairo_show_text (cr, label->text);
    }
}

/* The key of the peak-fraction scale in the lower left corner of the clip
 * (the map): a title over a bar of the scale, 0 and 1 at its ends, on a
 * light box like the labels'. */
#define KEY_BAR_WIDTH 80.0
#define KEY_BAR_HEIGHT 8.0
#define KEY_PAD 4.0

static void
draw_key (cairo_t *cr)
{
  const char *title = _("Peak fraction");
  Extents clip = clip_extents (cr, 0.0);
  cairo_text_extents_t title_ext, one_ext;
  cairo_font_extents_t font;
  cairo_pattern_t *gradient;
  double w, h, x, y;

  cairo_text_extents (cr, title, &title_ext);
  cairo_text_extents (cr, "1", &one_ext);
  cairo_font_extents (cr, &font);
  w = fmax (title_ext.x_advance, KEY_BAR_WIDTH) + 2.0 * KEY_PAD;
  h = 2.0 * font.height + KEY_BAR_HEIGHT + 2.0 * KEY_PAD;
  x = clip.x1 + 6.0;
  y = clip.y2 - 6.0 - h;

  cairo_new_path (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, 0.75);
  cairo_fill (cr);

  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  cairo_move_to (cr, x + KEY_PAD, y + KEY_PAD + font.ascent);
  cairo_show_text (cr, title);

  gradient = cairo_pattern_create_linear (x + KEY_PAD, 0.0, x + KEY_PAD + KEY_BAR_WIDTH, 0.0);
  for (int i = 0; i < 3; i++)
    cairo_pattern_add_color_stop_rgb (gradient, i / 2.0, peak_stops[i][0], peak_stops[i][1],
                                      peak_stops[i][2]);
  cairo_rectangle (cr, x + KEY_PAD, y + KEY_PAD + font.height, KEY_BAR_WIDTH, KEY_BAR_HEIGHT);
  cairo_set_source (cr, gradient);
  cairo_fill_preserve (cr);
  cairo_pattern_destroy (gradient);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.75);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);

  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  cairo_move_to (cr, x + KEY_PAD, y + h - KEY_PAD - font.descent);
  cairo_show_text (cr, "0");
  cairo_move_to (cr, x + KEY_PAD + KEY_BAR_WIDTH - one_ext.x_advance,
                 y + h - KEY_PAD - font.descent);
  cairo_show_text (cr, "1");
}

void
darkmap_cluster_overlay_draw (DarkmapClusterOverlay *self, cairo_t *cr,
                              const cairo_matrix_t *to_view, GListModel *clusters,
                              DarkmapCluster *selected)
{
  MassScale scale = mass_scale (clusters);

  cairo_save (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, LABEL_FONT_SIZE);
  /* Markers, then labels over every marker; the selection last. */
  draw_markers (self, cr, to_view, clusters, &scale, NULL, selected, FALSE);
  draw_labels (cr, to_view, clusters, &scale, NULL, selected);
  if (selected != NULL)
    {
      draw_markers (self, cr, to_view, clusters, &scale, selected, NULL, TRUE);
      cairo_set_font_size (cr, LABEL_FONT_SIZE + 2.0);
      draw_labels (cr, to_view, clusters, &scale, selected, NULL);
      cairo_set_font_size (cr, LABEL_FONT_SIZE);
    }
  if (darkmap_cluster_list_has_significance (clusters))
    draw_key (cr);
  cairo_restore (cr);
}

DarkmapCluster *
darkmap_cluster_overlay_hit (const cairo_matrix_t *to_view, GListModel *clusters, double vx,
                             double vy)
{
  MassScale scale = mass_scale (clusters);
  DarkmapCluster *best = NULL;
  double best_distance = INFINITY;

  for (guint i = 0; i < g_list_model_get_n_items (clusters); i++)
    {
      g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (clusters, i);
      double cx, cy, distance;

      if (!view_position (to_view, cluster, &cx, &cy))
        continue;
      distance = hypot (vx - cx, vy - cy);
      if (distance <= radius_for (&scale, darkmap_cluster_get_mass (cluster)) + HIT_SLACK
          && distance < best_distance)
        {
          best = cluster;
          best_distance = distance;
        }
    }
  return best;
}
