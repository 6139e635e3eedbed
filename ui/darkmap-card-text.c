/* A model card's Markdown as styled text in a GtkTextBuffer. */
#include "darkmap-card-text.h"

#include <string.h>

void
darkmap_card_text_create_tags (GtkTextBuffer *buffer)
{
  gtk_text_buffer_create_tag (buffer, "h1", "weight", PANGO_WEIGHT_BOLD, "scale", 1.4,
                              "pixels-above-lines", 6, "pixels-below-lines", 6, NULL);
  gtk_text_buffer_create_tag (buffer, "h2", "weight", PANGO_WEIGHT_BOLD, "scale", 1.2,
                              "pixels-above-lines", 8, "pixels-below-lines", 4, NULL);
  gtk_text_buffer_create_tag (buffer, "h3", "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "bold", "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "table", "family", "monospace", "wrap-mode",
                              GTK_WRAP_NONE, NULL);
  gtk_text_buffer_create_tag (buffer, "code", "family", "monospace", NULL);
}

/* text without Markdown's emphasis and code marks. */
static char *
without_marks (const char *text)
{
  GString *plain = g_string_new (NULL);

  for (const char *c = text; *c != '\0'; c++)
    if (*c != '`' && *c != '*')
      g_string_append_c (plain, *c);
  return g_string_free (plain, FALSE);
}

/* The cells of a table row "| a | b |", stripped and without marks. */
static char **
row_cells (const char *line)
{
  g_autofree char *inner = NULL;
  size_t n = strlen (line);
  char **cells;

  inner = g_strndup (line + 1, n > 1 && line[n - 1] == '|' ? n - 2 : n - 1);
  cells = g_strsplit (inner, "|", -1);
  for (char **cell = cells; *cell != NULL; cell++)
    {
      char *plain = without_marks (g_strstrip (*cell));

      g_free (*cell);
      *cell = plain;
    }
  return cells;
}

/* Whether the row is a header rule (cells of '-' and ':' only). */
static gboolean
is_rule (char **cells)
{
  for (char **cell = cells; *cell != NULL; cell++)
    if ((*cell)[strspn (*cell, "-: ")] != '\0')
      return FALSE;
  return TRUE;
}

/* A Markdown table (lines[0 … n − 1], each starting with '|') as aligned
 * monospace columns, its first row in bold. */
static void
insert_table (GtkTextBuffer *buffer, GtkTextIter *end, char **lines, guint n)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr (GArray) widths = g_array_new (FALSE, TRUE, sizeof (glong));

  for (guint i = 0; i < n; i++)
    {
      char **cells = row_cells (g_strstrip (lines[i]));

      if (is_rule (cells))
        {
          g_strfreev (cells);
          continue;
        }
      for (guint c = 0; cells[c] != NULL; c++)
        {
          glong width = g_utf8_strlen (cells[c], -1);

          if (c >= widths->len)
            g_array_set_size (widths, c + 1);
          g_array_index (widths, glong, c) = MAX (g_array_index (widths, glong, c), width);
        }
      g_ptr_array_add (rows, cells);
    }
  for (guint r = 0; r < rows->len; r++)
    {
      char **cells = g_ptr_array_index (rows, r);
      g_autoptr (GString) text = g_string_new (NULL);

      for (guint c = 0; cells[c] != NULL; c++)
        {
          g_string_append (text, cells[c]);
          if (cells[c + 1] != NULL)
            for (glong pad = g_utf8_strlen (cells[c], -1);
                 pad < g_array_index (widths, glong, c) + 2; pad++)
              g_string_append_c (text, ' ');
        }
      g_string_append_c (text, '\n');
      gtk_text_buffer_insert_with_tags_by_name (buffer, end, text->str, -1, "table",
                                                r == 0 ? "bold" : NULL, NULL);
    }
}

void
darkmap_card_text_render (GtkTextBuffer *buffer, const char *markdown)
{
  g_auto (GStrv) lines = g_strsplit (markdown, "\n", -1);
  gboolean in_fence = FALSE;
  GtkTextIter end;

  gtk_text_buffer_set_text (buffer, "", 0);
  gtk_text_buffer_get_end_iter (buffer, &end);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *trimmed = line + strspn (line, " \t");

      if (g_str_has_prefix (trimmed, "```"))
        {
          in_fence = !in_fence;
          continue;
        }
      if (in_fence)
        {
          gtk_text_buffer_insert_with_tags_by_name (buffer, &end, line, -1, "code", NULL);
          gtk_text_buffer_insert (buffer, &end, "\n", 1);
        }
      else if (trimmed[0] == '|')
        {
          guint n = 1;

          while (lines[i + n] != NULL && lines[i + n][strspn (lines[i + n], " \t")] == '|')
            n++;
          insert_table (buffer, &end, lines + i, n);
          i += n - 1;
        }
      else if (trimmed[0] == '#')
        {
          size_t level = strspn (trimmed, "#");
          g_autofree char *heading = without_marks (trimmed + level);
          const char *tag = level == 1 ? "h1" : level == 2 ? "h2" : "h3";

          gtk_text_buffer_insert_with_tags_by_name (buffer, &end, g_strstrip (heading), -1, tag,
                                                    NULL);
          gtk_text_buffer_insert (buffer, &end, "\n", 1);
        }
      else
        {
          /* A paragraph's lines run on, as Markdown reads them. */
          g_autofree char *plain = without_marks (trimmed);
          const char *next = lines[i + 1] != NULL ? lines[i + 1] + strspn (lines[i + 1], " \t")
                                                  : "";
          gboolean runs_on = trimmed[0] != '\0' && next[0] != '\0' && next[0] != '#'
                             && next[0] != '|' && !g_str_has_prefix (next, "```")
                             && !g_str_has_prefix (next, "- ");

          gtk_text_buffer_insert (buffer, &end, plain, -1);
          gtk_text_buffer_insert (buffer, &end, runs_on ? " " : "\n", 1);
        }
    }
}
