/* DarkmapMapView: one plane of a DmMap on screen, with a colour bar, RA/Dec
 * grid, zoom and pan, an optional mask overlay and a cursor readout.
 *
 * Orientation follows FITS: pixel (0, 0) at the bottom-left, columns to the
 * right, rows going up, so RA runs the way the WCS says (to the left for
 * Darkmap's TAN grids).  The view keeps its own copies of the map and mask.
 *
 * Controls: scroll, pinch or +/- zoom (about the pointer for scroll, about
 * the fingers for a pinch), 0 resets, dragging or the arrow keys pan, clicking a cluster marker selects it and
 * opens a popover with its properties and a cutout of the map around it.
 *
 * Clusters: a GListModel of DarkmapCluster drawn over the map (rings sized
 * by log mass, labels; see darkmap-cluster-overlay.h) while the
 * "show-clusters" property is TRUE (the default).  Property
 * "selected-cluster" (DarkmapCluster or NULL) is highlighted.
 *
 * Overlays drawn over the map (and so in exports): contours of a map
 * (property "show-contours", FALSE by default; the paths are traced once per
 * darkmap_map_view_set_contours) and a whisker plot of a shear map
 * (darkmap-whiskers.h) with its key (a stick and its |g|) under the colour
 * bar.
 *
 * Signal "cursor-moved" (double ra, double dec, double x, double y,
 * double value): the pointer's sky position (degrees; NaN without a WCS),
 * zero-based pixel position and the value of the pixel under it (of the
 * detail where one covers it); all five are NaN when the pointer leaves
 * the map.
 *
 * Signal "view-changed" (no arguments): the zoom or the centre changed
 * (by the user or a setter), so that another view can follow. */
#pragma once

#include <gtk/gtk.h>

#include <darkmap/map.h>

#include "darkmap-cluster.h"
#include "darkmap-colormap.h"
#include "darkmap-contours.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_MAP_VIEW (darkmap_map_view_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapMapView, darkmap_map_view, DARKMAP, MAP_VIEW, GtkWidget)

GtkWidget *darkmap_map_view_new (void);

/* Copies map (all planes; NULL clears the view) and shows plane 0.  FALSE
 * with error set when the copy cannot be made. */
gboolean darkmap_map_view_set_map (DarkmapMapView *self, const DmMap *map, DmError **error);
/* Shows plane k of the map (0 <= k < nplanes). */
void darkmap_map_view_set_plane (DarkmapMapView *self, int plane);
int darkmap_map_view_get_plane (DarkmapMapView *self);
/* The view's copy of the map, or NULL. */
const DmMap *darkmap_map_view_get_map (DarkmapMapView *self);

/* A map at a finer resolution drawn over part of the map (a mosaic's
 * full-resolution pixels over its overview), taken (owned by the view;
 * NULL removes it).  The map's pixel k spans coordinates [k − ½, k + ½];
 * detail pixel (i, j) spans [x0 + i / scale, x0 + (i + 1) / scale] ×
 * [y0 + j / scale, y0 + (j + 1) / scale]: (x0, y0) is the lower-left corner
 * of the detail, scale its pixels per map pixel.  Plane 0 is drawn in the
 * map's colours and limits, over the map and under its overlays; where it
 * covers the pointer, "cursor-moved" reports its value.  A new map or
 * plane removes it. */
void darkmap_map_view_take_detail (DarkmapMapView *self, DmMap *detail, double x0, double y0,
                                   double scale);
/* The detail shown, or NULL; its corner and scale in x0, y0, scale (any
 * may be NULL). */
const DmMap *darkmap_map_view_get_detail (DarkmapMapView *self, double *x0, double *y0,
                                          double *scale);
/* The value shown at map position (x, y) (zero-based, may be fractional):
 * the detail's pixel there, else the map's; NaN off the map.  What
 * "cursor-moved" reports for the pointer. */
double darkmap_map_view_value_at (DarkmapMapView *self, double x, double y);

/* A whisker plot of shear (2 planes, g1 and g2, of the map's size) over
 * the map, blocks weighted by counts (galaxies per pixel, or NULL; see
 * darkmap-whiskers.h); both copied.  NULL removes it.  FALSE with error set
 * when the sizes differ.  A map of another size removes it. */
gboolean darkmap_map_view_set_whiskers (DarkmapMapView *self, const DmMap *shear,
                                        const DmMap *counts, DmError **error);
gboolean darkmap_map_view_get_show_whiskers (DarkmapMapView *self);

/* Contours of plane 0 of map (the map's size) at n_levels levels, traced
 * now and kept; NULL removes them.  FALSE with error set when the sizes
 * differ.  A map of another size removes them. */
gboolean darkmap_map_view_set_contours (DarkmapMapView *self, const DmMap *map,
                                        const double *levels, int n_levels, DmError **error);
/* Contours traced already (on a worker) on a map of the map's size, owned
 * by the view; NULL removes them. */
void darkmap_map_view_take_contours (DarkmapMapView *self, DarkmapContours *contours);
/* The traced contours, or NULL. */
const DarkmapContours *darkmap_map_view_get_contours (DarkmapMapView *self);
void darkmap_map_view_set_show_contours (DarkmapMapView *self, gboolean show);
gboolean darkmap_map_view_get_show_contours (DarkmapMapView *self);

/* Grid labels in sexagesimal (RA in h m s, Dec in ° ′ ″) or in degrees (the
 * default). */
void darkmap_map_view_set_sexagesimal (DarkmapMapView *self, gboolean sexagesimal);
gboolean darkmap_map_view_get_sexagesimal (DarkmapMapView *self);

/* A mask of the map's size (plane 0; 0 = unobserved, shaded), copied; NULL
 * removes it.  FALSE with error set when the sizes differ. */
gboolean darkmap_map_view_set_mask (DarkmapMapView *self, const DmMap *mask, DmError **error);

void darkmap_map_view_set_colormap (DarkmapMapView *self, DarkmapColormap cmap);
DarkmapColormap darkmap_map_view_get_colormap (DarkmapMapView *self);
void darkmap_map_view_set_stretch (DarkmapMapView *self, const DarkmapStretch *stretch);
void darkmap_map_view_get_stretch (DarkmapMapView *self, DarkmapStretch *stretch);

/* Fixed display limits (lo < hi), or automatic ones from the shown plane:
 * [min, max], or symmetric about zero for signed maps such as kappa. */
void darkmap_map_view_set_limits (DarkmapMapView *self, double lo, double hi);
void darkmap_map_view_set_auto_limits (DarkmapMapView *self, gboolean symmetric);
/* The limits in use; FALSE when there is nothing to show. */
gboolean darkmap_map_view_get_limits (DarkmapMapView *self, double *lo, double *hi);

void darkmap_map_view_set_show_grid (DarkmapMapView *self, gboolean show);

/* Zoom relative to the whole map fitting the view (1), clamped to
 * [0.25, 64]; the centre stays put. */
void darkmap_map_view_set_zoom (DarkmapMapView *self, double zoom);
double darkmap_map_view_get_zoom (DarkmapMapView *self);
/* The map pixel (zero-based, may be fractional) at the centre of the view. */
void darkmap_map_view_set_center (DarkmapMapView *self, double x, double y);
void darkmap_map_view_get_center (DarkmapMapView *self, double *x, double *y);
/* Zoom 1, map centred. */
void darkmap_map_view_reset_view (DarkmapMapView *self);
/* A thin cross hair through map pixel (x, y) (zero-based, may be
 * fractional) across the map area; NaN hides it (the default). */
void darkmap_map_view_set_crosshair (DarkmapMapView *self, double x, double y);
/* FALSE (x, y NaN) while it is hidden. */
gboolean darkmap_map_view_get_crosshair (DarkmapMapView *self, double *x, double *y);
/* Multiplies the zoom by factor (> 0; the result clamped as above) keeping
 * the map pixel at position (vx, vy) of a width × height drawing where it
 * is: what scrolling (about the pointer) and pinching (about the middle of
 * the fingers, factor the pinch's scale over the zoom it began at) do. */
void darkmap_map_view_zoom_at (DarkmapMapView *self, int width, int height, double factor,
                               double vx, double vy);

/* Between map pixel coordinates and positions in a drawing of
 * width × height (as darkmap_map_view_render makes; the widget's own size
 * on screen).  FALSE when no map is shown or the size is too small. */
gboolean darkmap_map_view_pixel_to_view (DarkmapMapView *self, int width, int height,
                                         double x, double y, double *vx, double *vy);
gboolean darkmap_map_view_view_to_pixel (DarkmapMapView *self, int width, int height,
                                         double vx, double vy, double *x, double *y);

/* The clusters to draw (a reference is kept; NULL removes them); the
 * selection is cleared. */
void darkmap_map_view_set_clusters (DarkmapMapView *self, GListModel *clusters);
GListModel *darkmap_map_view_get_clusters (DarkmapMapView *self);
void darkmap_map_view_set_show_clusters (DarkmapMapView *self, gboolean show);
gboolean darkmap_map_view_get_show_clusters (DarkmapMapView *self);
/* cluster: one of the view's clusters, or NULL.  A popover showing another
 * cluster is closed. */
void darkmap_map_view_set_selected_cluster (DarkmapMapView *self, DarkmapCluster *cluster);
DarkmapCluster *darkmap_map_view_get_selected_cluster (DarkmapMapView *self);
/* The cluster whose marker holds position (vx, vy) of a drawing of width ×
 * height, or NULL (also while the clusters are hidden).  Not a new
 * reference. */
DarkmapCluster *darkmap_map_view_cluster_at (DarkmapMapView *self, int width, int height,
                                             double vx, double vy);
/* Selects cluster and opens the popover at its marker (what a click does)
 * when the marker is in view.  The popover follows the marker as the view
 * zooms and pans, and closes when it leaves the view. */
void darkmap_map_view_popup_cluster (DarkmapMapView *self, DarkmapCluster *cluster);
/* The DarkmapClusterPopover. */
GtkWidget *darkmap_map_view_get_cluster_popover (DarkmapMapView *self);

/* Draws map pixels x ± half_pixels, y ± half_pixels (zero-based, centred on
 * the pixel holding (x, y)) over the smaller side of width × height, in the
 * view's colours and mask shading, with a cross hair at (x, y). */
void darkmap_map_view_render_cutout (DarkmapMapView *self, cairo_t *cr, int width, int height,
                                     double x, double y, int half_pixels);

/* Grey level (0 to 1) of the backdrop behind the map, which shows through
 * NaN pixels. */
#define DARKMAP_MAP_VIEW_BACKDROP_GREY 0.85

/* Fills an ARGB32 buffer (cairo's layout) of nx × ny pixels, rows `stride`
 * bytes apart, with the shading the view draws over the map from
 * mask[y * nx + x]: buffer row y holds mask row y, unobserved pixels
 * (mask not above 0) 55 % grey at 50 % opacity, the others transparent. */
void darkmap_map_view_render_mask_shade (const float *mask, int nx, int ny, unsigned char *argb,
                                         int stride);

/* Draws the whole view (background, map, mask, grid and labels, clusters,
 * cross hair, colour bar)
 * into cr over (0, 0, width, height): the widget's snapshot, figure export
 * and tests all go through it. */
void darkmap_map_view_render (DarkmapMapView *self, cairo_t *cr, int width, int height);

G_END_DECLS
