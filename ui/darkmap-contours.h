/* DarkmapContours: iso-lines of a map by marching squares, traced once and
 * kept as lines in map pixel coordinates (pixel (i, j) centred at (i, j),
 * as the map view places it), so that a frame only transforms and strokes
 * them.
 *
 * A cell between four pixel centres gives segments where the level crosses
 * its edges (linear interpolation along each edge; the saddle cases are
 * resolved by the mean of the four corners).  Cells with a NaN corner give
 * none.  The segments are joined into lines through the crossings they
 * share: closed loops (the first point repeated at the end) and open lines
 * ending at the map's border or at NaN pixels.
 *
 * Drawing skips lines outside the clip and lines smaller than a pixel of
 * the drawing, and leaves out points closer than DARKMAP_CONTOUR_MIN_STEP
 * drawing units to the last one drawn: a 2048² map fitted into a window
 * strokes about as many points as it has pixels across. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

#define DARKMAP_CONTOUR_MIN_STEP 0.75

typedef struct _DarkmapContours DarkmapContours;

/* data: ny × nx floats, row-major, row 0 at the bottom (not kept).
 * levels: n_levels values (copied). */
DarkmapContours *darkmap_contours_new (const float *data, int nx, int ny, const double *levels,
                                       int n_levels);
void darkmap_contours_free (DarkmapContours *contours);

int darkmap_contours_get_n_levels (const DarkmapContours *contours);
double darkmap_contours_get_level (const DarkmapContours *contours, int level);
/* The lines of a level; line i has *n_points points, 2 floats each (x, y in
 * map pixels), owned by contours. */
size_t darkmap_contours_get_n_lines (const DarkmapContours *contours, int level);
const float *darkmap_contours_get_line (const DarkmapContours *contours, int level, size_t i,
                                        size_t *n_points);

/* Strokes every level inside the rectangle (left, top, right, bottom) of
 * the drawing, map pixels placed on cr by to_view (map pixel → drawing
 * coordinates; a scale and flips, no rotation). */
void darkmap_contours_draw (const DarkmapContours *contours, cairo_t *cr,
                            const cairo_matrix_t *to_view, double left, double top,
                            double right, double bottom);

/* levels[k] = multiples[k] × the standard deviation of data about its mean,
 * over the pixels where mask > 0 (mask may be NULL: all finite pixels).
 * FALSE (levels untouched) when fewer than two pixels count or the map is
 * flat. */
gboolean darkmap_contours_sigma_levels (const float *data, const float *mask, size_t n,
                                        const double *multiples, int n_levels, double *levels);

G_END_DECLS
