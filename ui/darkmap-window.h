/* DarkmapWindow: the main window.  Opens a shear catalogue, runs a
 * DarkmapJob on it and shows the convergence (kappa E) map; a failed or
 * cancelled job leaves the map shown before it.
 *
 * Actions: win.open, win.export-view (PNG, SVG or PDF by the name's
 * extension), win.export-fits (the kappa E map), win.cancel (enabled while a
 * job runs). */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-job.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_WINDOW (darkmap_window_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapWindow, darkmap_window, DARKMAP, WINDOW, GtkApplicationWindow)

DarkmapWindow *darkmap_window_new (GtkApplication *application);

/* Starts a job on file (what win.open does once a file is chosen).  A job
 * already running is cancelled.  When the job ends, "job-finished" is
 * emitted with NULL or the GError; an error other than a cancellation is
 * also shown in a dialog. */
void darkmap_window_open_file (DarkmapWindow *self, GFile *file);

gboolean darkmap_window_is_busy (DarkmapWindow *self);
/* The result shown, or NULL before the first successful job. */
const DarkmapResult *darkmap_window_get_result (DarkmapWindow *self);
/* Writes the kappa E map shown, with its WCS and metadata, as a FITS image
 * (what win.export-fits does once a file is chosen); FALSE before the first
 * successful job or when the engine cannot write it. */
gboolean darkmap_window_export_fits (DarkmapWindow *self, const char *path, GError **error);

/* The widget drawing the map. */
GtkWidget *darkmap_window_get_map_widget (DarkmapWindow *self);

/* Renders a mapped widget as it is drawn now (its snapshot through its
 * window's renderer); NULL when it has no size yet. */
GdkTexture *darkmap_widget_render (GtkWidget *widget);

G_END_DECLS
