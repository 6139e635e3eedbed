/* GTK's renderer on machines where no GPU draws (darkmap-renderer.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Asks GTK for its cairo renderer when the machine has no GPU device and
 * the user chose no renderer (GSK_RENDERER unset); call before the first
 * window is shown. */
void darkmap_choose_renderer (void);

G_END_DECLS
