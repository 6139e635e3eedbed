/* DarkmapUniversesGrid: the planes of a DmMap (maps of one size, such as a
 * field of emulated universes) side by side as thumbnails, in one colour
 * map and on one colour scale, with its colour bar at the right.
 *
 * The scale is symmetric about zero, as the window's kappa layers: ±3
 * standard deviations of every finite pixel of every map (1 when they are
 * all equal).  Orientation follows FITS, as the map view: pixel (0, 0) at
 * the bottom-left of its thumbnail.
 *
 * Layout of a drawing of width × height (pixels): the colour bar takes
 * DARKMAP_UNIVERSES_BAR_WIDTH at the right; the rest holds columns =
 * ceil(sqrt(n)) and rows = ceil(n / columns) square cells of one side,
 * DARKMAP_UNIVERSES_GAP apart and from the edges, as large as fit,
 * centred; map k is in row k / columns, column k % columns from the
 * top-left.  Hovering outlines a thumbnail; clicking one emits "activated"
 * (int index). */
#pragma once

#include <gtk/gtk.h>

#include <darkmap/map.h>

#include "darkmap-colormap.h"

G_BEGIN_DECLS

#define DARKMAP_UNIVERSES_BAR_WIDTH 72.0
#define DARKMAP_UNIVERSES_GAP 6.0

#define DARKMAP_TYPE_UNIVERSES_GRID (darkmap_universes_grid_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapUniversesGrid, darkmap_universes_grid, DARKMAP, UNIVERSES_GRID,
                      GtkWidget)

GtkWidget *darkmap_universes_grid_new (void);

/* Shows a copy of every plane of maps (NULL clears the grid).  FALSE with
 * error set (the grid unchanged) when the copy cannot be made. */
gboolean darkmap_universes_grid_set_maps (DarkmapUniversesGrid *self, const DmMap *maps,
                                          DmError **error);
/* The grid's copy, or NULL. */
const DmMap *darkmap_universes_grid_get_maps (DarkmapUniversesGrid *self);

/* The colour scale in use (see above); FALSE without maps. */
gboolean darkmap_universes_grid_get_limits (DarkmapUniversesGrid *self, double *lo, double *hi);

void darkmap_universes_grid_set_colormap (DarkmapUniversesGrid *self, DarkmapColormap cmap);
DarkmapColormap darkmap_universes_grid_get_colormap (DarkmapUniversesGrid *self);

/* The cell of map k in a drawing of width × height (x, y its top-left
 * corner, side its side); FALSE for k outside the maps or a size too
 * small. */
gboolean darkmap_universes_grid_cell (DarkmapUniversesGrid *self, int width, int height, int k,
                                      double *x, double *y, double *side);
/* The map whose thumbnail holds position (vx, vy), or −1. */
int darkmap_universes_grid_index_at (DarkmapUniversesGrid *self, int width, int height,
                                     double vx, double vy);

/* Draws the whole grid into cr over (0, 0, width, height). */
void darkmap_universes_grid_render (DarkmapUniversesGrid *self, cairo_t *cr, int width,
                                    int height);

G_END_DECLS
