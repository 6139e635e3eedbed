/* Exports a figure as the window's Export does (darkmap_export_view): a
 * 48 × 32 gradient map whose slope is argv[2], drawn 200 × 150 and written
 * to argv[1] (PNG, SVG or PDF by its suffix).  Exits 77 without a display. */
#include <stdlib.h>

#include <darkmap/wcs.h>

#include "darkmap-export.h"

#define NX 48
#define NY 32

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  DmError *dm_error = NULL;
  DarkmapExportFormat format;
  DarkmapMapView *view;
  DmWcs *wcs;
  DmMap *map;
  double slope;
  gboolean ok;

  if (argc != 3)
    {
      g_printerr ("usage: export-figure FILE SLOPE\n");
      return 2;
    }
  if (!gtk_init_check ())
    {
      g_printerr ("no display: skipped\n");
      return 77;
    }
  if (!darkmap_export_format_from_path (argv[1], &format, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  slope = atof (argv[2]);
  wcs = dm_wcs_new_grid (DM_PROJECTION_TAN, 150.0, 2.0, 1.0 / 60.0, NX, NY, true, NULL);
  map = dm_map_new (NX, NY, 1, wcs, NULL);
  view = g_object_ref_sink (DARKMAP_MAP_VIEW (darkmap_map_view_new ()));
  for (int y = 0; y < NY; y++)
    for (int x = 0; x < NX; x++)
      map->data[y * NX + x] = (float) (x + slope * y);
  ok = darkmap_map_view_set_map (view, map, &dm_error);
  if (!ok)
    g_printerr ("%s\n", dm_error->message);
  else if (!(ok = darkmap_export_view (view, argv[1], format, 200, 150, 96.0, &error)))
    g_printerr ("%s\n", error->message);
  dm_error_free (dm_error);
  g_object_unref (view);
  dm_map_free (map);
  dm_wcs_free (wcs);
  return ok ? 0 : 1;
}
