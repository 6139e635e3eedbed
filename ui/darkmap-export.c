/* Exporting the map view as PNG, SVG or PDF (see darkmap-export.h). */
#include "darkmap-export.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <glib/gi18n.h>
#include <math.h>

#include "darkmap/atomic-file.h"
#include "darkmap-job.h"

gboolean
darkmap_export_format_from_path (const char *path, DarkmapExportFormat *format, GError **error)
{
  static const struct { const char *suffix; DarkmapExportFormat format; } formats[] = {
    { ".png", DARKMAP_EXPORT_PNG },
    { ".svg", DARKMAP_EXPORT_SVG },
    { ".pdf", DARKMAP_EXPORT_PDF },
  };
  const char *dot = strrchr (path, '.');

  for (gsize i = 0; dot != NULL && i < G_N_ELEMENTS (formats); i++)
    if (g_ascii_strcasecmp (dot, formats[i].suffix) == 0)
      {
        *format = formats[i].format;
        return TRUE;
      }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               _("Cannot export %s: the name must end in .png, .svg or .pdf."), path);
  return FALSE;
}

static gboolean
cairo_failed (cairo_status_t status, const char *path, GError **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return FALSE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot write %s: %s."), path,
               cairo_status_to_string (status));
  return TRUE;
}

/* Draws view onto surface at scale; FALSE on any cairo error. */
static gboolean
draw (DarkmapMapView *view, cairo_surface_t *surface, double scale, int width, int height,
      const char *path, GError **error)
{
  cairo_t *cr;
  gboolean ok;

  if (cairo_failed (cairo_surface_status (surface), path, error))
    return FALSE;
  cr = cairo_create (surface);
  cairo_scale (cr, scale, scale);
  darkmap_map_view_render (view, cr, width, height);
  ok = !cairo_failed (cairo_status (cr), path, error);
  cairo_destroy (cr);
  return ok;
}

/* Completes a vector surface's file; FALSE when cairo could not write it. */
static gboolean
finish (cairo_surface_t *surface, const char *path, GError **error)
{
  cairo_surface_finish (surface);
  return !cairo_failed (cairo_surface_status (surface), path, error);
}

/* cairo's output: the file being written, and the first failure to write
 * to it (whose system reason beats cairo's "error while writing"). */
typedef struct
{
  DmAtomicFile *file;
  DmError *error;
} ExportStream;

static cairo_status_t
write_to_stream (void *closure, const unsigned char *data, unsigned int length)
{
  ExportStream *stream = closure;

  if (stream->error == NULL && dm_atomic_file_write (stream->file, data, length, &stream->error))
    return CAIRO_STATUS_SUCCESS;
  return CAIRO_STATUS_WRITE_ERROR;
}

/* Writes path atomically with write (data: its own) through a stream;
 * FALSE with error set when any of it fails. */
static gboolean
write_atomically (const char *path,
                  gboolean (*write) (gconstpointer data, ExportStream *stream, GError **error),
                  gconstpointer data, GError **error)
{
  DmError *dm_error = NULL;
  ExportStream stream = { NULL, NULL };
  gboolean ok;

  stream.file = dm_atomic_file_new (path, &dm_error);
  if (stream.file == NULL)
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  ok = write (data, &stream, error);
  if (stream.error != NULL)
    {
      /* The system's reason, not cairo's "error while writing". */
      g_clear_error (error);
      darkmap_propagate_engine_error (error, g_steal_pointer (&stream.error));
      ok = FALSE;
    }
  if (!ok)
    dm_atomic_file_abort (stream.file);
  else if (!dm_atomic_file_commit (stream.file, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      ok = FALSE;
    }
  return ok;
}

/* A PNG of the view: its drawing recorded at width × height (logical
 * pixels), to be rasterised at dpi and encoded on any thread (cairo
 * snapshots the images the recording uses). */
struct _DarkmapExportDrawing
{
  char *path;
  cairo_surface_t *recording;
  int width, height;
  double dpi;
};

void
darkmap_export_drawing_free (DarkmapExportDrawing *drawing)
{
  if (drawing == NULL)
    return;
  g_free (drawing->path);
  g_clear_pointer (&drawing->recording, cairo_surface_destroy);
  g_free (drawing);
}

DarkmapExportDrawing *
darkmap_export_drawing_new (DarkmapMapView *view, const char *path, int width, int height,
                            double dpi, GError **error)
{
  g_autoptr (DarkmapExportDrawing) drawing = NULL;

  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (view), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (width > 0 && height > 0 && dpi > 0.0, NULL);

  drawing = g_new0 (DarkmapExportDrawing, 1);
  drawing->path = g_strdup (path);
  drawing->width = width;
  drawing->height = height;
  drawing->dpi = dpi;
  drawing->recording =
    cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA,
                                    &(cairo_rectangle_t){ 0.0, 0.0, width, height });
  if (!draw (view, drawing->recording, 1.0, width, height, path, error))
    return NULL;
  return g_steal_pointer (&drawing);
}

/* The recorded drawing rasterised and encoded to the stream. */
static gboolean
write_png (gconstpointer data, ExportStream *stream, GError **error)
{
  const DarkmapExportDrawing *drawing = data;
  double scale = drawing->dpi / 96.0;
  cairo_surface_t *image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                       (int) lround (drawing->width * scale),
                                                       (int) lround (drawing->height * scale));
  cairo_t *cr;
  gboolean ok = !cairo_failed (cairo_surface_status (image), drawing->path, error);

  if (ok)
    {
      cr = cairo_create (image);
      cairo_scale (cr, scale, scale);
      cairo_set_source_surface (cr, drawing->recording, 0.0, 0.0);
      cairo_paint (cr);
      ok = !cairo_failed (cairo_status (cr), drawing->path, error);
      cairo_destroy (cr);
    }
  ok = ok && !cairo_failed (cairo_surface_write_to_png_stream (image, write_to_stream, stream),
                            drawing->path, error);
  cairo_surface_destroy (image);
  return ok;
}

gboolean
darkmap_export_drawing_write (const DarkmapExportDrawing *drawing, GError **error)
{
  g_return_val_if_fail (drawing != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return write_atomically (drawing->path, write_png, drawing, error);
}

/* An SVG or PDF of the view, drawn straight into the stream (vectors). */
typedef struct
{
  DarkmapMapView *view;
  const char *path;
  DarkmapExportFormat format;
  int width, height;
} VectorExport;

static gboolean
write_vector (gconstpointer data, ExportStream *stream, GError **error)
{
  const VectorExport *v = data;
  double w = v->width * 0.75, h = v->height * 0.75;
  cairo_surface_t *surface = v->format == DARKMAP_EXPORT_SVG
                               ? cairo_svg_surface_create_for_stream (write_to_stream, stream, w, h)
                               : cairo_pdf_surface_create_for_stream (write_to_stream, stream, w, h);
  gboolean ok = draw (v->view, surface, 0.75, v->width, v->height, v->path, error)
                && finish (surface, v->path, error);

  cairo_surface_destroy (surface);
  return ok;
}

gboolean
darkmap_export_view (DarkmapMapView *view, const char *path, DarkmapExportFormat format,
                     int width, int height, double dpi, GError **error)
{
  g_autoptr (DarkmapExportDrawing) drawing = NULL;
  VectorExport vector = { view, path, format, width, height };

  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (view), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0 && dpi > 0.0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (format != DARKMAP_EXPORT_PNG)
    return write_atomically (path, write_vector, &vector, error);
  drawing = darkmap_export_drawing_new (view, path, width, height, dpi, error);
  return drawing != NULL && darkmap_export_drawing_write (drawing, error);
}
