/* DarkmapContours: iso-lines of a map by marching squares, computed once
 * and kept as cairo paths in map pixel coordinates (pixel (i, j) centred at
 * (i, j), as the map view places it), so that a frame only transforms and
 * strokes them.
 *
 * A cell between four pixel centres gives segments where the level crosses
 * its edges (linear interpolation along each edge; the saddle cases are
 * resolved by the mean of the four corners).  Cells with a NaN corner give
 * none. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct _DarkmapContours DarkmapContours;

/* data: ny × nx floats, row-major, row 0 at the bottom (not kept).
 * levels: n_levels values (copied).  NULL when memory runs out. */
DarkmapContours *darkmap_contours_new (const float *data, int nx, int ny, const double *levels,
                                       int n_levels);
void darkmap_contours_free (DarkmapContours *contours);

int darkmap_contours_get_n_levels (const DarkmapContours *contours);
double darkmap_contours_get_level (const DarkmapContours *contours, int level);
/* Segment i of a level, ends (x0, y0) and (x1, y1) in map pixels. */
size_t darkmap_contours_get_n_segments (const DarkmapContours *contours, int level);
void darkmap_contours_get_segment (const DarkmapContours *contours, int level, size_t i,
                                   double *x0, double *y0, double *x1, double *y1);

/* Strokes every level, map pixels placed on cr by to_view (map pixel →
 * drawing coordinates); the line width is in drawing units. */
void darkmap_contours_draw (const DarkmapContours *contours, cairo_t *cr,
                            const cairo_matrix_t *to_view);

/* levels[k] = multiples[k] × the standard deviation of data about its mean,
 * over the pixels where mask > 0 (mask may be NULL: all finite pixels).
 * FALSE (levels untouched) when fewer than two pixels count or the map is
 * flat. */
gboolean darkmap_contours_sigma_levels (const float *data, const float *mask, size_t n,
                                        const double *multiples, int n_levels, double *levels);

G_END_DECLS
