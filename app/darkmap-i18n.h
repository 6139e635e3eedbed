/* Translations: binds the "darkmap" gettext domain to its catalogues. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sets the locale from the environment and binds the domain: to the
 * installed catalogues when they exist, else to the build tree's (an
 * uninstalled darkmap), unless DARKMAP_LOCALEDIR names a folder.  Returns
 * the folder used. */
const char *darkmap_i18n_init (void);

G_END_DECLS
