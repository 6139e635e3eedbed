/* A model card (Markdown, darkmap/model-card.h) as readable text in a
 * GtkTextBuffer: headings larger and bold, tables as aligned monospace
 * columns (the header row bold, the rule left out, not wrapped), fenced
 * code in monospace, a paragraph's lines run on, the emphasis and code
 * marks left out. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The tags the rendering uses ("h1", "h2", "h3", "bold", "table", "code"),
 * once per buffer. */
void darkmap_card_text_create_tags (GtkTextBuffer *buffer);

/* Replaces the buffer's text with markdown rendered. */
void darkmap_card_text_render (GtkTextBuffer *buffer, const char *markdown);

G_END_DECLS
