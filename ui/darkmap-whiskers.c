#include "darkmap-whiskers.h"

#include <math.h>
#include <stdlib.h>

#define REFERENCE_QUANTILE 0.95
#define FILL 0.9

struct _DarkmapWhiskers
{
  DmMap *shear; /* owned copy, 2 planes */
  DmMap *counts; /* owned copy, 1 plane, or NULL */

  /* The cache: block means for `step`, nbx × nby blocks each, row-major;
   * NaN where a block has no observed pixel. */
  int step;        /* 0: nothing cached */
  int nbx, nby;
  float *g1, *g2;  /* owned */
  float *weight;   /* owned: galaxies (or pixels) per block */
  double reference; /* |g| drawn FILL × the spacing long */
};

DarkmapWhiskers *
darkmap_whiskers_new (const DmMap *shear, const DmMap *counts, DmError **error)
{
  DarkmapWhiskers *whiskers;

  if (shear->nplanes != 2
      || (counts != NULL && (counts->nx != shear->nx || counts->ny != shear->ny)))
    {
      dm_error_set (error, DM_ERROR_INVALID_ARGUMENT, 0,
                    "A whisker plot needs a 2-plane shear map and counts of its size");
      return NULL;
    }
  whiskers = g_new0 (DarkmapWhiskers, 1);
  whiskers->shear = dm_map_copy (shear, error);
  if (whiskers->shear != NULL && counts != NULL)
    whiskers->counts = dm_map_copy_plane (counts, 0, error);
  if (whiskers->shear == NULL || (counts != NULL && whiskers->counts == NULL))
    {
      darkmap_whiskers_free (whiskers);
      return NULL;
    }
  return whiskers;
}

void
darkmap_whiskers_free (DarkmapWhiskers *whiskers)
{
  if (whiskers == NULL)
    return;
  dm_map_free (whiskers->shear);
  dm_map_free (whiskers->counts);
  g_free (whiskers->g1);
  g_free (whiskers->g2);
  g_free (whiskers->weight);
  g_free (whiskers);
}

int
darkmap_whiskers_step (double scale)
{
  int step = 1;

  while (step < (1 << 20) && step * scale < DARKMAP_WHISKER_SPACING)
    step *= 2;
  return step;
}

static int
compare_floats (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

/* Block means and the reference shear for step. */
static void
ensure_blocks (DarkmapWhiskers *w, int step)
{
  int nx = w->shear->nx, ny = w->shear->ny;
  const float *g1 = dm_map_plane (w->shear, 0), *g2 = dm_map_plane (w->shear, 1);
  float *sizes, *weights;
  size_t n_blocks, n_sizes = 0, n_weights = 0;
  double least;

  if (w->step == step)
    return;
  w->step = step;
  w->nbx = (nx + step - 1) / step;
  w->nby = (ny + step - 1) / step;
  n_blocks = (size_t) w->nbx * (size_t) w->nby;
  g_free (w->g1);
  g_free (w->g2);
  g_free (w->weight);
  w->g1 = g_new (float, n_blocks);
  w->g2 = g_new (float, n_blocks);
  w->weight = g_new (float, n_blocks);
  sizes = g_new (float, n_blocks);
  weights = g_new (float, n_blocks);
  for (int by = 0; by < w->nby; by++)
    for (int bx = 0; bx < w->nbx; bx++)
      {
        double s1 = 0.0, s2 = 0.0, sw = 0.0;
        size_t b = (size_t) by * (size_t) w->nbx + (size_t) bx;

        for (int y = by * step; y < MIN (ny, (by + 1) * step); y++)
          for (int x = bx * step; x < MIN (nx, (bx + 1) * step); x++)
            {
              size_t p = (size_t) y * (size_t) nx + (size_t) x;
              double weight = w->counts != NULL ? w->counts->data[p] : 1.0;

              if (!(weight > 0.0) || !isfinite (g1[p]) || !isfinite (g2[p]))
                continue;
              s1 += weight * g1[p];
              s2 += weight * g2[p];
              sw += weight;
            }
        w->g1[b] = sw > 0.0 ? (float) (s1 / sw) : NAN;
        w->g2[b] = sw > 0.0 ? (float) (s2 / sw) : NAN;
        w->weight[b] = (float) sw;
        if (sw > 0.0)
          weights[n_weights++] = (float) sw;
      }
  /* The reference over the blocks holding at least half the median
   * block's weight. */
  w->reference = 0.0;
  if (n_weights > 0)
    {
      qsort (weights, n_weights, sizeof weights[0], compare_floats);
      least = 0.5 * weights[n_weights / 2];
      for (size_t b = 0; b < n_blocks; b++)
        if (w->weight[b] > 0.0f && w->weight[b] >= least)
          sizes[n_sizes++] = hypotf (w->g1[b], w->g2[b]);
      qsort (sizes, n_sizes, sizeof sizes[0], compare_floats);
      w->reference = sizes[(size_t) floor (REFERENCE_QUANTILE * (double) (n_sizes - 1))];
    }
  g_free (sizes);
  g_free (weights);
}

double *
darkmap_whiskers_layout (DarkmapWhiskers *w, const cairo_matrix_t *to_view, double left,
                         double top, double right, double bottom, size_t *n_sticks)
{
  cairo_matrix_t inverse = *to_view;
  double scale = hypot (to_view->xx, to_view->yx), half_length;
  double x0, y0, x1, y1;
  int step, bx0, bx1, by0, by1;
  GArray *sticks = g_array_new (FALSE, FALSE, sizeof (double));

  *n_sticks = 0;
  if (!(scale > 0.0) || cairo_matrix_invert (&inverse) != CAIRO_STATUS_SUCCESS)
    {
      g_array_unref (sticks);
      return NULL;
    }
  step = darkmap_whiskers_step (scale);
  ensure_blocks (w, step);
  if (!(w->reference > 0.0))
    {
      g_array_unref (sticks);
      return NULL;
    }
  half_length = 0.5 * FILL * step * scale / w->reference;

  /* The blocks whose centres, (b + ½) step − ½ in map pixels, can fall in
   * the rectangle. */
  x0 = left, y0 = bottom, x1 = right, y1 = top;
  cairo_matrix_transform_point (&inverse, &x0, &y0);
  cairo_matrix_transform_point (&inverse, &x1, &y1);
  bx0 = MAX (0, (int) floor ((MIN (x0, x1) + 0.5) / step - 0.5));
  bx1 = MIN (w->nbx - 1, (int) ceil ((MAX (x0, x1) + 0.5) / step - 0.5));
  by0 = MAX (0, (int) floor ((MIN (y0, y1) + 0.5) / step - 0.5));
  by1 = MIN (w->nby - 1, (int) ceil ((MAX (y0, y1) + 0.5) / step - 0.5));

  for (int by = by0; by <= by1; by++)
    for (int bx = bx0; bx <= bx1; bx++)
      {
        size_t b = (size_t) by * (size_t) w->nbx + (size_t) bx;
        double g1 = w->g1[b], g2 = w->g2[b], cx, cy, dx, dy, phi, length;
        double ends[4];

        if (!isfinite (g1) || !isfinite (g2))
          continue;
        /* The block's centre, clipped to the map for the last partial
         * blocks. */
        cx = MIN ((bx + 0.5) * step - 0.5, w->shear->nx - 1.0);
        cy = MIN ((by + 0.5) * step - 0.5, w->shear->ny - 1.0);
        cairo_matrix_transform_point (to_view, &cx, &cy);
        if (cx < left || cx > right || cy < top || cy > bottom)
          continue;
        /* The direction in map pixels, then on the drawing (unit length:
         * the transform scales both axes alike). */
        phi = 0.5 * atan2 (g2, g1);
        dx = cos (phi);
        dy = sin (phi);
        cairo_matrix_transform_distance (to_view, &dx, &dy);
        length = fmin (half_length * hypot (g1, g2), 0.5 * step * scale) / scale;
        ends[0] = cx - dx * length;
        ends[1] = cy - dy * length;
        ends[2] = cx + dx * length;
        ends[3] = cy + dy * length;
        g_array_append_vals (sticks, ends, 4);
      }
  *n_sticks = sticks->len / 4;
  return (double *) (void *) g_array_free (sticks, FALSE);
}

gboolean
darkmap_whiskers_key (DarkmapWhiskers *whiskers, double scale, double *length, double *shear)
{
  int step;

  if (!(scale > 0.0))
    return FALSE;
  step = darkmap_whiskers_step (scale);
  ensure_blocks (whiskers, step);
  if (!(whiskers->reference > 0.0))
    return FALSE;
  *length = FILL * step * scale;
  *shear = whiskers->reference;
  return TRUE;
}

void
darkmap_whiskers_draw_key (DarkmapWhiskers *whiskers, cairo_t *cr, double scale, double x,
                           double y)
{
  double length, shear;
  char label[32];

  if (!darkmap_whiskers_key (whiskers, scale, &length, &shear))
    return;
  cairo_save (cr);
  cairo_set_source_rgb (cr, 0.13, 0.13, 0.13);
  cairo_set_line_width (cr, 1.4);
  cairo_move_to (cr, x, y);
  cairo_line_to (cr, x + length, y);
  cairo_stroke (cr);
  g_snprintf (label, sizeof label, "|g| %.3f", shear);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 10.0);
  cairo_move_to (cr, x, y + 13.0);
  cairo_show_text (cr, label);
  cairo_restore (cr);
}

void
darkmap_whiskers_draw (DarkmapWhiskers *whiskers, cairo_t *cr, const cairo_matrix_t *to_view,
                       double left, double top, double right, double bottom)
{
  size_t n;
  g_autofree double *sticks = darkmap_whiskers_layout (whiskers, to_view, left, top, right,
                                                       bottom, &n);

  if (n == 0)
    return;
  cairo_save (cr);
  cairo_new_path (cr);
  for (size_t i = 0; i < n; i++)
    {
      cairo_move_to (cr, sticks[4 * i], sticks[4 * i + 1]);
      cairo_line_to (cr, sticks[4 * i + 2], sticks[4 * i + 3]);
    }
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  /* The coarser antialiasing grid halves the cost of the strokes. */
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.6);
  cairo_set_line_width (cr, 3.0);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_set_line_width (cr, 1.4);
  cairo_stroke (cr);
  cairo_restore (cr);
}
