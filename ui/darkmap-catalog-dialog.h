/* DarkmapCatalogDialog: before a shear catalogue is read, shows its tables
 * and columns, proposes the RA, Dec, e1, e2 and weight columns (the engine's
 * guesses), and the grid (size, pixel scale, centre, projection, e2 sign),
 * and lets the user correct them. */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-job.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_CATALOG_DIALOG (darkmap_catalog_dialog_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapCatalogDialog, darkmap_catalog_dialog, DARKMAP, CATALOG_DIALOG,
                      GtkWindow)

/* Lists the tables of file (a local FITS file) and proposes settings
 * starting from defaults (grid size, pixel scale, smoothing).  NULL with
 * error when the file cannot be read or holds no table.  Like every
 * toplevel, the dialog belongs to GTK until it is closed (not shown yet). */
DarkmapCatalogDialog *darkmap_catalog_dialog_new (GtkWindow *parent, GFile *file,
                                                  const DarkmapJobSettings *defaults,
                                                  GError **error);

GFile *darkmap_catalog_dialog_get_file (DarkmapCatalogDialog *self);

/* The choices as job settings (columns by name, the table's HDU). */
void darkmap_catalog_dialog_get_settings (DarkmapCatalogDialog *self,
                                          DarkmapJobSettings *settings);

/* TRUE when RA, Dec, e1 and e2 each have a column. */
gboolean darkmap_catalog_dialog_is_complete (DarkmapCatalogDialog *self);

/* Emits "accepted" (once, when complete) and closes the dialog; what the
 * Reconstruct button does.  FALSE when incomplete. */
gboolean darkmap_catalog_dialog_accept (DarkmapCatalogDialog *self);

/* The choosers (for tests): tables, and one per DarkmapColumn. */
GtkDropDown *darkmap_catalog_dialog_get_table_chooser (DarkmapCatalogDialog *self);
GtkDropDown *darkmap_catalog_dialog_get_column_chooser (DarkmapCatalogDialog *self,
                                                        DarkmapColumn column);

G_END_DECLS
