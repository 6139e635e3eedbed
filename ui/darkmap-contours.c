#include "darkmap-contours.h"

#include <math.h>
#include <stdlib.h>

typedef struct
{
  float x[2], y[2];   /* the ends, map pixels */
  size_t edge[2];     /* the grid edges they lie on (see edge_id) */
} Segment;

typedef struct
{
  size_t start, n_points; /* in Level.points, counted in points */
  float bounds[4];        /* x min, y min, x max, y max */
} Line;

typedef struct
{
  double value;
  GArray *points; /* of float, 2 per point */
  GArray *lines;  /* of Line */
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

/* A grid edge as a number: 2 (j nx + i) for the edge from pixel (i, j) to
 * (i + 1, j), one more for the edge from (i, j) to (i, j + 1). */
static size_t
edge_id (int e, int i, int j, int nx)
{
  switch (e)
    {
    case 0:
      return 2 * ((size_t) j * (size_t) nx + (size_t) i);
    case 1:
      return 2 * ((size_t) j * (size_t) nx + (size_t) i + 1) + 1;
    case 2:
      return 2 * ((size_t) (j + 1) * (size_t) nx + (size_t) i);
    default:
      return 2 * ((size_t) j * (size_t) nx + (size_t) i) + 1;
    }
}

/* The segments of a level, in a new array of Segment. */
static GArray *
trace_segments (double value, const float *data, int nx, int ny)
{
  GArray *segments = g_array_new (FALSE, FALSE, sizeof (Segment));

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
          index |= (v[k] >= value) << k;
        edges = segment_edges[index];
        if ((index == 5 || index == 10)
            && (v[0] + v[1] + v[2] + v[3]) / 4.0 >= value)
          edges = saddle_high[index == 10];
        for (int s = 0; s < 4 && edges[s] >= 0; s += 2)
          {
            Segment seg;

            for (int end = 0; end < 2; end++)
              {
                edge_point (edges[s + end], i, j, v, value, &seg.x[end], &seg.y[end]);
                seg.edge[end] = edge_id (edges[s + end], i, j, nx);
              }
            g_array_append_val (segments, seg);
          }
      }
  return segments;
}

typedef struct
{
  size_t edge;
  size_t end; /* 2 × segment + which end */
} EdgeEnd;

static int
compare_edge_ends (const void *a, const void *b)
{
  const EdgeEnd *x = a, *y = b;

  if (x->edge != y->edge)
    return (x->edge > y->edge) - (x->edge < y->edge);
  return (x->end > y->end) - (x->end < y->end);
}

static void
append_point (Level *level, Line *line, float x, float y)
{
  float p[2] = { x, y };

  g_array_append_vals (level->points, p, 2);
  line->n_points++;
  line->bounds[0] = MIN (line->bounds[0], x);
  line->bounds[1] = MIN (line->bounds[1], y);
  line->bounds[2] = MAX (line->bounds[2], x);
  line->bounds[3] = MAX (line->bounds[3], y);
}

/* Follows the segments from segment s, entered at end `end`, through the
 * crossings they share (next[2 s + e]: the other segment end on the same
 * edge, or -1), marking them used. */
static void
follow (Level *level, const Segment *segs, const gssize *next, gboolean *used, size_t s,
        int end)
{
  Line line = { level->points->len / 2, 0, { G_MAXFLOAT, G_MAXFLOAT, -G_MAXFLOAT, -G_MAXFLOAT } };

  append_point (level, &line, segs[s].x[end], segs[s].y[end]);
  for (;;)
    {
      gssize n;

      used[s] = TRUE;
      append_point (level, &line, segs[s].x[1 - end], segs[s].y[1 - end]);
      n = next[2 * s + (size_t) (1 - end)];
      if (n < 0 || used[n / 2])
        break;
      s = (size_t) n / 2;
      end = (int) (n % 2);
    }
  g_array_append_val (level->lines, line);
}

/* Joins the segments into lines: open ones first (from an end no other
 * segment shares), then the loops. */
static void
join_segments (Level *level, GArray *segments)
{
  const Segment *segs = (const Segment *) (void *) segments->data;
  size_t n = segments->len;
  EdgeEnd *ends;
  gssize *next;
  gboolean *used;

  if (n == 0)
    return;
  ends = g_new (EdgeEnd, 2 * n);
  next = g_new (gssize, 2 * n);
  used = g_new0 (gboolean, n);
  for (size_t k = 0; k < 2 * n; k++)
    {
      ends[k].edge = segs[k / 2].edge[k % 2];
      ends[k].end = k;
      next[k] = -1;
    }
  qsort (ends, 2 * n, sizeof ends[0], compare_edge_ends);
  /* A crossing is shared by the two cells beside its edge at most. */
  for (size_t k = 0; k + 1 < 2 * n; k++)
    if (ends[k].edge == ends[k + 1].edge)
      {
        next[ends[k].end] = (gssize) ends[k + 1].end;
        next[ends[k + 1].end] = (gssize) ends[k].end;
      }
  for (size_t k = 0; k < 2 * n; k++)
    if (next[k] < 0 && !used[k / 2])
      follow (level, segs, next, used, k / 2, (int) (k % 2));
  for (size_t s = 0; s < n; s++)
    if (!used[s])
      follow (level, segs, next, used, s, 0);
  g_free (ends);
  g_free (next);
  g_free (used);
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

      GArray *segments = trace_segments (levels[k], data, nx, ny);

      level->value = levels[k];
      level->points = g_array_new (FALSE, FALSE, sizeof (float));
      level->lines = g_array_new (FALSE, FALSE, sizeof (Line));
      join_segments (level, segments);
      g_array_unref (segments);
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
      g_array_unref (contours->levels[k].points);
      g_array_unref (contours->levels[k].lines);
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
darkmap_contours_get_n_lines (const DarkmapContours *contours, int level)
{
  g_return_val_if_fail (level >= 0 && level < contours->n_levels, 0);
  return contours->levels[level].lines->len;
}

const float *
darkmap_contours_get_line (const DarkmapContours *contours, int level, size_t i,
                           size_t *n_points)
{
  const Level *l;
  const Line *line;

  g_return_val_if_fail (level >= 0 && level < contours->n_levels, NULL);
  l = &contours->levels[level];
  g_return_val_if_fail (i < l->lines->len, NULL);
  line = &g_array_index (l->lines, Line, i);
  *n_points = line->n_points;
  return &g_array_index (l->points, float, 2 * line->start);
}

/* Adds the visible lines of a level to cr's path, in drawing coordinates. */
static void
add_level_path (const Level *level, cairo_t *cr, const cairo_matrix_t *m, double left,
                double top, double right, double bottom)
{
  double scale = fabs (m->xx);

  for (guint k = 0; k < level->lines->len; k++)
    {
      const Line *line = &g_array_index (level->lines, Line, k);
      const float *p = &g_array_index (level->points, float, 2 * line->start);
      double x0 = line->bounds[0], y0 = line->bounds[1], x1 = line->bounds[2];
      double y1 = line->bounds[3], last_x, last_y;

      if ((x1 - x0) * scale < 1.0 && (y1 - y0) * scale < 1.0)
        continue;
      cairo_matrix_transform_point (m, &x0, &y0);
      cairo_matrix_transform_point (m, &x1, &y1);
      if (MAX (x0, x1) < left || MIN (x0, x1) > right || MAX (y0, y1) < top
          || MIN (y0, y1) > bottom)
        continue;
      last_x = p[0];
      last_y = p[1];
      cairo_matrix_transform_point (m, &last_x, &last_y);
      cairo_move_to (cr, last_x, last_y);
      for (size_t i = 1; i < line->n_points; i++)
        {
          double x = p[2 * i], y = p[2 * i + 1];

          cairo_matrix_transform_point (m, &x, &y);
          if (i + 1 < line->n_points && fabs (x - last_x) < DARKMAP_CONTOUR_MIN_STEP
              && fabs (y - last_y) < DARKMAP_CONTOUR_MIN_STEP)
            continue;
          cairo_line_to (cr, x, y);
          last_x = x;
          last_y = y;
        }
    }
}

void
darkmap_contours_draw (const DarkmapContours *contours, cairo_t *cr,
                       const cairo_matrix_t *to_view, double left, double top, double right,
                       double bottom)
{
  cairo_save (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_BEVEL);
  /* The coarser antialiasing grid halves the cost of the strokes. */
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
  cairo_new_path (cr);
  for (int k = 0; k < contours->n_levels; k++)
    add_level_path (&contours->levels[k], cr, to_view, left, top, right, bottom);
  /* A dark edge under a white line reads on every colour map. */
  cairo_set_source_rgba (cr, 0.0, 0.0, 0.0, 0.55);
  cairo_set_line_width (cr, 2.6);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_set_line_width (cr, 1.2);
  cairo_stroke (cr);
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
