/* The flip-book animation of posterior samples, decoded back with libwebp's
 * WebPAnimDecoder: one frame per sample at the frame rate's times, the
 * canvas size, every pixel the colour map's colour of its value (lossless),
 * north up as in the map view, NaN in the backdrop grey, masked pixels
 * under the view's shading; refusals and failed writes leave no file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib/gstdio.h>
#include <webp/demux.h>

#include "test-util.h"

#include "darkmap-animation.h"
#include "darkmap-map-view.h"

#define NX 40
#define NY 30
#define K 5
#define SCALE 2 /* output pixels per map pixel */
#define LO 0.0
#define HI 1.0
#define FPS 3.0 /* 333.3 ms frames: the times round */

/* Map pixel (0, 0) is the brightest in every frame; (NX − 1, NY − 1) is
 * masked; (NX − 1, 0) is NaN. */
#define MASKED_X (NX - 1)
#define MASKED_Y (NY - 1)
#define NAN_X (NX - 1)
#define NAN_Y 0

/* K planes that differ, values in [0.1, 0.7] but for the special pixels. */
static DmMap *
make_samples (void)
{
  DmError *error = NULL;
  DmMap *map = dm_map_new (NX, NY, K, NULL, &error);

  CHECK_OK (map != NULL, error);
  for (int k = 0; k < K; k++)
    {
      float *plane = dm_map_plane (map, k);

      for (int y = 0; y < NY; y++)
        for (int x = 0; x < NX; x++)
          plane[y * NX + x] = (float) (0.1 + 0.6 * ((x * 7 + y * 13 + k * 5) % 17) / 16.0);
      plane[0] = 1.0f;
      plane[NAN_Y * NX + NAN_X] = NAN;
    }
  return map;
}

static DmMap *
make_mask (void)
{
  DmError *error = NULL;
  DmMap *mask = dm_map_new (NX, NY, 1, NULL, &error);

  CHECK_OK (mask != NULL, error);
  for (size_t i = 0; i < dm_map_plane_size (mask); i++)
    mask->data[i] = 1.0f;
  mask->data[MASKED_Y * NX + MASKED_X] = 0.0f;
  return mask;
}

/* The RGBA canvas pixel at output column u, row v (row 0 at the top). */
static const guint8 *
canvas_pixel (const guint8 *rgba, int width, int u, int v)
{
  return rgba + ((size_t) v * (size_t) width + (size_t) u) * 4;
}

/* The expected colour of map pixel (x, y) of plane k. */
static void
expected_colour (const DmMap *samples, int k, int x, int y, guint8 rgb[3])
{
  static const DarkmapStretch linear = { DARKMAP_STRETCH_LINEAR, 1.0 };
  double value = dm_map_plane (samples, k)[y * NX + x];

  if (x == NAN_X && y == NAN_Y)
    {
      rgb[0] = rgb[1] = rgb[2] = (guint8) lround (DARKMAP_MAP_VIEW_BACKDROP_GREY * 255.0);
      return;
    }
  darkmap_colormap_lookup (DARKMAP_COLORMAP_VIRIDIS,
                           darkmap_stretch_apply (&linear, LO, HI, value), rgb);
  if (x == MASKED_X && y == MASKED_Y)
    /* The shading, 0x80464646 premultiplied, over the colour. */
    for (int c = 0; c < 3; c++)
      rgb[c] = (guint8) lround (0x46 + rgb[c] * (255.0 - 0x80) / 255.0);
}

static WebPAnimDecoder *
open_decoder (const char *path, WebPData *data, WebPAnimInfo *info)
{
  WebPAnimDecoderOptions options;
  WebPAnimDecoder *decoder;
  gchar *bytes = NULL;
  gsize size = 0;

  WebPDataInit (data);
  if (!g_file_get_contents (path, &bytes, &size, NULL))
    return NULL;
  data->bytes = (const uint8_t *) bytes;
  data->size = size;
  WebPAnimDecoderOptionsInit (&options);
  options.color_mode = MODE_RGBA;
  decoder = WebPAnimDecoderNew (data, &options);
  if (decoder != NULL && !WebPAnimDecoderGetInfo (decoder, info))
    g_clear_pointer (&decoder, WebPAnimDecoderDelete);
  return decoder;
}

static void
close_decoder (WebPAnimDecoder *decoder, WebPData *data)
{
  WebPAnimDecoderDelete (decoder);
  g_free ((gpointer) data->bytes);
}

static void
test_frames (void)
{
  const char *path = dm_test_tmp_path ("samples.webp");
  DmMap *samples = make_samples (), *mask = make_mask ();
  GError *error = NULL;
  WebPAnimDecoder *decoder;
  WebPAnimInfo info;
  WebPData data;
  int frames = 0, wrong = 0;

  CHECK (darkmap_animation_write_webp (path, samples, mask, DARKMAP_COLORMAP_VIRIDIS, NULL, LO,
                                       HI, FPS, NX * SCALE, NULL, &error));
  g_assert_no_error (error);
  CHECK (dm_test_count_temporaries (path) == 0);
  decoder = open_decoder (path, &data, &info);
  CHECK (decoder != NULL);
  if (decoder == NULL)
    return;
  CHECK (info.canvas_width == NX * SCALE && info.canvas_height == NY * SCALE);
  CHECK (info.frame_count == K);
  CHECK (info.loop_count == 0);

  while (WebPAnimDecoderHasMoreFrames (decoder))
    {
      uint8_t *rgba;
      int timestamp;

      if (!WebPAnimDecoderGetNext (decoder, &rgba, &timestamp) || frames >= K)
        {
          CHECK (!"a frame too many or undecodable");
          break;
        }
      /* Each frame's timestamp is its end: round((k + 1) × 1000 / fps) ms. */
      CHECK (timestamp == (int) lround ((frames + 1) * 1000.0 / FPS));
      /* Every output pixel: map pixel (u / SCALE, NY − 1 − v / SCALE), north
       * up (map row 0 at the bottom, as in the map view). */
      for (int v = 0; v < NY * SCALE; v++)
        for (int u = 0; u < NX * SCALE; u++)
          {
            const guint8 *p = canvas_pixel (rgba, NX * SCALE, u, v);
            int x = u / SCALE, y = NY - 1 - v / SCALE;
            guint8 rgb[3];
            int tolerance = (x == MASKED_X && y == MASKED_Y) || (x == NAN_X && y == NAN_Y);

            expected_colour (samples, frames, x, y, rgb);
            for (int c = 0; c < 3; c++)
              wrong += abs (p[c] - rgb[c]) > tolerance;
            wrong += p[3] != 255;
          }
      /* The bright pixel, map (0, 0), is at the bottom-left corner. */
      {
        const guint8 *corner = canvas_pixel (rgba, NX * SCALE, 0, NY * SCALE - 1);
        const guint8 (*viridis)[3] = darkmap_colormap_table (DARKMAP_COLORMAP_VIRIDIS);

        CHECK (corner[0] == viridis[255][0] && corner[1] == viridis[255][1] &&
               corner[2] == viridis[255][2]);
      }
      frames++;
    }
  CHECK (frames == K);
  CHECK (wrong == 0);
  close_decoder (decoder, &data);
  g_unlink (path);
  dm_map_free (samples);
  dm_map_free (mask);
}

/* Width 0: one pixel per map pixel; a single sample is one frame. */
static void
test_own_size (void)
{
  const char *path = dm_test_tmp_path ("one.webp");
  DmMap *samples = make_samples ();
  DmError *dm_error = NULL;
  DmMap *one = dm_map_copy_plane (samples, 2, &dm_error);
  GError *error = NULL;
  WebPAnimDecoder *decoder;
  WebPAnimInfo info;
  WebPData data;

  CHECK_OK (one != NULL, dm_error);
  CHECK (darkmap_animation_write_webp (path, one, NULL, DARKMAP_COLORMAP_MAGMA, NULL, LO, HI,
                                       10.0, 0, NULL, &error));
  g_assert_no_error (error);
  decoder = open_decoder (path, &data, &info);
  CHECK (decoder != NULL);
  if (decoder != NULL)
    {
      CHECK (info.canvas_width == NX && info.canvas_height == NY && info.frame_count == 1);
      close_decoder (decoder, &data);
    }
  g_unlink (path);
  dm_map_free (one);
  dm_map_free (samples);
}

static gboolean
file_holds (const char *path, const char *text)
{
  g_autofree char *contents = NULL;

  return g_file_get_contents (path, &contents, NULL, NULL) && strcmp (contents, text) == 0;
}

/* Refusals: no samples, limits, frame rate, a mask of another size, too
 * wide; a cancelled write and a missing directory.  An existing file stays
 * as it was and no temporary file is left. */
static void
test_refusals (void)
{
  g_autofree char *path = g_strdup (dm_test_tmp_path ("existing.webp"));
  g_autofree char *missing = g_strdup (dm_test_tmp_path ("no-such-directory/samples.webp"));
  DmMap *samples = make_samples ();
  DmMap none = *samples;
  DmError *dm_error = NULL;
  DmMap *small_mask = dm_map_new (NX / 2, NY, 1, NULL, &dm_error);
  GCancellable *cancellable = g_cancellable_new ();
  GError *error = NULL;
  static const struct { double lo, hi, fps; int width; } bad[] = {
    { 0.5, 0.5, FPS, 0 },         /* lo == hi */
    { 1.0, 0.0, FPS, 0 },         /* lo > hi */
    { NAN, 1.0, FPS, 0 },         /* not finite */
    { LO, HI, 0.0, 0 },           /* no frame rate */
    { LO, HI, 1000.0, 0 },        /* too fast */
    { LO, HI, FPS, 20000 },       /* wider than WebP allows */
  };

  CHECK_OK (small_mask != NULL, dm_error);
  CHECK (g_file_set_contents (path, "old", -1, NULL));
  none.nplanes = 0;
  CHECK (!darkmap_animation_write_webp (path, &none, NULL, DARKMAP_COLORMAP_VIRIDIS, NULL, LO,
                                        HI, FPS, 0, NULL, &error));
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);
  for (size_t i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      CHECK (!darkmap_animation_write_webp (path, samples, NULL, DARKMAP_COLORMAP_VIRIDIS, NULL,
                                            bad[i].lo, bad[i].hi, bad[i].fps, bad[i].width,
                                            NULL, &error));
      CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
      g_clear_error (&error);
    }
  CHECK (!darkmap_animation_write_webp (path, samples, small_mask, DARKMAP_COLORMAP_VIRIDIS,
                                        NULL, LO, HI, FPS, 0, NULL, &error));
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  CHECK (!darkmap_animation_write_webp (path, samples, NULL, DARKMAP_COLORMAP_VIRIDIS, NULL, LO,
                                        HI, FPS, 0, cancellable, &error));
  CHECK (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&error);
  CHECK (file_holds (path, "old"));
  CHECK (dm_test_count_temporaries (path) == 0);

  CHECK (!darkmap_animation_write_webp (missing, samples, NULL, DARKMAP_COLORMAP_VIRIDIS, NULL,
                                        LO, HI, FPS, 0, NULL, &error));
  CHECK (error != NULL && error->message[0] != '\0');
  if (error != NULL)
    printf ("expected failure: %s\n", error->message);
  g_clear_error (&error);
  CHECK (!g_file_test (missing, G_FILE_TEST_EXISTS));

  /* The same path written for real replaces the old file. */
  CHECK (darkmap_animation_write_webp (path, samples, NULL, DARKMAP_COLORMAP_VIRIDIS, NULL, LO,
                                       HI, FPS, 0, NULL, &error));
  g_assert_no_error (error);
  CHECK (!file_holds (path, "old"));
  CHECK (dm_test_count_temporaries (path) == 0);

  g_unlink (path);
  g_object_unref (cancellable);
  dm_map_free (small_mask);
  dm_map_free (samples);
}

int
main (void)
{
  test_frames ();
  test_own_size ();
  test_refusals ();
  return dm_test_result ();
}
