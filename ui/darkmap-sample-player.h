/* DarkmapSamplePlayer: the flip-book of posterior samples: a slider over
 * samples 1 … K, a play button that steps through them at a chosen number
 * of frames per second (wrapping round), and the sample shown.  It only
 * holds the index; the window shows the sample when "index" changes. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DARKMAP_TYPE_SAMPLE_PLAYER (darkmap_sample_player_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapSamplePlayer, darkmap_sample_player, DARKMAP, SAMPLE_PLAYER,
                      GtkBox)

/* K samples (0: none; the player stops and is insensitive); the index is
 * kept when it is below K, else it becomes 0. */
void darkmap_sample_player_set_n_samples (DarkmapSamplePlayer *self, int n_samples);
int darkmap_sample_player_get_n_samples (DarkmapSamplePlayer *self);

/* The sample shown, 0-based (the "index" property). */
int darkmap_sample_player_get_index (DarkmapSamplePlayer *self);
void darkmap_sample_player_set_index (DarkmapSamplePlayer *self, int index);
/* The next (+1) or previous (−1) sample, wrapping round. */
void darkmap_sample_player_step (DarkmapSamplePlayer *self, int delta);

/* Playing the flip-book (the "playing" property) at "fps" frames/s. */
gboolean darkmap_sample_player_get_playing (DarkmapSamplePlayer *self);
void darkmap_sample_player_set_playing (DarkmapSamplePlayer *self, gboolean playing);
double darkmap_sample_player_get_fps (DarkmapSamplePlayer *self);

/* The slider (for tests). */
GtkScale *darkmap_sample_player_get_scale (DarkmapSamplePlayer *self);

G_END_DECLS
