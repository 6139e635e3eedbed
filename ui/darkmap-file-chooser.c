/* File choosers the windows share (darkmap-file-chooser.h). */
#include "darkmap-file-chooser.h"

#include <glib/gi18n.h>

GtkFileChooserNative *
darkmap_fits_image_chooser_new (const char *title, GtkWindow *parent)
{
  GtkFileChooserNative *chooser;
  g_autoptr (GtkFileFilter) fits = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (title, parent, GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                         _("_Cancel"));
  gtk_file_filter_set_name (fits, _("FITS images"));
  gtk_file_filter_add_suffix (fits, "fits");
  gtk_file_filter_add_suffix (fits, "fit");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), fits);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  return chooser;
}
