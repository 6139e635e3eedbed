/* Animated WebP of posterior samples (see darkmap-animation.h). */
#include "darkmap-animation.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <webp/encode.h>
#include <webp/mux.h>

#include "darkmap/atomic-file.h"
#include "darkmap-job.h"
#include "darkmap-map-view.h"

/* Effort of the lossless encoder (0 fastest to 9 smallest). */
#define LOSSLESS_LEVEL 6

/* The cairo surfaces a frame is drawn with. */
typedef struct
{
  const DmMap *samples;
  DarkmapColormap colormap;
  DarkmapStretch stretch;
  double lo, hi;
  cairo_surface_t *colours; /* nx × ny: one plane through the colour map */
  cairo_surface_t *shade;   /* nx × ny mask shading, or NULL without a mask */
  cairo_surface_t *canvas;  /* width × height: the frame, opaque */
} Frames;

static gboolean
check_arguments (const DmMap *samples, const DmMap *mask, double lo, double hi,
                 double frames_per_second, int width, int height, GError **error)
{
  if (samples->nplanes < 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The animation needs at least one sample."));
      return FALSE;
    }
  if (!isfinite (lo) || !isfinite (hi) || !(lo < hi))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The animation’s colour limits must be finite, the lower below the "
                     "upper (they are %g and %g)."),
                   lo, hi);
      return FALSE;
    }
  if (!(frames_per_second >= DARKMAP_ANIMATION_MIN_FPS &&
        frames_per_second <= DARKMAP_ANIMATION_MAX_FPS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The animation’s frame rate must be between %g and %g frames per "
                     "second."),
                   DARKMAP_ANIMATION_MIN_FPS, DARKMAP_ANIMATION_MAX_FPS);
      return FALSE;
    }
  if (width > WEBP_MAX_DIMENSION || height > WEBP_MAX_DIMENSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("An animation of %d × %d pixels is too large: WebP images have at most "
                     "%d pixels on a side."),
                   width, height, WEBP_MAX_DIMENSION);
      return FALSE;
    }
  if (mask != NULL && (mask->nx != samples->nx || mask->ny != samples->ny))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The mask (%d × %d) does not match the samples (%d × %d)."), mask->nx,
                   mask->ny, samples->nx, samples->ny);
      return FALSE;
    }
  return TRUE;
}

static gboolean
surface_failed (cairo_surface_t *surface, GError **error)
{
  cairo_status_t status = cairo_surface_status (surface);

  if (status == CAIRO_STATUS_SUCCESS)
    return FALSE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("Cannot draw the animation’s frames: %s."), cairo_status_to_string (status));
  return TRUE;
}

static void
frames_clear (Frames *f)
{
  g_clear_pointer (&f->colours, cairo_surface_destroy);
  g_clear_pointer (&f->shade, cairo_surface_destroy);
  g_clear_pointer (&f->canvas, cairo_surface_destroy);
}

/* Makes the surfaces and the mask shading; FALSE (f cleared) when cairo
 * cannot allocate them. */
static gboolean
frames_init (Frames *f, const DmMap *mask, int width, int height, GError **error)
{
  int nx = f->samples->nx, ny = f->samples->ny;

  f->colours = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, nx, ny);
  f->canvas = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  if (mask != NULL)
    f->shade = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, nx, ny);
  if (surface_failed (f->colours, error) || surface_failed (f->canvas, error) ||
      (f->shade != NULL && surface_failed (f->shade, error)))
    {
      frames_clear (f);
      return FALSE;
    }
  if (f->shade != NULL)
    {
      cairo_surface_flush (f->shade);
      darkmap_map_view_render_mask_shade (dm_map_plane (mask, 0), nx, ny,
                                          cairo_image_surface_get_data (f->shade),
                                          cairo_image_surface_get_stride (f->shade));
      cairo_surface_mark_dirty (f->shade);
    }
  return TRUE;
}

/* Paints an nx × ny map surface over the whole canvas, map row 0 at the
 * bottom, each map pixel a block of nearest-neighbour pixels. */
static void
paint_map_surface (cairo_t *cr, const Frames *f, cairo_surface_t *surface)
{
  int height = cairo_image_surface_get_height (f->canvas);

  cairo_save (cr);
  cairo_translate (cr, 0.0, height);
  cairo_scale (cr, (double) cairo_image_surface_get_width (f->canvas) / f->samples->nx,
               -(double) height / f->samples->ny);
  cairo_set_source_surface (cr, surface, 0.0, 0.0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
}

/* Draws plane k onto the canvas. */
static void
frames_draw (Frames *f, int k)
{
  cairo_t *cr;

  cairo_surface_flush (f->colours);
  darkmap_colormap_render (f->colormap, &f->stretch, f->lo, f->hi,
                           dm_map_plane (f->samples, k), f->samples->nx, f->samples->ny,
                           cairo_image_surface_get_data (f->colours),
                           cairo_image_surface_get_stride (f->colours));
  cairo_surface_mark_dirty (f->colours);

  cr = cairo_create (f->canvas);
  cairo_set_source_rgb (cr, DARKMAP_MAP_VIEW_BACKDROP_GREY, DARKMAP_MAP_VIEW_BACKDROP_GREY,
                        DARKMAP_MAP_VIEW_BACKDROP_GREY);
  cairo_paint (cr);
  paint_map_surface (cr, f, f->colours);
  if (f->shade != NULL)
    paint_map_surface (cr, f, f->shade);
  cairo_destroy (cr);
  cairo_surface_flush (f->canvas);
}

/* Copies the canvas into a WebP picture (both 0xAARRGGBB words; the
 * canvas is opaque).  FALSE when the picture cannot be allocated. */
static gboolean
canvas_to_picture (cairo_surface_t *canvas, WebPPicture *picture)
{
  const unsigned char *data = cairo_image_surface_get_data (canvas);
  int stride = cairo_image_surface_get_stride (canvas);

  picture->use_argb = 1;
  picture->width = cairo_image_surface_get_width (canvas);
  picture->height = cairo_image_surface_get_height (canvas);
  if (!WebPPictureAlloc (picture))
    return FALSE;
  for (int y = 0; y < picture->height; y++)
    {
      const guint32 *row = (const guint32 *) (const void *) (data + (size_t) y * (size_t) stride);
      uint32_t *out = picture->argb + (size_t) y * (size_t) picture->argb_stride;

      for (int x = 0; x < picture->width; x++)
        out[x] = row[x] | 0xff000000u;
    }
  return TRUE;
}

static gboolean
encoder_failed (WebPAnimEncoder *encoder, GError **error)
{
  const char *detail = encoder != NULL ? WebPAnimEncoderGetError (encoder) : NULL;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot encode the animation: %s."),
               detail != NULL && *detail != '\0' ? detail : g_strerror (ENOMEM));
  return FALSE;
}

/* Milliseconds from the start to frame k. */
static int
frame_start_ms (int k, double frames_per_second)
{
  return (int) lround (k * 1000.0 / frames_per_second);
}

/* Draws and encodes every frame into webp (cleared by the caller). */
static gboolean
encode (Frames *f, double frames_per_second, GCancellable *cancellable, WebPData *webp,
        GError **error)
{
  int width = cairo_image_surface_get_width (f->canvas);
  int height = cairo_image_surface_get_height (f->canvas);
  int n = f->samples->nplanes;
  WebPAnimEncoderOptions options;
  WebPAnimEncoder *encoder;
  WebPConfig config;
  gboolean ok = TRUE;

  if (!WebPAnimEncoderOptionsInit (&options) || !WebPConfigInit (&config) ||
      !WebPConfigLosslessPreset (&config, LOSSLESS_LEVEL))
    return encoder_failed (NULL, error);
  options.anim_params.loop_count = 0; /* forever */
  if ((encoder = WebPAnimEncoderNew (width, height, &options)) == NULL)
    return encoder_failed (NULL, error);

  for (int k = 0; k < n && ok; k++)
    {
      WebPPicture picture;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      frames_draw (f, k);
      if (!WebPPictureInit (&picture) || !canvas_to_picture (f->canvas, &picture))
        ok = encoder_failed (NULL, error);
      else if (!WebPAnimEncoderAdd (encoder, &picture,
                                    frame_start_ms (k, frames_per_second), &config))
        ok = encoder_failed (encoder, error);
      WebPPictureFree (&picture);
    }
  /* The end of the last frame, then the file. */
  if (ok && (!WebPAnimEncoderAdd (encoder, NULL, frame_start_ms (n, frames_per_second), NULL) ||
             !WebPAnimEncoderAssemble (encoder, webp)))
    ok = encoder_failed (encoder, error);
  WebPAnimEncoderDelete (encoder);
  return ok;
}

/* webp written to path atomically (darkmap/atomic-file.h). */
static gboolean
write_file (const char *path, const WebPData *webp, GError **error)
{
  DmError *dm_error = NULL;
  DmAtomicFile *file = dm_atomic_file_new (path, &dm_error);

  if (file != NULL && !dm_atomic_file_write (file, webp->bytes, webp->size, &dm_error))
    {
      dm_atomic_file_abort (file);
      file = NULL;
    }
  if (file == NULL || !dm_atomic_file_commit (file, &dm_error))
    {
      darkmap_propagate_engine_error (error, dm_error);
      return FALSE;
    }
  return TRUE;
}

gboolean
darkmap_animation_write_webp (const char *path, const DmMap *samples, const DmMap *mask,
                              DarkmapColormap colormap, const DarkmapStretch *stretch,
                              double lo, double hi, double frames_per_second, int width,
                              GCancellable *cancellable, GError **error)
{
  static const DarkmapStretch linear = { DARKMAP_STRETCH_LINEAR, 1.0 };
  Frames f = { samples, colormap, stretch != NULL ? *stretch : linear, lo, hi, NULL, NULL,
               NULL };
  WebPData webp;
  int height;
  gboolean ok;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (samples != NULL, FALSE);
  g_return_val_if_fail ((unsigned) colormap < DARKMAP_COLORMAP_COUNT, FALSE);
  g_return_val_if_fail (width >= 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (width == 0)
    width = samples->nx;
  height = MAX (1, (int) lround ((double) width * samples->ny / samples->nx));
  if (!check_arguments (samples, mask, lo, hi, frames_per_second, width, height, error) ||
      !frames_init (&f, mask, width, height, error))
    return FALSE;

  WebPDataInit (&webp);
  ok = encode (&f, frames_per_second, cancellable, &webp, error);
  frames_clear (&f);
  ok = ok && write_file (path, &webp, error);
  WebPDataClear (&webp);
  return ok;
}
