/* DarkmapTrainDashboard: a training as it runs, on the window's Training
 * page: its state (making the training maps, training, paused, a
 * checkpoint saved, finished, cancelled with its checkpoint kept, failed),
 * the step of the total, steps per second, the time left and the device
 * memory; the curves of every report: training and validation loss (for
 * the score priors with the theory score alone as a dashed baseline; log
 * axis), for MMGAN the validation r against the best Kaiser-Squires r
 * and the std calibration against its target 1, and for a CosmoGAN the
 * generator's and the discriminator's losses with the validation's mean
 * C_ell difference (log axis), the discriminator's mean output D on the
 * training and the generated maps (1/2: undecided) and the fractions of C_ell
 * bins, PDF and Minkowski points inside the training maps' 1-sigma scatter;
 * the buttons Pause/Resume, Checkpoint Now and Cancel, and once a model is
 * written "Reconstruct with This Model" (a CosmoGAN: "Draw Universes with
 * This Model").  An info bar counts the unfinished trainings that can be
 * resumed (its button activates win.train). */
#pragma once

#include <gtk/gtk.h>

#include "darkmap-train-job.h"
#include "darkmap-train-plot.h"

G_BEGIN_DECLS

#define DARKMAP_TYPE_TRAIN_DASHBOARD (darkmap_train_dashboard_get_type ())
G_DECLARE_FINAL_TYPE (DarkmapTrainDashboard, darkmap_train_dashboard, DARKMAP, TRAIN_DASHBOARD,
                      GtkBox)

/* Signals:
 *   "reconstruct" (const char *model_path)  the user asked to reconstruct
 *                 the open field with the trained model (a CosmoGAN: to
 *                 draw universes with it). */
GtkWidget *darkmap_train_dashboard_new (void);

/* Follows job (a reference is kept until the next job): its progress, each
 * report as it is published, its pause.  The curves start empty and take
 * the job's history so far. */
void darkmap_train_dashboard_set_job (DarkmapTrainDashboard *self, DarkmapTrainJob *job);
DarkmapTrainJob *darkmap_train_dashboard_get_job (DarkmapTrainDashboard *self);

/* The job's end: result on success (NULL otherwise), the error otherwise
 * (G_IO_ERROR_CANCELLED for a cancellation), and the step of the
 * checkpoint left on disk (-1: none). */
void darkmap_train_dashboard_set_finished (DarkmapTrainDashboard *self,
                                           const DmTrainResult *result, const GError *error,
                                           gint64 checkpoint_step);

/* Shows (n > 0) or hides the info bar of the unfinished trainings. */
void darkmap_train_dashboard_set_n_unfinished (DarkmapTrainDashboard *self, guint n);

/* What the dashboard shows, for tests: the state line, the training-loss
 * curve's points (one per reported step; a CosmoGAN's generator loss) and
 * its last step (-1: none), and the plots (loss, r, std calibration; a
 * CosmoGAN's losses, D and points inside the scatter). */
const char *darkmap_train_dashboard_get_state_text (DarkmapTrainDashboard *self);
guint darkmap_train_dashboard_get_n_points (DarkmapTrainDashboard *self);
gint64 darkmap_train_dashboard_get_last_step (DarkmapTrainDashboard *self);
DarkmapTrainPlot *darkmap_train_dashboard_get_loss_plot (DarkmapTrainDashboard *self);
DarkmapTrainPlot *darkmap_train_dashboard_get_r_plot (DarkmapTrainDashboard *self);
DarkmapTrainPlot *darkmap_train_dashboard_get_std_plot (DarkmapTrainDashboard *self);
DarkmapTrainPlot *darkmap_train_dashboard_get_gan_plot (DarkmapTrainDashboard *self);
DarkmapTrainPlot *darkmap_train_dashboard_get_discriminator_plot (DarkmapTrainDashboard *self);
DarkmapTrainPlot *darkmap_train_dashboard_get_inside_plot (DarkmapTrainDashboard *self);

/* A short line for the window's header while a training runs ("Training
 * 45 %"), or NULL when none runs. */
char *darkmap_train_dashboard_describe_progress (DarkmapTrainDashboard *self);

G_END_DECLS
