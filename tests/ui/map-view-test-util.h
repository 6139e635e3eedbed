/* Helpers for the tests that look at what a DarkmapMapView draws. */
#ifndef DARKMAP_MAP_VIEW_TEST_UTIL_H
#define DARKMAP_MAP_VIEW_TEST_UTIL_H

#include <cairo.h>

#include "darkmap-map-view.h"

/* The view rendered offscreen at width × height (an ARGB32 surface, owned
 * by the caller). */
static inline cairo_surface_t *
render_view (DarkmapMapView *view, int width, int height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);

  darkmap_map_view_render (view, cr, width, height);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

#endif
