/* GTK's renderer on machines where no GPU draws.
 *
 * GTK 4 draws through OpenGL when it can.  On a machine without a GPU (a
 * virtual machine, a remote desktop) that OpenGL is Mesa's software
 * rasteriser, under which every redraw of the window costs 30 to 57 ms of
 * main-loop stall and the demo map takes 0.40 s to show (2.0 s at worst),
 * against at most 14 ms and 0.23 s with GTK's cairo renderer on the same
 * machine (bench/README.md, "bench-app-responsiveness").  Where no GPU
 * device node exists, Darkmap therefore asks for the cairo renderer, unless
 * the user set GSK_RENDERER. */
#include "darkmap-renderer.h"

/* Whether the machine has a device a GPU driver draws with: a DRM node
 * (/dev/dri/card*, renderD*: Mesa's and NVIDIA's drivers) or NVIDIA's own
 * device (/dev/nvidia0). */
static gboolean
has_gpu_device (void)
{
  g_autoptr (GDir) dri = g_dir_open ("/dev/dri", 0, NULL);
  const char *name;

  if (g_file_test ("/dev/nvidia0", G_FILE_TEST_EXISTS))
    return TRUE;
  while (dri != NULL && (name = g_dir_read_name (dri)) != NULL)
    if (g_str_has_prefix (name, "card") || g_str_has_prefix (name, "renderD"))
      return TRUE;
  return FALSE;
}

void
darkmap_choose_renderer (void)
{
  if (g_getenv ("GSK_RENDERER") == NULL && !has_gpu_device ())
    g_setenv ("GSK_RENDERER", "cairo", FALSE);
}
