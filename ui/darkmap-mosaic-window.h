/* DarkmapMosaicWindow: a wide survey's mosaic (the FITS file darkmap-cli
 * mosaic writes, or any FITS file of 2-D images too large to show whole)
 * browsed without ever reading a whole plane.
 *
 * The window lists the file's images of the first image's size (a
 * mosaic's mean κ, STD, SIGNIF, COUNTS) from their headers, in the plane
 * chooser, and shows the one chosen as an overview binned f × f, f the
 * smallest factor that brings it to at most DARKMAP_MOSAIC_OVERVIEW_SIDE
 * pixels a side (darkmap/fits-region.h), binned on a worker thread behind
 * a progress bar (Cancel or Escape stops it).  Overviews read are kept for
 * going back.  When the view is zoomed in past the overview's resolution
 * (an overview pixel wider than a screen pixel) and shows at most
 * DARKMAP_MOSAIC_DETAIL_PIXELS pixels of the mosaic, the part shown is
 * read at full resolution on a worker and drawn over the overview at its
 * place, in the same colours (darkmap_map_view_take_detail).  Zooming and
 * panning read again once the view rests for DARKMAP_MOSAIC_DETAIL_DELAY_MS:
 * only the latest part is read, a read made stale is cancelled.
 *
 * The status line tells the mosaic's size, pixel scale, overview factor
 * and whether full resolution is shown; the pointer's readout gives its
 * sky position, the mosaic pixel under it and that pixel's value (or the
 * mean of its overview block).  The map view's keys work (+, -, 0,
 * arrows); Ctrl+W closes the window and stops its reads. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-map-view.h"

G_BEGIN_DECLS

#define DARKMAP_MOSAIC_OVERVIEW_SIDE 2048
#define DARKMAP_MOSAIC_DETAIL_PIXELS (8 * 1024 * 1024)
#define DARKMAP_MOSAIC_DETAIL_DELAY_MS 150

#define DARKMAP_TYPE_MOSAIC_WINDOW (darkmap_mosaic_window_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapMosaicWindow, darkmap_mosaic_window, DARKMAP, MOSAIC_WINDOW,
                      GtkApplicationWindow)

DarkmapMosaicWindow *darkmap_mosaic_window_new (GtkApplication *application);

/* Lists file's images (from their headers) and starts binning the first
 * one's overview.  FALSE with error, the window unchanged, when the file
 * cannot be read or holds no 2-D image.  A window opens one file. */
gboolean darkmap_mosaic_window_open (DarkmapMosaicWindow *self, GFile *file, GError **error);

/* Shows image index of the plane chooser (reading its overview first when
 * it has not been read). */
void darkmap_mosaic_window_set_plane (DarkmapMosaicWindow *self, int index);

/* The overview's binning factor f (0 before a file is open). */
int darkmap_mosaic_window_get_factor (DarkmapMosaicWindow *self);
/* TRUE while an overview or a full-resolution part is read, or waits to
 * be. */
gboolean darkmap_mosaic_window_is_busy (DarkmapMosaicWindow *self);

DarkmapMapView *darkmap_mosaic_window_get_map_view (DarkmapMosaicWindow *self);
/* The status line's and the pointer readout's labels. */
GtkLabel *darkmap_mosaic_window_get_status_label (DarkmapMosaicWindow *self);
GtkLabel *darkmap_mosaic_window_get_cursor_label (DarkmapMosaicWindow *self);

G_END_DECLS
