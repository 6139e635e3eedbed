/* The display popover edits the map view's stretch and limits, shows them
 * when opened, and its automatic limits bring back the window's own. */
#include <math.h>

#include "darkmap-display-popover.h"
#include "window-test-util.h"

int
main (void)
{
  g_autoptr (DarkmapApplication) app = test_application ();
  DarkmapWindow *window;
  DarkmapDisplayPopover *popover;
  DarkmapMapView *view;
  DarkmapStretch stretch;
  double lo0 = 0.0, hi0 = 0.0, lo = 0.0, hi = 0.0;

  if (app == NULL)
    return DM_TEST_SKIP;
  window = demo_window (app);
  view = DARKMAP_MAP_VIEW (darkmap_window_get_map_widget (window));
  popover = DARKMAP_DISPLAY_POPOVER (darkmap_window_get_display_popover (window));
  CHECK (popover != NULL);
  if (popover == NULL)
    return dm_test_result ();

  /* The fields show the view: kappa's symmetric limits, linear. */
  CHECK (darkmap_map_view_get_limits (view, &lo0, &hi0));
  CHECK (lo0 < 0.0 && fabs (lo0 + hi0) < 1e-12);
  darkmap_display_popover_refresh (popover);
  CHECK_CLOSE (gtk_spin_button_get_value (darkmap_display_popover_get_low_spin (popover)), lo0,
               1e-9);
  CHECK_CLOSE (gtk_spin_button_get_value (darkmap_display_popover_get_high_spin (popover)), hi0,
               1e-9);
  CHECK (gtk_drop_down_get_selected (darkmap_display_popover_get_stretch_chooser (popover)) == 0);

  /* Asinh, softened at a tenth of the limit; then new limits. */
  gtk_drop_down_set_selected (darkmap_display_popover_get_stretch_chooser (popover), 1);
  darkmap_map_view_get_stretch (view, &stretch);
  CHECK (stretch.kind == DARKMAP_STRETCH_ASINH);
  CHECK_CLOSE (stretch.softening, 0.1 * hi0, 1e-9);
  gtk_spin_button_set_value (darkmap_display_popover_get_low_spin (popover), -0.01);
  gtk_spin_button_set_value (darkmap_display_popover_get_high_spin (popover), 0.02);
  CHECK (darkmap_map_view_get_limits (view, &lo, &hi));
  CHECK_CLOSE (lo, -0.01, 1e-9);
  CHECK_CLOSE (hi, 0.02, 1e-9);

  /* Automatic limits: the window's rule again, shown in the fields. */
  g_signal_emit_by_name (popover, "reset-limits");
  CHECK (darkmap_map_view_get_limits (view, &lo, &hi));
  CHECK_CLOSE (lo, lo0, 1e-12);
  CHECK_CLOSE (hi, hi0, 1e-12);
  gtk_window_destroy (GTK_WINDOW (window));
  return dm_test_result ();
}
