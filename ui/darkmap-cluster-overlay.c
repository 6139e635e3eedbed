/* Cluster markers and labels over a map (darkmap-cluster-overlay.h). */
#include "darkmap-cluster-overlay.h"

#include <math.h>

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

/* The drawing position of a cluster on the map; FALSE when it is not. */
static gboolean
view_position (const cairo_matrix_t *to_view, DarkmapCluster *cluster, double *vx, double *vy)
{
  if (!darkmap_cluster_get_pixel (cluster, vx, vy))
    return FALSE;
  cairo_matrix_transform_point (to_view, vx, vy);
  return TRUE;
}

static void
draw_marker (cairo_t *cr, double vx, double vy, double radius, gboolean selected)
{
  cairo_new_path (cr);
  cairo_arc (cr, vx, vy, radius, 0.0, 2.0 * G_PI);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.75);
  cairo_set_line_width (cr, selected ? 5.0 : 3.5);
  cairo_stroke_preserve (cr);
  if (selected)
    cairo_set_source_rgb (cr, 1.0, 0.62, 0.0);
  else
    cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_set_line_width (cr, selected ? 3.0 : 1.5);
  cairo_stroke (cr);

  cairo_arc (cr, vx, vy, DOT_RADIUS, 0.0, 2.0 * G_PI);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.75);
  cairo_set_line_width (cr, 1.0);
  cairo_stroke (cr);
}

/* "label" or "label  z 0.25", dark text with a light halo. */
static void
draw_label (cairo_t *cr, DarkmapCluster *cluster, double vx, double vy, double radius)
{
  g_autofree char *text = NULL;
  double z = darkmap_cluster_get_z (cluster);

  if (isfinite (z))
    text = g_strdup_printf ("%s  z %.2f", darkmap_cluster_get_label (cluster), z);
  else
    text = g_strdup (darkmap_cluster_get_label (cluster));
  cairo_new_path (cr);
  cairo_move_to (cr, vx + radius * M_SQRT1_2 + 2.0, vy - radius * M_SQRT1_2 - 2.0);
  cairo_text_path (cr, text);
  cairo_set_source_rgba (cr, 1.0, 1.0, 1.0, 0.85);
  cairo_set_line_width (cr, 3.0);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  cairo_fill (cr);
}

void
darkmap_cluster_overlay_draw (cairo_t *cr, const cairo_matrix_t *to_view, GListModel *clusters,
                              DarkmapCluster *selected)
{
  MassScale scale = mass_scale (clusters);
  guint n = g_list_model_get_n_items (clusters);

  cairo_save (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, LABEL_FONT_SIZE);
  /* Markers first, then labels over every marker; the selection last. */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        g_autoptr (DarkmapCluster) cluster = g_list_model_get_item (clusters, i);
        double vx, vy, radius = radius_for (&scale, darkmap_cluster_get_mass (cluster));

        if (cluster == selected || !view_position (to_view, cluster, &vx, &vy))
          continue;
        if (pass == 0)
          draw_marker (cr, vx, vy, radius, FALSE);
        else
          draw_label (cr, cluster, vx, vy, radius);
      }
  if (selected != NULL)
    {
      double vx, vy, radius = radius_for (&scale, darkmap_cluster_get_mass (selected));

      if (view_position (to_view, selected, &vx, &vy))
        {
          draw_marker (cr, vx, vy, radius, TRUE);
          cairo_set_font_size (cr, LABEL_FONT_SIZE + 2.0);
          draw_label (cr, selected, vx, vy, radius);
        }
    }
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
