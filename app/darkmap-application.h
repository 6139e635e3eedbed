/* DarkmapApplication: org.darkmap.Darkmap.
 *
 *   darkmap [FILE]                   opens FILE, or the bundled COSMOS demo
 *   darkmap --screenshot PNG [FILE]  renders the window once its first job
 *                                    has finished, saves it as PNG and quits
 *   --posterior POST.fits            shows a posterior file of that field
 *   --layer NAME                     shows a layer (win.layer's names)
 *   darkmap --mosaic MOSAIC.fits     browses a mosaic (darkmap-mosaic-window.h)
 *
 * Application actions: app.quit, app.open-mosaic (a FITS file chosen over
 * the active window, opened in a mosaic window). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DARKMAP_TYPE_APPLICATION (darkmap_application_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapApplication, darkmap_application, DARKMAP, APPLICATION,
                      GtkApplication)

DarkmapApplication *darkmap_application_new (void);

/* Non-zero when a --screenshot run failed; what main() returns after
 * g_application_run(). */
int darkmap_application_get_exit_status (DarkmapApplication *self);

/* A file or folder of Darkmap's data (relative to the data folder): under
 * $DARKMAP_DATA_DIR when set, else the installed data folder when the file
 * is there, else the source tree's data/ (uninstalled runs). */
char *darkmap_find_data_file (const char *relative);

/* Files of the data folder: the bundled COSMOS demo catalogue and the
 * theory C_ell table (the prior of the Wiener filter and the score). */
#define DARKMAP_DEMO_CATALOGUE "cosmos/cosmos_shear_schrabback2010.fits"
#define DARKMAP_THEORY "theory/ktng_cl_theory.csv"

G_END_DECLS
