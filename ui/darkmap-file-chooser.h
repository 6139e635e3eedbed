/* File choosers the windows share. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A modal chooser of a FITS image to open (*.fits, *.fit) titled title,
 * over parent (may be NULL).  The caller connects "response", shows it
 * and unrefs it when it responds. */
GtkFileChooserNative *darkmap_fits_image_chooser_new (const char *title, GtkWindow *parent);

G_END_DECLS
