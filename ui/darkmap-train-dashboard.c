/* DarkmapTrainDashboard: a training's state, numbers and curves. */
#include "darkmap-train-dashboard.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "darkmap-train-files.h"

static const double TRAIN_COLOUR[3] = { 0.12, 0.47, 0.71 };
static const double VALIDATION_COLOUR[3] = { 0.85, 0.37, 0.0 };
static const double BASELINE_COLOUR[3] = { 0.45, 0.45, 0.45 };
static const double STD_COLOUR[3] = { 0.17, 0.63, 0.17 };
static const double MF_COLOUR[3] = { 0.58, 0.40, 0.74 };

/* What the job's end left. */
typedef enum
{
  END_NONE,       /* running, or no job */
  END_FINISHED,   /* every step done */
  END_STOPPED,    /* stopped on its time budget, checkpoint kept */
  END_CANCELLED,
  END_FAILED,
} End;

struct _DarkmapTrainDashboard
{
  GtkBox parent_instance;

  GtkInfoBar *unfinished_bar;
  GtkLabel *unfinished_label;
  GtkWidget *empty_label;
  GtkWidget *content_box;
  GtkLabel *title_label;
  GtkLabel *state_label;
  GtkToggleButton *pause_button;
  GtkWidget *checkpoint_button;
  GtkWidget *cancel_button;
  GtkWidget *reconstruct_button;
  GtkProgressBar *progress_bar;
  GtkLabel *step_label;
  GtkLabel *speed_label;
  GtkLabel *time_label;
  GtkLabel *memory_label;
  GtkLabel *validation_label;
  GtkWidget *plots_box;

  DarkmapTrainPlot *loss_plot;   /* series: training, validation, theory alone */
  DarkmapTrainPlot *r_plot;      /* series: r, best KS r (MMGAN) */
  DarkmapTrainPlot *std_plot;    /* series: std ratio; reference 1 (MMGAN) */
  guint train_series, validation_series, theory_series, r_series, r_ks_series, std_series;
  /* CosmoGAN. */
  DarkmapTrainPlot *gan_plot;    /* series: generator, discriminator, C_ell error */
  DarkmapTrainPlot *d_plot;      /* series: D on real, on generated maps; reference 1/2 */
  DarkmapTrainPlot *inside_plot; /* series: C_ell bins, PDF, MF points inside 1 sigma */
  guint generator_series, discriminator_series, cl_series, d_real_series, d_fake_series,
    cl_inside_series, pdf_inside_series, mf_inside_series;

  DarkmapTrainJob *job;          /* followed (a reference), or NULL */
  gint64 last_step;              /* of the training-loss curve; -1: none */
  End end;
  char *end_detail;              /* the failure's message */
  gint64 end_step;               /* the checkpoint kept, or the steps done */
  gboolean syncing_pause;        /* the toggle follows the job */
};

G_DEFINE_FINAL_TYPE (DarkmapTrainDashboard, darkmap_train_dashboard, GTK_TYPE_BOX)

enum { SIGNAL_RECONSTRUCT, N_SIGNALS };
static guint signals[N_SIGNALS];

/* "45 s", "3 min 20 s", "2 h 05 min". */
static char *
format_duration (double seconds)
{
  long s = lround (fmax (seconds, 0.0));

  if (s < 60)
    return g_strdup_printf (_("%ld s"), s);
  if (s < 3600)
    return g_strdup_printf (_("%ld min %02ld s"), s / 60, s % 60);
  return g_strdup_printf (_("%ld h %02ld min"), s / 3600, (s / 60) % 60);
}

static DmTrainKind
job_kind (DarkmapTrainDashboard *self)
{
  return self->job != NULL ? darkmap_train_job_get_request (self->job)->kind
                           : DM_TRAIN_SCORE_HYBRID;
}

static gboolean
is_score (DarkmapTrainDashboard *self)
{
  return job_kind (self) == DM_TRAIN_SCORE_HYBRID || job_kind (self) == DM_TRAIN_SCORE_PLAIN;
}

static gboolean
is_cosmogan (DarkmapTrainDashboard *self)
{
  return job_kind (self) == DM_TRAIN_COSMOGAN;
}

/* The state line. */
static void
update_state (DarkmapTrainDashboard *self)
{
  const DmTrainReport *last = self->job != NULL ? darkmap_train_job_get_last_report (self->job)
                                                : NULL;
  g_autofree char *text = NULL;
  gboolean running = self->job != NULL && self->end == END_NONE;

  switch (self->end)
    {
    case END_FINISHED:
      text = g_strdup_printf (_("Finished: %lld steps"), (long long) self->end_step);
      break;
    case END_STOPPED:
      text = g_strdup_printf (_("Stopped on its time budget — checkpoint at step %lld kept"),
                              (long long) self->end_step);
      break;
    case END_CANCELLED:
      text = self->end_step >= 0
               ? g_strdup_printf (_("Cancelled — checkpoint at step %lld kept"),
                                  (long long) self->end_step)
               : g_strdup (_("Cancelled before the first step"));
      break;
    case END_FAILED:
      text = g_strdup_printf (_("Failed: %s"), self->end_detail);
      break;
    case END_NONE:
    default:
      if (self->job == NULL)
        text = g_strdup ("");
      else if (darkmap_train_job_get_paused (self->job))
        text = last != NULL ? g_strdup_printf (_("Paused at step %lld"), (long long) last->step)
                            : g_strdup (_("Paused"));
      else if (darkmap_train_job_is_cancelled (self->job))
        text = g_strdup (_("Saving the checkpoint…"));
      else if (last == NULL)
        {
          const char *stage = darkmap_train_job_get_stage (self->job);

          /* The job's own stages before the engine's: reading the inputs. */
          if (g_strcmp0 (stage, _("Reading the theory table")) == 0
              || g_strcmp0 (stage, _("Reading the catalogue")) == 0)
            text = g_strdup_printf (_("%s…"), stage);
          else
            text = g_strdup (_("Making the training maps…"));
        }
      else if (last->checkpointed)
        text = g_strdup_printf (_("Saved checkpoint at step %lld"), (long long) last->step);
      else
        text = g_strdup (_("Training"));
      break;
    }
  gtk_label_set_text (self->state_label, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->pause_button), running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dashboard.checkpoint",
                                 running && last != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "dashboard.cancel",
                                 running && !darkmap_train_job_is_cancelled (self->job));
  gtk_widget_set_visible (self->reconstruct_button,
                          self->end == END_FINISHED || self->end == END_STOPPED
                          || (self->end == END_CANCELLED && self->end_step > 0));
  gtk_button_set_label (GTK_BUTTON (self->reconstruct_button),
                        is_cosmogan (self) ? _("_Draw Universes with This Model")
                                           : _("_Reconstruct with This Model"));
}

/* The numbers of the last report. */
static void
update_numbers (DarkmapTrainDashboard *self)
{
  const DmTrainReport *last = darkmap_train_job_get_last_report (self->job);
  const DmTrainReport *validation = NULL;
  GArray *history = darkmap_train_job_get_history (self->job);
  g_autofree char *step = NULL, *speed = NULL, *left = NULL, *memory = NULL, *numbers = NULL;

  for (guint i = history->len; i-- > 0;)
    if (g_array_index (history, DmTrainReport, i).has_validation)
      {
        validation = &g_array_index (history, DmTrainReport, i);
        break;
      }
  if (last == NULL)
    {
      step = g_strdup_printf (_("0 of %lld"),
                              (long long) darkmap_train_job_get_request (self->job)->steps);
      speed = g_strdup ("—");
      left = g_strdup ("—");
      memory = g_strdup ("—");
    }
  else
    {
      g_autofree char *duration = format_duration (last->seconds_left);

      step = g_strdup_printf (_("%lld of %lld"), (long long) last->step,
                              (long long) last->total_steps);
      speed = g_strdup_printf (_("%.3g steps/s"), last->steps_per_second);
      left = self->end == END_NONE && isfinite (last->seconds_left) ? g_steal_pointer (&duration)
                                                                     : g_strdup ("—");
      memory = g_format_size (last->device_memory);
    }
  if (validation == NULL)
    numbers = g_strdup ("—");
  else if (is_score (self))
    /* TRANSLATORS: validation losses of the network and of the theory score alone */
    numbers = g_strdup_printf (_("loss %.4g (theory alone %.4g)"), validation->validation_loss,
                               validation->theory_loss);
  else if (is_cosmogan (self))
    /* TRANSLATORS: CosmoGAN validation: the mean C_ell difference in per cent, the
     * percentages of C_ell bins, PDF and Minkowski-functional points inside the
     * training maps' 1-sigma scatter, and the KS distance of the pixel values */
    numbers = g_strdup_printf (_("C_ℓ off by %.1f %%; inside 1σ: C_ℓ %.0f %%, PDF %.0f %%, "
                                 "MFs %.0f %%; KS D %.3f"),
                               100.0 * validation->validation_loss,
                               100.0 * validation->cl_inside, 100.0 * validation->pdf_inside,
                               100.0 * validation->mf_inside, validation->pixel_ks);
  else
    /* TRANSLATORS: MMGAN validation: r of the posterior mean, the best KS r, std calibration */
    numbers = g_strdup_printf (_("r %.3f (best KS %.3f), std ratio %.2f"), validation->r,
                               validation->r_ks, validation->std_ratio);
  gtk_label_set_text (self->step_label, step);
  gtk_label_set_text (self->speed_label, speed);
  gtk_label_set_text (self->time_label, left);
  gtk_label_set_text (self->memory_label, memory);
  gtk_label_set_text (self->validation_label, numbers);
}

/* A CosmoGAN's step: both losses and D's mean outputs. */
static void
add_gan_step (DarkmapTrainDashboard *self, const DmTrainReport *r)
{
  darkmap_train_plot_add_point (self->gan_plot, self->generator_series, r->step, r->train_loss);
  darkmap_train_plot_add_point (self->gan_plot, self->discriminator_series, r->step,
                                r->critic_loss);
  darkmap_train_plot_add_point (self->d_plot, self->d_real_series, r->step, r->d_real);
  darkmap_train_plot_add_point (self->d_plot, self->d_fake_series, r->step, r->d_fake);
}

/* A CosmoGAN's validation: the C_ell difference and the points inside the
 * training maps' 1-sigma scatter. */
static void
add_gan_validation (DarkmapTrainDashboard *self, const DmTrainReport *r)
{
  darkmap_train_plot_add_point (self->gan_plot, self->cl_series, r->step, r->validation_loss);
  darkmap_train_plot_add_point (self->inside_plot, self->cl_inside_series, r->step,
                                r->cl_inside);
  darkmap_train_plot_add_point (self->inside_plot, self->pdf_inside_series, r->step,
                                r->pdf_inside);
  darkmap_train_plot_add_point (self->inside_plot, self->mf_inside_series, r->step,
                                r->mf_inside);
}

/* The curves take n reports of the history from position. */
static void
add_reports (DarkmapTrainDashboard *self, guint position, guint n)
{
  GArray *history = darkmap_train_job_get_history (self->job);

  for (guint i = position; i < position + n; i++)
    {
      const DmTrainReport *r = &g_array_index (history, DmTrainReport, i);

      /* One point per step: a validation or checkpoint reported apart from
       * the step's report repeats its training loss. */
      if (r->step > self->last_step && isfinite (r->train_loss))
        {
          if (is_cosmogan (self))
            add_gan_step (self, r);
          else
            darkmap_train_plot_add_point (self->loss_plot, self->train_series, r->step,
                                          r->train_loss);
          self->last_step = r->step;
        }
      if (!r->has_validation)
        continue;
      if (is_cosmogan (self))
        {
          add_gan_validation (self, r);
          continue;
        }
      darkmap_train_plot_add_point (self->loss_plot, self->validation_series, r->step,
                                    r->validation_loss);
      if (is_score (self))
        darkmap_train_plot_add_point (self->loss_plot, self->theory_series, r->step,
                                      r->theory_loss);
      else
        {
          darkmap_train_plot_add_point (self->r_plot, self->r_series, r->step, r->r);
          darkmap_train_plot_add_point (self->r_plot, self->r_ks_series, r->step, r->r_ks);
          darkmap_train_plot_add_point (self->std_plot, self->std_series, r->step, r->std_ratio);
        }
    }
}

static void
on_reports_added (DarkmapTrainJob *job, guint position, guint n, DarkmapTrainDashboard *self)
{
  add_reports (self, position, n);
  update_numbers (self);
  update_state (self);
}

static void
on_progress (DarkmapTrainJob *job, GParamSpec *pspec, DarkmapTrainDashboard *self)
{
  gtk_progress_bar_set_fraction (self->progress_bar, darkmap_train_job_get_fraction (job));
  update_state (self);
}

static void
sync_pause (DarkmapTrainDashboard *self)
{
  gboolean paused = self->job != NULL && darkmap_train_job_get_paused (self->job);

  self->syncing_pause = TRUE;
  gtk_toggle_button_set_active (self->pause_button, paused);
  gtk_button_set_label (GTK_BUTTON (self->pause_button), paused ? _("_Resume") : _("_Pause"));
  self->syncing_pause = FALSE;
}

static void
on_paused (DarkmapTrainJob *job, GParamSpec *pspec, DarkmapTrainDashboard *self)
{
  sync_pause (self);
  update_state (self);
}

static void
on_pause_toggled (DarkmapTrainDashboard *self)
{
  if (self->syncing_pause || self->job == NULL)
    return;
  darkmap_train_job_set_paused (self->job, gtk_toggle_button_get_active (self->pause_button));
}

static void
checkpoint_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapTrainDashboard *self = DARKMAP_TRAIN_DASHBOARD (widget);

  if (self->job != NULL)
    darkmap_train_job_checkpoint_now (self->job);
}

static void
cancel_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapTrainDashboard *self = DARKMAP_TRAIN_DASHBOARD (widget);

  if (self->job == NULL)
    return;
  darkmap_train_job_cancel (self->job);
  /* A paused training goes on to its checkpoint. */
  darkmap_train_job_set_paused (self->job, FALSE);
  update_state (self);
}

static void
reconstruct_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  DarkmapTrainDashboard *self = DARKMAP_TRAIN_DASHBOARD (widget);

  if (self->job != NULL)
    g_signal_emit (self, signals[SIGNAL_RECONSTRUCT], 0,
                   darkmap_train_job_get_model_path (self->job));
}

/* The plots for the job's kind: the loss alone for the score priors; the
 * loss, r and std calibration for MMGAN; for a CosmoGAN both losses with the
 * validation's C_ell difference, D's outputs and the points inside the
 * training maps' scatter. */
static void
reset_plots (DarkmapTrainDashboard *self)
{
  DarkmapTrainPlot *plots[] = { self->loss_plot, self->r_plot, self->std_plot, self->gan_plot,
                                self->d_plot, self->inside_plot };
  gboolean shown[] = { !is_cosmogan (self), job_kind (self) == DM_TRAIN_MMGAN,
                       job_kind (self) == DM_TRAIN_MMGAN, is_cosmogan (self),
                       is_cosmogan (self), is_cosmogan (self) };
  double total = self->job != NULL ? (double) darkmap_train_job_get_request (self->job)->steps
                                   : 0.0;

  for (guint i = 0; i < G_N_ELEMENTS (plots); i++)
    {
      darkmap_train_plot_clear (plots[i]);
      darkmap_train_plot_set_total_steps (plots[i], total);
      gtk_widget_set_visible (GTK_WIDGET (plots[i]), shown[i]);
    }
  self->last_step = -1;
}

static void
darkmap_train_dashboard_dispose (GObject *object)
{
  DarkmapTrainDashboard *self = DARKMAP_TRAIN_DASHBOARD (object);

  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_clear_object (&self->job);
  gtk_widget_dispose_template (GTK_WIDGET (self), DARKMAP_TYPE_TRAIN_DASHBOARD);
  G_OBJECT_CLASS (darkmap_train_dashboard_parent_class)->dispose (object);
}

static void
darkmap_train_dashboard_finalize (GObject *object)
{
  g_free (DARKMAP_TRAIN_DASHBOARD (object)->end_detail);
  G_OBJECT_CLASS (darkmap_train_dashboard_parent_class)->finalize (object);
}

static void
darkmap_train_dashboard_class_init (DarkmapTrainDashboardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = darkmap_train_dashboard_dispose;
  object_class->finalize = darkmap_train_dashboard_finalize;

  /* DarkmapTrainDashboard::reconstruct (const char *model_path): the
   * trained model to reconstruct the open field with (a CosmoGAN: to draw
   * universes with). */
  signals[SIGNAL_RECONSTRUCT] = g_signal_new ("reconstruct", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/darkmap/Darkmap/darkmap-train-dashboard.ui");
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, unfinished_bar);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, unfinished_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, empty_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, content_box);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, title_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, state_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, pause_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, checkpoint_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, reconstruct_button);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, step_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, speed_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, time_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, memory_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, validation_label);
  gtk_widget_class_bind_template_child (widget_class, DarkmapTrainDashboard, plots_box);
  gtk_widget_class_bind_template_callback (widget_class, on_pause_toggled);
  gtk_widget_class_install_action (widget_class, "dashboard.checkpoint", NULL, checkpoint_action);
  gtk_widget_class_install_action (widget_class, "dashboard.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "dashboard.reconstruct", NULL,
                                   reconstruct_action);
}

static void
darkmap_train_dashboard_init (DarkmapTrainDashboard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->loss_plot = DARKMAP_TRAIN_PLOT (darkmap_train_plot_new (_("loss"), TRUE));
  self->train_series = darkmap_train_plot_add_series (self->loss_plot, _("training"),
                                                      TRAIN_COLOUR, DARKMAP_TRAIN_PLOT_LINE);
  self->validation_series = darkmap_train_plot_add_series (self->loss_plot, _("validation"),
                                                           VALIDATION_COLOUR,
                                                           DARKMAP_TRAIN_PLOT_MARKED);
  self->theory_series = darkmap_train_plot_add_series (self->loss_plot,
                                                       _("theory score alone"),
                                                       BASELINE_COLOUR,
                                                       DARKMAP_TRAIN_PLOT_DASHED);
  self->r_plot = DARKMAP_TRAIN_PLOT (darkmap_train_plot_new (_("validation r"), FALSE));
  self->r_series = darkmap_train_plot_add_series (self->r_plot, _("posterior mean"),
                                                  TRAIN_COLOUR, DARKMAP_TRAIN_PLOT_MARKED);
  self->r_ks_series = darkmap_train_plot_add_series (self->r_plot, _("best Kaiser-Squires"),
                                                     BASELINE_COLOUR, DARKMAP_TRAIN_PLOT_DASHED);
  self->std_plot = DARKMAP_TRAIN_PLOT (darkmap_train_plot_new (_("std calibration"), FALSE));
  self->std_series = darkmap_train_plot_add_series (self->std_plot, _("posterior std / error"),
                                                    STD_COLOUR, DARKMAP_TRAIN_PLOT_MARKED);
  darkmap_train_plot_set_reference (self->std_plot, 1.0, _("calibrated"));
  self->gan_plot = DARKMAP_TRAIN_PLOT (darkmap_train_plot_new (_("loss"), TRUE));
  self->generator_series = darkmap_train_plot_add_series (self->gan_plot, _("generator"),
                                                          TRAIN_COLOUR, DARKMAP_TRAIN_PLOT_LINE);
  self->discriminator_series = darkmap_train_plot_add_series (self->gan_plot,
                                                              _("discriminator"),
                                                              VALIDATION_COLOUR,
                                                              DARKMAP_TRAIN_PLOT_LINE);
  self->cl_series = darkmap_train_plot_add_series (self->gan_plot,
                                                   _("validation: mean |C_ℓ ratio − 1|"),
                                                   BASELINE_COLOUR, DARKMAP_TRAIN_PLOT_MARKED);
  self->d_plot = DARKMAP_TRAIN_PLOT (darkmap_train_plot_new (_("discriminator’s mean D"),
                                                             FALSE));
  self->d_real_series = darkmap_train_plot_add_series (self->d_plot, _("on training maps"),
                                                       TRAIN_COLOUR, DARKMAP_TRAIN_PLOT_LINE);
  self->d_fake_series = darkmap_train_plot_add_series (self->d_plot, _("on generated maps"),
                                                       VALIDATION_COLOUR,
                                                       DARKMAP_TRAIN_PLOT_LINE);
  darkmap_train_plot_set_reference (self->d_plot, 0.5, _("undecided"));
  self->inside_plot = DARKMAP_TRAIN_PLOT (darkmap_train_plot_new (_("inside the 1σ scatter"),
                                                                  FALSE));
  self->cl_inside_series = darkmap_train_plot_add_series (self->inside_plot, _("C_ℓ bins"),
                                                          TRAIN_COLOUR,
                                                          DARKMAP_TRAIN_PLOT_MARKED);
  self->pdf_inside_series = darkmap_train_plot_add_series (self->inside_plot, _("PDF points"),
                                                           STD_COLOUR,
                                                           DARKMAP_TRAIN_PLOT_MARKED);
  self->mf_inside_series = darkmap_train_plot_add_series (self->inside_plot,
                                                          _("Minkowski points"), MF_COLOUR,
                                                          DARKMAP_TRAIN_PLOT_MARKED);
  darkmap_train_plot_set_reference (self->inside_plot, 1.0, _("all"));
  gtk_box_append (GTK_BOX (self->plots_box), GTK_WIDGET (self->loss_plot));
  gtk_box_append (GTK_BOX (self->plots_box), GTK_WIDGET (self->r_plot));
  gtk_box_append (GTK_BOX (self->plots_box), GTK_WIDGET (self->std_plot));
  gtk_box_append (GTK_BOX (self->plots_box), GTK_WIDGET (self->gan_plot));
  gtk_box_append (GTK_BOX (self->plots_box), GTK_WIDGET (self->d_plot));
  gtk_box_append (GTK_BOX (self->plots_box), GTK_WIDGET (self->inside_plot));
  self->last_step = -1;
  self->end_step = -1;
  reset_plots (self);
  gtk_widget_set_visible (self->content_box, FALSE);
  update_state (self);
}

GtkWidget *
darkmap_train_dashboard_new (void)
{
  return g_object_new (DARKMAP_TYPE_TRAIN_DASHBOARD, NULL);
}

void
darkmap_train_dashboard_set_job (DarkmapTrainDashboard *self, DarkmapTrainJob *job)
{
  GArray *history;
  const DmTrainRequest *request;
  g_autofree char *title = NULL, *name = NULL;

  g_return_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self));
  g_return_if_fail (job == NULL || DARKMAP_IS_TRAIN_JOB (job));
  if (self->job != NULL)
    g_signal_handlers_disconnect_by_data (self->job, self);
  g_set_object (&self->job, job);
  self->end = END_NONE;
  self->end_step = -1;
  g_clear_pointer (&self->end_detail, g_free);
  reset_plots (self);
  gtk_widget_set_visible (self->empty_label, job == NULL);
  gtk_widget_set_visible (self->content_box, job != NULL);
  if (job == NULL)
    {
      update_state (self);
      return;
    }
  request = darkmap_train_job_get_request (job);
  if (request->name != NULL)
    name = g_strdup (request->name);
  else
    {
      name = g_path_get_basename (request->model_path);
      if (g_str_has_suffix (name, ".safetensors"))
        name[strlen (name) - strlen (".safetensors")] = '\0';
    }
  /* TRANSLATORS: the model's name, then its kind */
  title = g_strdup_printf (request->resume ? _("%s — %s, resumed") : _("%s — %s"), name,
                           darkmap_train_kind_title (request->kind));
  gtk_label_set_text (self->title_label, title);
  g_signal_connect_object (job, "reports-added", G_CALLBACK (on_reports_added), self, 0);
  g_signal_connect_object (job, "notify::fraction", G_CALLBACK (on_progress), self, 0);
  g_signal_connect_object (job, "notify::stage", G_CALLBACK (on_progress), self, 0);
  g_signal_connect_object (job, "notify::paused", G_CALLBACK (on_paused), self, 0);
  history = darkmap_train_job_get_history (job);
  add_reports (self, 0, history->len);
  gtk_progress_bar_set_fraction (self->progress_bar, darkmap_train_job_get_fraction (job));
  sync_pause (self);
  update_numbers (self);
  update_state (self);
}

DarkmapTrainJob *
darkmap_train_dashboard_get_job (DarkmapTrainDashboard *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self), NULL);
  return self->job;
}

void
darkmap_train_dashboard_set_finished (DarkmapTrainDashboard *self, const DmTrainResult *result,
                                      const GError *error, gint64 checkpoint_step)
{
  g_return_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self));
  g_return_if_fail (self->job != NULL);
  g_clear_pointer (&self->end_detail, g_free);
  if (result != NULL)
    {
      self->end = result->finished ? END_FINISHED : END_STOPPED;
      self->end_step = result->steps;
      if (result->finished)
        gtk_progress_bar_set_fraction (self->progress_bar, 1.0);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->end = END_CANCELLED;
      self->end_step = checkpoint_step;
    }
  else
    {
      self->end = END_FAILED;
      self->end_detail = g_strdup (error != NULL ? error->message : "");
    }
  sync_pause (self);
  update_numbers (self);
  update_state (self);
}

void
darkmap_train_dashboard_set_n_unfinished (DarkmapTrainDashboard *self, guint n)
{
  g_autofree char *text = NULL;

  g_return_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self));
  text = g_strdup_printf (ngettext ("%u unfinished training can be resumed.",
                                    "%u unfinished trainings can be resumed.", n), n);
  gtk_label_set_text (self->unfinished_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->unfinished_bar), n > 0);
}

const char *
darkmap_train_dashboard_get_state_text (DarkmapTrainDashboard *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self), NULL);
  return gtk_label_get_text (self->state_label);
}

guint
darkmap_train_dashboard_get_n_points (DarkmapTrainDashboard *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self), 0);
  if (is_cosmogan (self))
    return darkmap_train_plot_get_n_points (self->gan_plot, self->generator_series);
  return darkmap_train_plot_get_n_points (self->loss_plot, self->train_series);
}

gint64
darkmap_train_dashboard_get_last_step (DarkmapTrainDashboard *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self), -1);
  return self->last_step;
}

DarkmapTrainPlot *
darkmap_train_dashboard_get_loss_plot (DarkmapTrainDashboard *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self), NULL);
  return self->loss_plot;
}

DarkmapTrainPlot *
darkmap_train_dashboard_get_r_plot (DarkmapTrainDashboard *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self), NULL);
  return self->r_plot;
}

DarkmapTrainPlot *
darkmap_train_dashboard_get_std_plot (DarkmapTrainDashboard *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self), NULL);
  return self->std_plot;
}

DarkmapTrainPlot *
darkmap_train_dashboard_get_gan_plot (DarkmapTrainDashboard *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self), NULL);
  return self->gan_plot;
}

DarkmapTrainPlot *
darkmap_train_dashboard_get_discriminator_plot (DarkmapTrainDashboard *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self), NULL);
  return self->d_plot;
}

DarkmapTrainPlot *
darkmap_train_dashboard_get_inside_plot (DarkmapTrainDashboard *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self), NULL);
  return self->inside_plot;
}

char *
darkmap_train_dashboard_describe_progress (DarkmapTrainDashboard *self)
{
  g_return_val_if_fail (DARKMAP_IS_TRAIN_DASHBOARD (self), NULL);
  if (self->job == NULL || self->end != END_NONE)
    return NULL;
  if (darkmap_train_job_get_paused (self->job))
    return g_strdup (_("Training paused"));
  /* TRANSLATORS: the header's short progress of a training */
  return g_strdup_printf (_("Training %.0f %%"),
                          100.0 * darkmap_train_job_get_fraction (self->job));
}
