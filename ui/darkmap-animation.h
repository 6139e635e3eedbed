/* Flip-book animation of posterior samples: the planes of a map written as
 * an animated WebP (libwebp's WebPAnimEncoder, lossless, looping forever).
 *
 * Every frame is drawn as the map view draws the map: the same colour map
 * and stretch with the same limits for all frames (so what moves is the
 * uncertainty), north up (map row 0 at the bottom of the image, as in
 * DarkmapMapView), NaN pixels in the view's backdrop grey and unobserved
 * pixels under the view's mask shading.  Pixels are enlarged by nearest
 * neighbour, without the view's axes or colour bar.
 *
 * Lossless keeps the colours exact: a decoded pixel is the colour map's
 * colour of its value.  Consecutive identical frames are merged by the
 * encoder into one longer frame.  Uses no GTK, so it may run on a worker
 * thread. */
#pragma once

#include <gio/gio.h>

#include <darkmap/map.h>

#include "darkmap-colormap.h"

G_BEGIN_DECLS

/* Frame rates accepted (frames per second). */
#define DARKMAP_ANIMATION_MIN_FPS 0.01
#define DARKMAP_ANIMATION_MAX_FPS 100.0

/* Writes the samples->nplanes planes of samples (K >= 1 frames, plane k
 * shown from round(k × 1000 / fps) ms) to path as an animated WebP.
 * mask: NULL, or a map of the samples' size whose plane 0 is 0 where there
 * are no data.  stretch: NULL for linear.  lo < hi: the colour limits, both
 * finite.  width: the image's width in pixels, 0 for one pixel per map
 * pixel; the height keeps the map's aspect (rounded, at least 1), and
 * neither may exceed WebP's 16383.  cancellable is checked between frames.
 *
 * The file is written atomically (darkmap/atomic-file.h): on failure
 * (G_IO_ERROR_CANCELLED when cancelled) or when the process is killed no
 * file is left and a file already at path is untouched. */
gboolean darkmap_animation_write_webp (const char *path, const DmMap *samples,
                                       const DmMap *mask, DarkmapColormap colormap,
                                       const DarkmapStretch *stretch, double lo, double hi,
                                       double frames_per_second, int width,
                                       GCancellable *cancellable, GError **error);

G_END_DECLS
