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

static gboolean
write_file (DarkmapMapView *view, ExportStream *stream, const char *path,
            DarkmapExportFormat format, int width, int height, double dpi, GError **error)
{
  cairo_surface_t *surface;
  gboolean ok;

  switch (format)
    {
    case DARKMAP_EXPORT_PNG:
      {
        double scale = dpi / 96.0;

        surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                              (int) lround (width * scale),
                                              (int) lround (height * scale));
        ok = draw (view, surface, scale, width, height, path, error) &&
             !cairo_failed (cairo_surface_write_to_png_stream (surface, write_to_stream, stream),
                            path, error);
        break;
      }
    case DARKMAP_EXPORT_SVG:
      surface = cairo_svg_surface_create_for_stream (write_to_stream, stream, width * 0.75,
                                                     height * 0.75);
      ok = draw (view, surface, 0.75, width, height, path, error) &&
           finish (surface, path, error);
      break;
    case DARKMAP_EXPORT_PDF:
      surface = cairo_pdf_surface_create_for_stream (write_to_stream, stream, width * 0.75,
                                                     height * 0.75);
      ok = draw (view, surface, 0.75, width, height, path, error) &&
           finish (surface, path, error);
      break;
    default:
      g_return_val_if_reached (FALSE);
    }
  cairo_surface_destroy (surface);
  if (stream->error != NULL)
    {
      g_clear_error (error);
      darkmap_propagate_engine_error (error, stream->error);
      stream->error = NULL;
      ok = FALSE;
    }
  return ok;
}

gboolean
darkmap_export_view (DarkmapMapView *view, const char *path, DarkmapExportFormat format,
                     int width, int height, double dpi, GError **error)
{
  DmError *dm_error = NULL;
  ExportStream stream = { NULL, NULL };
  gboolean ok;

  g_return_val_if_fail (DARKMAP_IS_MAP_VIEW (view), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (width > 0 && height > 0 && dpi > 0.0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stream.file = dm_atomic_file_new (path, &dm_error);
  if (stream.file == NULL)
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  ok = write_file (view, &stream, path, format, width, height, dpi, error);
  if (!ok)
    dm_atomic_file_abort (stream.file);
  else if (!dm_atomic_file_commit (stream.file, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      ok = FALSE;
    }
  return ok;
}
