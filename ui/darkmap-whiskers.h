/* DarkmapWhiskers: a binned shear map drawn as sticks (a whisker plot).
 *
 * The shear (g1, g2) of a Darkmap grid is in the grid's pixel frame, the
 * frame Kaiser-Squires works in: g1 > 0 stretches along the columns (x),
 * g2 > 0 along the diagonal x = y.  On TAN grids x points to decreasing RA
 * (RA increases to the left, catalogue ellipticities used as they are); on
 * flat grids, where RA increases to the right, the binning negates e2 to
 * reach the same frame.  So a stick at angle phi = ½ atan2(g2, g1) from the
 * x axis towards y, in map pixels, is drawn through the same map → view
 * transform as the map itself: with rows going up on screen, a g2 > 0 stick
 * on a TAN grid leans up and to the right, towards north-west.
 *
 * Sticks sit on a grid of blocks step × step pixels (step a power of two,
 * chosen so that neighbours are at least DARKMAP_WHISKER_SPACING drawing
 * units apart at the current zoom), each the mean shear of the block's
 * pixels weighted by their galaxy counts.  Their length is proportional to
 * |g|, a block of the reference shear filling 90 % of the spacing: the 95th
 * percentile of |g| over the well-covered blocks (at least half the median
 * block's galaxies), so that the few galaxies of a block at the field's
 * edge do not set the scale.  Such a block's stick is capped at the
 * spacing.  The block means are cached per step. */
#pragma once

#include <cairo.h>
#include <glib.h>

#include <darkmap/map.h>

G_BEGIN_DECLS

#define DARKMAP_WHISKER_SPACING 14.0

typedef struct _DarkmapWhiskers DarkmapWhiskers;

/* shear: 2 planes (g1, g2); counts: 1 plane of the same size, galaxies per
 * pixel (0: no data), or NULL (every finite pixel counts once).  Both
 * copied.  NULL with error set when a copy fails or the shapes do not
 * fit. */
DarkmapWhiskers *darkmap_whiskers_new (const DmMap *shear, const DmMap *counts,
                                       DmError **error);
void darkmap_whiskers_free (DarkmapWhiskers *whiskers);

/* The block side in map pixels for a drawing with scale view units per map
 * pixel. */
int darkmap_whiskers_step (double scale);

/* The sticks whose centres lie inside the rectangle (left, top, right,
 * bottom) of the drawing, map pixels placed by to_view (scale > 0, no
 * rotation): an array of 4 doubles per stick (x0, y0, x1, y1 in drawing
 * units), *n_sticks of them; free with g_free.  Blocks without data give
 * none. */
double *darkmap_whiskers_layout (DarkmapWhiskers *whiskers, const cairo_matrix_t *to_view,
                                 double left, double top, double right, double bottom,
                                 size_t *n_sticks);

/* The key of a drawing with scale view units per map pixel: *length, the
 * drawn length of a stick of shear *shear (the reference).  FALSE when no
 * block has data. */
gboolean darkmap_whiskers_key (DarkmapWhiskers *whiskers, double scale, double *length,
                               double *shear);

/* Draws a key stick from (x, y) to the right with its |g| after it. */
void darkmap_whiskers_draw_key (DarkmapWhiskers *whiskers, cairo_t *cr, double scale, double x,
                                double y);

/* Draws what darkmap_whiskers_layout gives: white sticks edged in black. */
void darkmap_whiskers_draw (DarkmapWhiskers *whiskers, cairo_t *cr,
                            const cairo_matrix_t *to_view, double left, double top,
                            double right, double bottom);

G_END_DECLS
