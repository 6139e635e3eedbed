#include "darkmap-sexagesimal.h"

#include <math.h>

/* Round steps, in seconds of time (RA) and arcseconds (Dec). */
static const double ra_steps_s[] = {
  1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600,
};
static const double dec_steps_arcsec[] = {
  1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 18000, 36000,
};

static double
first_step (const double *steps, size_t n, double want)
{
  for (size_t i = 0; i < n; i++)
    if (steps[i] >= want)
      return steps[i];
  return steps[n - 1];
}

double
darkmap_sexagesimal_ra_step (double span_deg)
{
  /* 1° of RA is 240 s of time. */
  return first_step (ra_steps_s, G_N_ELEMENTS (ra_steps_s), span_deg * 240.0 / 4.0) / 240.0;
}

double
darkmap_sexagesimal_dec_step (double span_deg)
{
  return first_step (dec_steps_arcsec, G_N_ELEMENTS (dec_steps_arcsec),
                     span_deg * 3600.0 / 4.0) / 3600.0;
}

char *
darkmap_sexagesimal_ra_label (double ra_deg, double step_deg)
{
  double seconds = fmod (fmod (ra_deg, 360.0) + 360.0, 360.0) * 240.0;
  double step_s = step_deg * 240.0;
  long long t;

  /* Each value is rounded once, in the last unit shown, so that 59.96 s
   * carries into the minutes. */
  if (step_s >= 3600.0 - 1e-6)
    return g_strdup_printf ("%02lldh", llround (seconds / 3600.0) % 24);
  if (step_s >= 60.0 - 1e-6)
    {
      t = llround (seconds / 60.0) % (24 * 60);
      return g_strdup_printf ("%02lldh%02lldm", t / 60, t % 60);
    }
  if (step_s >= 1.0 - 1e-6)
    {
      t = llround (seconds) % (24 * 3600);
      return g_strdup_printf ("%02lldh%02lldm%02llds", t / 3600, t / 60 % 60, t % 60);
    }
  t = llround (seconds * 10.0) % (24 * 36000);
  return g_strdup_printf ("%02lldh%02lldm%02lld.%llds", t / 36000, t / 600 % 60, t / 10 % 60,
                          t % 10);
}

char *
darkmap_sexagesimal_dec_label (double dec_deg, double step_deg)
{
  double arcsec = fabs (dec_deg) * 3600.0, step = step_deg * 3600.0;
  long long t;
  char sign;

  if (step >= 3600.0 - 1e-6)
    {
      t = llround (arcsec / 3600.0);
      sign = dec_deg < 0.0 && t > 0 ? '-' : '+';
      return g_strdup_printf ("%c%lld°", sign, t);
    }
  if (step >= 60.0 - 1e-6)
    {
      t = llround (arcsec / 60.0);
      sign = dec_deg < 0.0 && t > 0 ? '-' : '+';
      return g_strdup_printf ("%c%lld°%02lld′", sign, t / 60, t % 60);
    }
  t = llround (arcsec);
  sign = dec_deg < 0.0 && t > 0 ? '-' : '+';
  return g_strdup_printf ("%c%lld°%02lld′%02lld″", sign, t / 3600, t / 60 % 60, t % 60);
}
