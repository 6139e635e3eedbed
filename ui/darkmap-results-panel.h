/* DarkmapResultsPanel: the posteriors of the open field, one row each (the
 * method, then the model, samples, device and time), with the buttons that
 * make (win.reconstruct), save (win.save-posterior) and remove
 * (win.remove-result) them.  Selecting a row selects the result the window
 * shows ("selected" property). */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-posterior-result.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_RESULTS_PANEL (darkmap_results_panel_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapResultsPanel, darkmap_results_panel, DARKMAP, RESULTS_PANEL, GtkBox)

/* results: a GListModel of DarkmapPosteriorResult (borrowed, referenced). */
void darkmap_results_panel_set_results (DarkmapResultsPanel *self, GListModel *results);

/* The selected result (borrowed) or NULL; selecting NULL clears. */
DarkmapPosteriorResult *darkmap_results_panel_get_selected (DarkmapResultsPanel *self);
void darkmap_results_panel_select (DarkmapResultsPanel *self, DarkmapPosteriorResult *result);

G_END_DECLS
