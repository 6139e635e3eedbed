#include "darkmap-contours.h"

#include <math.h>

typedef struct
{
  float x0, y0, x1, y1; /* map pixels */
} Segment;

typedef struct
{
  double value;
  GArray *segments; /* of Segment */
  cairo_path_t path; /* the segments as MOVE_TO / LINE_TO pairs; data owned */
} Level;

struct _DarkmapContours
{
  int n_levels;
  Level *levels; /* n_levels, owned */
};

/* Edges of a cell, corners a = (i, j), b = (i + 1, j), c = (i + 1, j + 1),
 * d = (i, j + 1): 0 = ab (bottom), 1 = bc (right), 2 = dc (top), 3 = ad
 * (left).  Rows: the case (bit 0 a, 1 b, 2 c, 3 d set where the corner is at
 * or above the level), up to two segments as pairs of edges, -1 ending;
 * the saddles 5 and 10 are the variants with the centre below the level. */
static const signed char segment_edges[16][4] = {
  { -1, -1, -1, -1 }, { 3, 0, -1, -1 }, { 0, 1, -1, -1 }, { 3, 1, -1, -1 },
  { 1, 2, -1, -1 },   { 3, 0, 1, 2 },   { 0, 2, -1, -1 }, { 2, 3, -1, -1 },
  { 2, 3, -1, -1 },   { 0, 2, -1, -1 }, { 0, 1, 2, 3 },   { 1, 2, -1, -1 },
  { 3, 1, -1, -1 },   { 0, 1, -1, -1 }, { 3, 0, -1, -1 }, { -1, -1, -1, -1 },
};

/* The saddles with the centre at or above the level. */
static const signed char saddle_high[2][4] = {
  { 0, 1, 2, 3 }, /* case 5: a and c joined, b and d cut off */
  { 3, 0, 1, 2 }, /* case 10: b and d joined, a and c cut off */
};

/* Where the level crosses edge e of cell (i, j) with corner values v[4]
 * (a, b, c, d). */
static void
edge_point (int e, int i, int j, const double v[4], double level, float *x, float *y)
{
  switch (e)
    {
    case 0:
      *x = (float) (i + (level - v[0]) / (v[1] - v[0]));
      *y = (float) j;
      break;
    case 1:
      *x = (float) (i + 1);
      *y = (float) (j + (level - v[1]) / (v[2] - v[1]));
      break;
    case 2:
      *x = (float) (i + (level - v[3]) / (v[2] - v[3]));
      *y = (float) (j + 1);
      break;
    default:
      *x = (float) i;
      *y = (float) (j + (level - v[0]) / (v[3] - v[0]));
      break;
    }
}

static void
trace_level (Level *level, const float *data, int nx, int ny)
{
  for (int j = 0; j + 1 < ny; j++)
    for (int i = 0; i + 1 < nx; i++)
      {
        const float *row = data + (size_t) j * (size_t) nx;
        double v[4] = { row[i], row[i + 1], row[nx + i + 1], row[nx + i] };
        const signed char *edges;
        int index = 0;

        if (!isfinite (v[0]) || !isfinite (v[1]) || !isfinite (v[2]) || !isfinite (v[3]))
          continue;
        for (int k = 0; k < 4; k++)
          index |= (v[k] >= level->value) << k;
        edges = segment_edges[index];
        if ((index == 5 || index == 10)
            && (v[0] + v[1] + v[2] + v[3]) / 4.0 >= level->value)
          edges = saddle_high[index == 10];
        for (int s = 0; s < 4 && edges[s] >= 0; s += 2)
          {
            Segment seg;

            edge_point (edges[s], i, j, v, level->value, &seg.x0, &seg.y0);
            edge_point (edges[s + 1], i, j, v, level->value, &seg.x1, &seg.y1);
            g_array_append_val (level->segments, seg);
          }
      }
}

static void
build_path (Level *level)
{
  cairo_path_data_t *d;

  level->path.status = CAIRO_STATUS_SUCCESS;
  level->path.num_data = (int) level->segments->len * 4;
  level->path.data = d = g_new (cairo_path_data_t, (size_t) level->path.num_data);
  for (guint k = 0; k < level->segments->len; k++, d += 4)
    {
      const Segment *seg = &g_array_index (level->segments, Segment, k);

      d[0].header.type = CAIRO_PATH_MOVE_TO;
      d[0].header.length = 2;
      d[1].point.x = seg->x0;
      d[1].point.y = seg->y0;
      d[2].header.type = CAIRO_PATH_LINE_TO;
      d[2].header.length = 2;
      d[3].point.x = seg->x1;
      d[3].point.y = seg->y1;
    }
}

DarkmapContours *
darkmap_contours_new (const float *data, int nx, int ny, const double *levels, int n_levels)
{
  DarkmapContours *contours;

  g_return_val_if_fail (data != NULL && nx > 0 && ny > 0, NULL);
  g_return_val_if_fail (n_levels >= 0 && (levels != NULL || n_levels == 0), NULL);

  contours = g_new0 (DarkmapContours, 1);
  contours->n_levels = n_levels;
  contours->levels = g_new0 (Level, (size_t) n_levels);
  for (int k = 0; k < n_levels; k++)
    {
      Level *level = &contours->levels[k];

      level->value = levels[k];
      level->segments = g_array_new (FALSE, FALSE, sizeof (Segment));
      trace_level (level, data, nx, ny);
      build_path (level);
    }
  return contours;
}

void
darkmap_contours_free (DarkmapContours *contours)
{
  if (contours == NULL)
    return;
  for (int k = 0; k < contours->n_levels; k++)
    {
      g_array_unref (contours->levels[k].segments);
      g_free (contours->levels[k].path.data);
    }
  g_free (contours->levels);
  g_free (contours);
}

int
darkmap_contours_get_n_levels (const DarkmapContours *contours)
{
  return contours->n_levels;
}

double
darkmap_contours_get_level (const DarkmapContours *contours, int level)
{
  g_return_val_if_fail (level >= 0 && level < contours->n_levels, NAN);
  return contours->levels[level].value;
}

size_t
darkmap_contours_get_n_segments (const DarkmapContours *contours, int level)
{
  g_return_val_if_fail (level >= 0 && level < contours->n_levels, 0);
  return contours->levels[level].segments->len;
}

void
darkmap_contours_get_segment (const DarkmapContours *contours, int level, size_t i, double *x0,
                              double *y0, double *x1, double *y1)
{
  const Segment *seg;

  g_return_if_fail (level >= 0 && level < contours->n_levels);
  g_return_if_fail (i < contours->levels[level].segments->len);
  seg = &g_array_index (contours->levels[level].segments, Segment, i);
  *x0 = seg->x0;
  *y0 = seg->y0;
  *x1 = seg->x1;
  *y1 = seg->y1;
}

void
darkmap_contours_draw (const DarkmapContours *contours, cairo_t *cr,
                       const cairo_matrix_t *to_view)
{
  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (int k = 0; k < contours->n_levels; k++)
    {
      const Level *level = &contours->levels[k];

      if (level->path.num_data == 0)
        continue;
      /* The path is transformed as it is appended; the stroke is in drawing
       * units. */
      cairo_save (cr);
      cairo_transform (cr, to_view);
      cairo_new_path (cr);
      cairo_append_path (cr, &level->path);
      cairo_restore (cr);
      /* A dark edge under a white line reads on every colour map. */
      cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.55);
      cairo_set_line_width (cr, 2.6);
      cairo_stroke_preserve (cr);
      cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
      cairo_set_line_width (cr, 1.2);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}

gboolean
darkmap_contours_sigma_levels (const float *data, const float *mask, size_t n,
                               const double *multiples, int n_levels, double *levels)
{
  double sum = 0.0, sum2 = 0.0, mean, var;
  size_t count = 0;

  for (size_t i = 0; i < n; i++)
    if ((mask == NULL || mask[i] > 0.0f) && isfinite (data[i]))
      {
        sum += data[i];
        count++;
      }
  if (count < 2)
    return FALSE;
  mean = sum / (double) count;
  for (size_t i = 0; i < n; i++)
    if ((mask == NULL || mask[i] > 0.0f) && isfinite (data[i]))
      sum2 += (data[i] - mean) * (data[i] - mean);
  var = sum2 / (double) (count - 1);
  if (!(var > 0.0))
    return FALSE;
  for (int k = 0; k < n_levels; k++)
    levels[k] = multiples[k] * sqrt (var);
  return TRUE;
}
