/* Translations: binds the "darkmap" gettext domain to its catalogues. */
#include "darkmap-i18n.h"

#include <locale.h>

#include <glib/gi18n.h>

/* Whether dir holds a catalogue of the domain for any language. */
static gboolean
has_catalogues (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *lang;

  if (d == NULL)
    return FALSE;
  while ((lang = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *mo = g_build_filename (dir, lang, "LC_MESSAGES",
                                              GETTEXT_PACKAGE ".mo", NULL);
      if (g_file_test (mo, G_FILE_TEST_IS_REGULAR))
        return TRUE;
    }
  return FALSE;
}

const char *
darkmap_i18n_init (void)
{
  static char *locale_dir = NULL;
  const char *env = g_getenv ("DARKMAP_LOCALEDIR");

  setlocale (LC_ALL, "");
  g_free (locale_dir);
  if (env != NULL && *env != '\0')
    locale_dir = g_strdup (env);
  else if (has_catalogues (DARKMAP_LOCALE_INSTALLED))
    locale_dir = g_strdup (DARKMAP_LOCALE_INSTALLED);
  else
    locale_dir = g_strdup (DARKMAP_LOCALE_BUILD);
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  return locale_dir;
}
