/* Exporting what a DarkmapMapView shows (map, colour bar, RA/Dec grid) as a
 * PNG, SVG or PDF file, drawn by darkmap_map_view_render.
 *
 * The file is written atomically (darkmap/atomic-file.h): it has no name
 * until complete, so a failure or a killed process leaves no file behind and
 * a file already at path as it was. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-map-view.h"

G_BEGIN_DECLS

typedef enum
{
  DARKMAP_EXPORT_PNG,
  DARKMAP_EXPORT_SVG,
  DARKMAP_EXPORT_PDF,
} DarkmapExportFormat;

/* The format named by path's extension (.png, .svg or .pdf, in any case);
 * FALSE with a G_IO_ERROR_NOT_SUPPORTED error for any other. */
gboolean darkmap_export_format_from_path (const char *path, DarkmapExportFormat *format,
                                          GError **error);

/* Writes view as laid out at width × height (logical pixels, 96 per inch).
 * A PNG has width × dpi / 96 by height × dpi / 96 pixels; an SVG or PDF is
 * width × height at 96 per inch, in points (dpi is not used). */
gboolean darkmap_export_view (DarkmapMapView *view, const char *path, DarkmapExportFormat format,
                              int width, int height, double dpi, GError **error);

/* A PNG export in two steps, so that it is rasterised and encoded off the
 * main thread: the view's drawing recorded now, on the main thread (a
 * fraction of a millisecond), then written on any thread.  NULL or FALSE
 * with error set on a failure. */
typedef struct _DarkmapExportDrawing DarkmapExportDrawing;

DarkmapExportDrawing *darkmap_export_drawing_new (DarkmapMapView *view, const char *path,
                                                  int width, int height, double dpi,
                                                  GError **error);
gboolean darkmap_export_drawing_write (const DarkmapExportDrawing *drawing, GError **error);
void darkmap_export_drawing_free (DarkmapExportDrawing *drawing);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DarkmapExportDrawing, darkmap_export_drawing_free)

G_END_DECLS
