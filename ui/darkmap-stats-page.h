/* DarkmapStatsPage: the window's Statistics page.  A DarkmapStatsView under
 * a bar with the statistic drawn (PDF, Peaks, Minima, V₀, V₁, V₂: the
 * stats.kind action, the "kind" property), a note while the posterior's
 * band is being measured and Export CSV… (win.export-statistics, the
 * window's), and the Emulator toggle: the band of the Emulated Universes
 * page's maps shown or hidden (the view's "show-emulator"). */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-stats-view.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_STATS_PAGE (darkmap_stats_page_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapStatsPage, darkmap_stats_page, DARKMAP, STATS_PAGE, GtkBox)

GtkWidget *darkmap_stats_page_new (void);

DarkmapStatsView *darkmap_stats_page_get_view (DarkmapStatsPage *self);

/* Shows text beside a spinner while something is measured; NULL hides it. */
void darkmap_stats_page_set_measuring (DarkmapStatsPage *self, const char *text);
/* Whether the spinner shows. */
gboolean darkmap_stats_page_is_measuring (DarkmapStatsPage *self);

/* The Emulator toggle: hidden without emulated maps (shown FALSE); shown,
 * sensitive when their band can be drawn (usable), with note as its
 * tooltip (what the band is, or why it cannot be drawn). */
void darkmap_stats_page_set_emulator (DarkmapStatsPage *self, gboolean shown, gboolean usable,
                                      const char *note);
/* The toggle (a GtkCheckButton). */
GtkWidget *darkmap_stats_page_get_emulator_toggle (DarkmapStatsPage *self);

G_END_DECLS
