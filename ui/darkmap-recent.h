/* Recently opened catalogues: GTK's recent-files list, filtered to the
 * files Darkmap opened, as a menu of win.open-recent items. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Records a catalogue that was read successfully. */
void darkmap_recent_add (GFile *file);

/* A menu of the most recent catalogues (newest first, at most 8 whose files
 * still exist), each activating "win.open-recent" with the file's URI.  It
 * follows the recent-files list as it changes. */
GMenuModel *darkmap_recent_menu_new (void);

G_END_DECLS
