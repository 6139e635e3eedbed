/* DarkmapCompareView on two posteriors of a 64² TAN field (4 samples each,
 * different means): each view shows its result's layer pixel for pixel;
 * zoom and centre set on either view reach the other exactly; both use the
 * left map's limits (±max |mean|, [min, max] of the std); the pointer
 * moving over the left view (its motion controller, in a window on screen)
 * puts a cross hair at the same pixel on both, drawn over the map, and
 * leaving hides it; blinking shows one side at a time, alternating on the
 * timer with the views still locked, and stops when turned off (also
 * through compare.blink, the action B triggers). */
#include <math.h>

#include <darkmap/posterior.h>
#include <darkmap/wcs.h>

#include "darkmap-compare-view.h"
#include "darkmap-posterior-result.h"
#include "map-view-test-util.h"
#include "window-test-util.h"

#define N 64
#define K 4
#define WIDTH 400
#define HEIGHT 300
#define BLINK_MS 100

/* Sample k of posterior `which`: a gradient (steeper for which = 1) plus a
 * spread growing with x, so std and S/N are maps too. */
static float
sample_value (int which, int k, int x, int y)
{
  return (float) ((1.0 + which) * 0.01 * (x - 2.0 * y) + (k - 1.5) * 0.002 * (1.0 + x));
}

static DarkmapPosteriorResult *
make_result (const DmWcs *wcs, int which)
{
  DmError *error = NULL;
  DmMap *samples = dm_map_new (N, N, K, wcs, &error);
  DmPosterior *posterior;

  CHECK_OK (samples != NULL, error);
  for (int k = 0; k < K; k++)
    for (int y = 0; y < N; y++)
      for (int x = 0; x < N; x++)
        dm_map_plane (samples, k)[y * N + x] = sample_value (which, k, x, y);
  posterior = dm_posterior_new (NULL, samples, &error);
  CHECK_OK (posterior != NULL, error);
  return darkmap_posterior_result_new (posterior, NULL, NULL, -1.0, NULL);
}

static gboolean
same_map (const DmMap *a, const DmMap *b)
{
  return a != NULL && b != NULL && a->nx == b->nx && a->ny == b->ny
         && memcmp (a->data, b->data, dm_map_plane_size (a) * sizeof (float)) == 0;
}

static void
check_locked (DarkmapMapView *a, DarkmapMapView *b)
{
  double ax, ay, bx, by;

  darkmap_map_view_get_center (a, &ax, &ay);
  darkmap_map_view_get_center (b, &bx, &by);
  CHECK (darkmap_map_view_get_zoom (a) == darkmap_map_view_get_zoom (b));
  CHECK (ax == bx && ay == by);
}

static void
check_limits (DarkmapCompareView *compare, double lo, double hi)
{
  double clo, chi, llo, lhi, rlo, rhi;

  CHECK (darkmap_compare_view_get_limits (compare, &clo, &chi));
  CHECK (darkmap_map_view_get_limits (
    darkmap_compare_view_get_map_view (compare, DARKMAP_COMPARE_LEFT), &llo, &lhi));
  CHECK (darkmap_map_view_get_limits (
    darkmap_compare_view_get_map_view (compare, DARKMAP_COMPARE_RIGHT), &rlo, &rhi));
  CHECK (clo == lo && chi == hi);
  CHECK (llo == lo && lhi == hi && rlo == lo && rhi == hi);
}

static void
map_range (const DmMap *map, double *min, double *max)
{
  *min = INFINITY;
  *max = -INFINITY;
  for (size_t i = 0; i < dm_map_plane_size (map); i++)
    {
      *min = fmin (*min, map->data[i]);
      *max = fmax (*max, map->data[i]);
    }
}

static GtkEventController *
motion_controller (GtkWidget *widget)
{
  GListModel *controllers = gtk_widget_observe_controllers (widget);
  GtkEventController *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && found == NULL; i++)
    {
      GtkEventController *c = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_MOTION (c))
        found = c;
      g_object_unref (c);
    }
  g_object_unref (controllers);
  return found;
}

static guint32
pixel (cairo_surface_t *surface, int x, int y)
{
  const unsigned char *row = cairo_image_surface_get_data (surface)
                             + (size_t) y * (size_t) cairo_image_surface_get_stride (surface);

  return ((const guint32 *) (const void *) row)[x];
}

static void
check_crosshair (DarkmapCompareView *compare, GtkWidget *window)
{
  DarkmapMapView *left = darkmap_compare_view_get_map_view (compare, DARKMAP_COMPARE_LEFT);
  DarkmapMapView *right = darkmap_compare_view_get_map_view (compare, DARKMAP_COMPARE_RIGHT);
  GtkEventController *motion = motion_controller (GTK_WIDGET (left));
  int width, height;
  double vx, vy, lx, ly, rx, ry, cvx, cvy;
  int below;
  cairo_surface_t *plain, *crossed;

  CHECK (wait_for_frame (window));
  width = gtk_widget_get_width (GTK_WIDGET (left));
  height = gtk_widget_get_height (GTK_WIDGET (left));
  CHECK (motion != NULL && width > 0 && height > 0);
  if (motion == NULL)
    return;
  CHECK (!darkmap_map_view_get_crosshair (left, &lx, &ly));
  CHECK (!darkmap_map_view_get_crosshair (right, &rx, &ry));
  plain = render_view (left, WIDTH, HEIGHT);

  /* The pointer at the centre of map pixel (20, 30) of the left view. */
  CHECK (darkmap_map_view_pixel_to_view (left, width, height, 20.0, 30.0, &vx, &vy));
  g_signal_emit_by_name (motion, "motion", vx, vy);
  CHECK (darkmap_map_view_get_crosshair (left, &lx, &ly));
  CHECK (darkmap_map_view_get_crosshair (right, &rx, &ry));
  CHECK_CLOSE (lx, 20.0, 1e-9);
  CHECK_CLOSE (ly, 30.0, 1e-9);
  CHECK (rx == lx && ry == ly);

  /* Drawn: the vertical line changes the column through the pixel (40 px
   * below the horizontal line, inside the map), not one 10 px off. */
  crossed = render_view (left, WIDTH, HEIGHT);
  CHECK (darkmap_map_view_pixel_to_view (left, WIDTH, HEIGHT, lx, ly, &cvx, &cvy));
  below = (int) cvy + 40;
  CHECK (cvx > 0.0 && cvx + 10.0 < WIDTH && below < HEIGHT);
  CHECK (pixel (crossed, (int) floor (cvx), below) != pixel (plain, (int) floor (cvx), below));
  CHECK (pixel (crossed, (int) floor (cvx) + 10, below)
         == pixel (plain, (int) floor (cvx) + 10, below));
  cairo_surface_destroy (plain);
  cairo_surface_destroy (crossed);

  g_signal_emit_by_name (motion, "leave");
  CHECK (!darkmap_map_view_get_crosshair (left, &lx, &ly));
  CHECK (!darkmap_map_view_get_crosshair (right, &rx, &ry));
}

/* Iterates the main loop until the shown side changes; the time it took
 * (ms), or −1 past 5 s. */
static double
wait_for_blink (DarkmapCompareView *compare)
{
  DarkmapCompareSide shown = darkmap_compare_view_get_shown_side (compare);
  gint64 start = g_get_monotonic_time (), deadline = start + 5 * G_USEC_PER_SEC;

  while (darkmap_compare_view_get_shown_side (compare) == shown
         && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (darkmap_compare_view_get_shown_side (compare) == shown)
    return -1.0;
  return (g_get_monotonic_time () - start) / 1000.0;
}

static void
check_blink (DarkmapCompareView *compare)
{
  GtkWidget *left = GTK_WIDGET (darkmap_compare_view_get_map_view (compare, DARKMAP_COMPARE_LEFT));
  GtkWidget *right = GTK_WIDGET (darkmap_compare_view_get_map_view (compare, DARKMAP_COMPARE_RIGHT));
  double ms;
  gint64 until;

  CHECK (darkmap_compare_view_get_blink_interval (compare) == 500);
  darkmap_compare_view_set_blink_interval (compare, BLINK_MS);
  CHECK (darkmap_compare_view_get_blink_interval (compare) == BLINK_MS);

  CHECK (gtk_widget_activate_action (GTK_WIDGET (compare), "compare.blink", NULL));
  CHECK (darkmap_compare_view_get_blink (compare));
  CHECK (darkmap_compare_view_get_shown_side (compare) == DARKMAP_COMPARE_LEFT);
  CHECK (gtk_widget_is_visible (left) && !gtk_widget_is_visible (right));

  ms = wait_for_blink (compare);
  CHECK (ms >= BLINK_MS - 10 && ms < 5000);
  CHECK (darkmap_compare_view_get_shown_side (compare) == DARKMAP_COMPARE_RIGHT);
  CHECK (!gtk_widget_is_visible (left) && gtk_widget_is_visible (right));
  check_locked (DARKMAP_MAP_VIEW (left), DARKMAP_MAP_VIEW (right));

  ms = wait_for_blink (compare);
  CHECK (ms >= BLINK_MS - 10 && ms < 5000);
  CHECK (darkmap_compare_view_get_shown_side (compare) == DARKMAP_COMPARE_LEFT);
  CHECK (gtk_widget_is_visible (left) && !gtk_widget_is_visible (right));

  /* Off: both shown, and nothing alternates any more. */
  CHECK (gtk_widget_activate_action (GTK_WIDGET (compare), "compare.blink", NULL));
  CHECK (!darkmap_compare_view_get_blink (compare));
  until = g_get_monotonic_time () + 3 * BLINK_MS * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  CHECK (darkmap_compare_view_get_shown_side (compare) == DARKMAP_COMPARE_LEFT);
  CHECK (gtk_widget_is_visible (left) && gtk_widget_is_visible (right));
}

int
main (int argc, char **argv)
{
  DmWcs *wcs;
  GListStore *store;
  DarkmapPosteriorResult *a, *b;
  const DmPosterior *pa, *pb;
  GtkWidget *window;
  DarkmapCompareView *compare;
  DarkmapMapView *left, *right;
  double min, max;

  if (!gtk_init_check ())
    {
      fprintf (stderr, "no display: skipped\n");
      return DM_TEST_SKIP;
    }

  wcs = dm_wcs_new_grid (DM_PROJECTION_TAN, 150.0, 2.0, 1.0 / 60.0, N, N, true, NULL);
  CHECK (wcs != NULL);
  a = make_result (wcs, 0);
  b = make_result (wcs, 1);
  pa = darkmap_posterior_result_get_posterior (a);
  pb = darkmap_posterior_result_get_posterior (b);
  CHECK (pa->std != NULL && pb->std != NULL && !same_map (pa->mean, pb->mean));
  store = g_list_store_new (DARKMAP_TYPE_POSTERIOR_RESULT);
  g_list_store_append (store, a);
  g_list_store_append (store, b);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 600);
  compare = DARKMAP_COMPARE_VIEW (darkmap_compare_view_new ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (compare));
  left = darkmap_compare_view_get_map_view (compare, DARKMAP_COMPARE_LEFT);
  right = darkmap_compare_view_get_map_view (compare, DARKMAP_COMPARE_RIGHT);

  /* Each side its result's mean; the limits the left mean's ±max |κ|. */
  darkmap_compare_view_set_results (compare, G_LIST_MODEL (store));
  CHECK (darkmap_compare_view_get_selected (compare, DARKMAP_COMPARE_LEFT) == 0);
  CHECK (darkmap_compare_view_get_selected (compare, DARKMAP_COMPARE_RIGHT) == 1);
  CHECK (darkmap_compare_view_get_layer (compare) == DARKMAP_COMPARE_MEAN);
  CHECK (same_map (darkmap_map_view_get_map (left), pa->mean));
  CHECK (same_map (darkmap_map_view_get_map (right), pb->mean));
  map_range (pa->mean, &min, &max);
  check_limits (compare, -fmax (-min, max), fmax (-min, max));

  /* The lock: left to right, then right to left, exactly. */
  darkmap_map_view_set_zoom (left, 3.0);
  darkmap_map_view_set_center (left, 20.25, 40.5);
  CHECK (darkmap_map_view_get_zoom (right) == 3.0);
  check_locked (left, right);
  darkmap_map_view_zoom_at (right, WIDTH, HEIGHT, 1.7, 123.0, 77.0);
  CHECK (darkmap_map_view_get_zoom (left) == 3.0 * 1.7);
  check_locked (left, right);
  darkmap_map_view_reset_view (right);
  CHECK (darkmap_map_view_get_zoom (left) == 1.0);
  check_locked (left, right);

  /* Swapping the sides keeps the view and takes the new left's limits. */
  darkmap_map_view_set_zoom (left, 2.0);
  darkmap_compare_view_set_selected (compare, DARKMAP_COMPARE_LEFT, 1);
  darkmap_compare_view_set_selected (compare, DARKMAP_COMPARE_RIGHT, 0);
  CHECK (same_map (darkmap_map_view_get_map (left), pb->mean));
  CHECK (same_map (darkmap_map_view_get_map (right), pa->mean));
  CHECK (darkmap_map_view_get_zoom (left) == 2.0);
  check_locked (left, right);
  map_range (pb->mean, &min, &max);
  check_limits (compare, -fmax (-min, max), fmax (-min, max));

  /* The std layer on both, limits [min, max] of the left std. */
  darkmap_compare_view_set_layer (compare, DARKMAP_COMPARE_STD);
  CHECK (same_map (darkmap_map_view_get_map (left), pb->std));
  CHECK (same_map (darkmap_map_view_get_map (right), pa->std));
  map_range (pb->std, &min, &max);
  CHECK (min < max);
  check_limits (compare, min, max);
  darkmap_compare_view_set_limits (compare, -0.5, 2.0);
  check_limits (compare, -0.5, 2.0);
  darkmap_compare_view_set_layer (compare, DARKMAP_COMPARE_SIGNIFICANCE);
  CHECK (same_map (darkmap_map_view_get_map (left), pb->signif));
  CHECK (same_map (darkmap_map_view_get_map (right), pa->signif));
  darkmap_compare_view_set_layer (compare, DARKMAP_COMPARE_MEAN);

  gtk_window_present (GTK_WINDOW (window));
  check_crosshair (compare, window);
  check_blink (compare);

  /* No results: both views empty, no limits. */
  darkmap_compare_view_set_results (compare, NULL);
  CHECK (darkmap_map_view_get_map (left) == NULL && darkmap_map_view_get_map (right) == NULL);
  CHECK (!darkmap_compare_view_get_limits (compare, &min, &max));

  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (store);
  g_object_unref (a);
  g_object_unref (b);
  dm_wcs_free (wcs);
  return dm_test_result ();
}
