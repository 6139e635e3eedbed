/* darkmap-cli simulate: a simulated convergence map (Gaussian or lognormal
 * field with the theory C_ell, NFW haloes, or a particle-mesh N-body light
 * cone) and its mock shear, optionally on a real survey's grid with its mask
 * and noise; or a cube of N-body maps for the trainers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-commands.h"
#include "cli-progress.h"
#include "cli-shear-input.h"
#include "darkmap/field-from-power.h"
#include "darkmap/fits.h"
#include "darkmap/halo-population.h"
#include "darkmap/lognormal.h"
#include "darkmap/mock-survey.h"
#include "darkmap/nbody-sky.h"
#include "darkmap/nfw.h"
#include "darkmap/theory.h"

static const CliOptionSpec simulate_options[] = {
    {"theory", true, "FILE     theory C_ell table (CSV: ell, C_ell per sr)"},
    {"theory-column", true, "NAME     C_ell column of the table (default: the first after ell)"},
    {"field", true, "gaussian|lognormal|nbody  convergence field (default lognormal)"},
    {"nz", true, "FILE     nbody: source n(z) (CSV: z, n_of_z)"},
    {"box", true, "L        nbody: simulation box side in Mpc/h (default 256)"},
    {"mesh", true, "N        nbody: particle-mesh cells per side (default 128)"},
    {"particles", true, "N        nbody: particles per side (default 128; as many as --mesh, "
                        "or half: a finer force)"},
    {"steps", true, "N        nbody: kick-drift-kick steps (default 10)"},
    {"maps", true, "K        nbody: K maps of one simulation, written as a cube (default 1)"},
    {"cosmology", true, "H0,OM,OB,S8,NS  nbody: flat LambdaCDM (default 70,0.3,0.046,0.8,0.96)"},
    {"ray-trace", false, "         nbody: multi-plane ray tracing instead of the Born sum"},
    {"shift", true, "L        lognormal shift lambda (default 0.02)"},
    {"box-factor", true, "F        generate on an F times larger box and crop (default 1)"},
    {"haloes", true, "N|auto   add N NFW haloes from the mass function, or a Poisson number"},
    {"halo-mmin", true, "M        smallest halo M200c in M_sun (default 1e13)"},
    {"halo-zmax", true, "Z        largest halo redshift (default 1.5)"},
    {"halo-c-scatter", true,
     "S        haloes' sigma of ln c about Duffy et al. 2008 (default 0; N-body: 0.25)"},
    {"halo-ellipticity", false, "         elliptical haloes (axis ratio 0.3-0.8, random angle)"},
    {"halo", true, "RA,DEC,M,C,Z  one NFW halo (M200c in M_sun; C <= 0: Duffy et al. 2008)"},
    {"z-source", true, "Z        source redshift for the haloes' convergence (default 1)"},
    {"seed", true, "S        random seed (default 0)"},
    {"shear", true, "FILE     shear file from 'bin': its grid, mask and noise (Gaussian noise,\n"
                    "                    or rotated galaxies with --catalog)"},
    {"out", true, "FILE     output FITS: kappa, SHEAR (2 planes), NOISE and MASK; with\n"
                  "                    --maps K > 1 the K convergence maps as a cube"},
    {"out-shear", true, "FILE     also write the mock as a shear file (input of 'ks', 'wiener')"},
    {NULL, false, NULL},
};

/* The grid a shear file written by 'bin' was made on, from its keywords. */
static bool spec_from_shear(const DmBinnedShear *binned, DmGridSpec *spec, DmError **error) {
  const DmMap *m = binned->shear;
  const DmMetaCard *pix = dm_map_find_card(m, "PIXSCALE"), *ra = dm_map_find_card(m, "CENTRA");
  const DmMetaCard *dec = dm_map_find_card(m, "CENTDEC"), *proj = dm_map_find_card(m, "PROJECT");
  const DmMetaCard *flip = dm_map_find_card(m, "FLIPE2"), *noise = dm_map_find_card(m, "NOISEMOD");
  if (!pix || !ra || !dec || !proj || !proj->text)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "The shear file does not say how it was binned (PIXSCALE, CENTRA, "
                        "CENTDEC, PROJECT): rotated noise needs the same grid.");
  dm_grid_spec_init(spec);
  spec->nx = m->nx;
  spec->ny = m->ny;
  spec->pixel_arcmin = pix->number;
  spec->has_center = true;
  spec->center_ra = ra->number;
  spec->center_dec = dec->number;
  spec->projection = strcmp(proj->text, "FLAT") == 0 ? DM_PROJECTION_FLAT : DM_PROJECTION_TAN;
  spec->ra_left = spec->projection == DM_PROJECTION_TAN;
  spec->flip_e2 = flip && flip->number != 0.0;
  spec->noise_model = noise && noise->text && strcmp(noise->text, "weighted") == 0
                          ? DM_NOISE_WEIGHTED
                          : DM_NOISE_COUNT;
  return true;
}

/* The survey the options describe: a shear file, a catalogue, or a
 * noiseless TAN grid (centre --center, default RA 0, Dec 0). *catalog
 * receives the catalogue, which must outlive the survey. */
static DmMockSurvey *survey_from_options(const CliArgs *args, DmCatalog **catalog,
                                         DmError **error) {
  const char *shear = cli_args_value(args, "shear");
  bool has_catalog = cli_args_value(args, "catalog") != NULL;
  DmGridSpec spec;
  DmMockSurvey *survey = NULL;
  *catalog = NULL;
  if (shear) {
    if (cli_args_value(args, "size") || cli_args_value(args, "pixel-arcmin") ||
        cli_args_value(args, "center")) {
      dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                   "With --shear the grid is the shear file's: leave out --size, "
                   "--pixel-arcmin and --center.");
      return NULL;
    }
    DmBinnedShear *binned = dm_binned_shear_read(shear, error);
    if (binned && !has_catalog) survey = dm_mock_survey_new_gaussian(binned, error);
    else if (binned && spec_from_shear(binned, &spec, error) &&
             (*catalog = cli_catalog_from_options(args, error)))
      survey = dm_mock_survey_new_rotated(*catalog, &spec, error);
    dm_binned_shear_free(binned);
    return survey;
  }
  if (!cli_grid_from_options(args, &spec, error)) return NULL;
  if (has_catalog)
    return (*catalog = cli_catalog_from_options(args, error))
               ? dm_mock_survey_new_rotated(*catalog, &spec, error)
               : NULL;
  if (!spec.has_center) spec.center_ra = spec.center_dec = 0.0;
  spec.has_center = true;
  DmWcs *wcs = dm_grid_spec_wcs(&spec, error);
  if (wcs) survey = dm_mock_survey_new_noiseless(spec.nx, spec.ny, wcs, error);
  dm_wcs_free(wcs);
  return survey;
}

typedef struct {
  bool lognormal;
  bool nbody;
  DmNbodySkyRequest sky;  /* for nbody (its sources set later) */
  DmLognormalOptions lognormal_options;
  long haloes;  /* −2 none, −1 Poisson, else a count */
  DmHaloPopulationOptions halo_options;
  DmNfwPaintOptions paint;
  const char *halo;  /* RA,DEC,M,C,Z or NULL */
  unsigned long long seed;
} SimOptions;

/* The N-body options: refused with the other fields, and the other fields'
 * options refused with it. */
static bool parse_nbody_options(const CliArgs *args, SimOptions *o, DmError **error) {
  static const char *const nbody_only[] = {"nz",    "box",       "mesh",     "particles",
                                           "steps", "maps",      "cosmology", "ray-trace"};
  static const char *const field_only[] = {"theory", "theory-column", "shift", "box-factor",
                                           "haloes", "halo"};
  for (int i = 0; !o->nbody && i < 8; i++)
    if (cli_args_value(args, nbody_only[i]) || cli_args_flag(args, nbody_only[i]))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Option --%s is for --field nbody.", nbody_only[i]);
  for (int i = 0; o->nbody && i < 6; i++)
    if (cli_args_value(args, field_only[i]))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Option --%s is for the gaussian and lognormal fields, not nbody.",
                          field_only[i]);
  DmNbodySkyRequest *sky = &o->sky;
  dm_nbody_sky_request_init(sky);
  sky->pm.seed = sky->seed = o->seed;
  sky->ray_trace = cli_args_flag(args, "ray-trace");
  const char *cosmology = cli_args_value(args, "cosmology");
  if (cosmology) {
    DmCosmology *c = &sky->pm.cosmology;
    char tail = 0;
    if (sscanf(cosmology, "%lf,%lf,%lf,%lf,%lf%c", &c->h0, &c->omega_m, &c->omega_b, &c->sigma8,
               &c->n_s, &tail) != 5)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Option --cosmology needs H0,OMEGA_M,OMEGA_B,SIGMA8,N_S, not '%s'.",
                          cosmology);
  }
  if (!cli_args_double(args, "box", &sky->pm.box, error) ||
      !cli_args_int(args, "mesh", DM_PM_MESH_MIN, DM_PM_MESH_MAX, &sky->pm.mesh, error) ||
      !cli_args_int(args, "particles", DM_PM_PARTICLES_MIN, DM_PM_MESH_MAX, &sky->pm.particles,
                    error) ||
      !cli_args_int(args, "steps", 1, DM_PM_STEPS_MAX, &sky->pm.steps, error) ||
      !cli_args_int(args, "maps", 1, DM_MAP_MAX_SIDE, &sky->n_maps, error))
    return false;
  if (sky->n_maps > 1 && cli_args_value(args, "out-shear"))
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Several maps are written as a convergence cube alone: leave out "
                        "--out-shear, or make one map.");
  return dm_pm_request_check(&sky->pm, error);
}

static bool parse_options(const CliArgs *args, SimOptions *o, DmError **error) {
  *o = (SimOptions){.lognormal = true, .haloes = -2, .halo = cli_args_value(args, "halo")};
  dm_lognormal_options_init(&o->lognormal_options);
  dm_halo_population_options_init(&o->halo_options);
  dm_nfw_paint_options_init(&o->paint);
  const char *field = cli_args_value(args, "field");
  if (field && strcmp(field, "gaussian") == 0) o->lognormal = false;
  else if (field && strcmp(field, "nbody") == 0) {
    o->lognormal = false;
    o->nbody = true;
  }
  else if (field && strcmp(field, "lognormal") != 0)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --field is 'gaussian', 'lognormal' or 'nbody', not '%s'.", field);
  const char *haloes = cli_args_value(args, "haloes");
  if (haloes && strcmp(haloes, "auto") == 0) o->haloes = -1;
  else if (haloes) {
    int n = 0;
    if (!cli_args_int(args, "haloes", 0, 1000000, &n, error)) return false;
    o->haloes = n;
  }
  o->halo_options.count = o->haloes;
  o->halo_options.elliptical = cli_args_flag(args, "halo-ellipticity");
  const char *seed = cli_args_value(args, "seed");
  if (seed) {
    char *end = NULL;
    errno = 0;
    o->seed = strtoull(seed, &end, 10);
    if (errno || end == seed || *end || seed[0] == '-')
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Option --seed needs a non-negative integer, not '%s'.", seed);
  }
  if (!parse_nbody_options(args, o, error)) return false;
  return cli_args_double(args, "shift", &o->lognormal_options.shift, error) &&
         cli_args_int(args, "box-factor", 1, DM_MAX_BOX_FACTOR, &o->lognormal_options.box_factor,
                      error) &&
         cli_args_double(args, "halo-mmin", &o->halo_options.m_min, error) &&
         cli_args_double(args, "halo-zmax", &o->halo_options.z_max, error) &&
         cli_args_double(args, "halo-c-scatter", &o->halo_options.concentration_scatter,
                         error) &&
         cli_args_double(args, "z-source", &o->paint.z_source, error);
}

/* The convergence: field, population of haloes, the given halo. */
static bool make_kappa(DmMap *kappa, const DmTheorySpectrum *theory, const SimOptions *o,
                       long *n_haloes, DmError **error) {
  double pixel_arcmin = dm_wcs_pixel_scale_deg(kappa->wcs) * 60.0;
  DmLognormalInfo info;
  bool ok = o->lognormal ? dm_lognormal_field(theory, kappa->nx, kappa->ny, pixel_arcmin,
                                              &o->lognormal_options, o->seed, kappa->data, &info,
                                              error)
                         : dm_gaussian_field_cropped(theory, kappa->nx, kappa->ny, pixel_arcmin,
                                                     o->lognormal_options.box_factor, o->seed,
                                                     kappa->data, error);
  if (ok && o->lognormal)
    fprintf(stderr, "Lognormal field: sigma_G %.4f, %ld negative modes of P_G clipped.\n",
            info.sigma_g, info.n_clipped);
  DmCosmology cosmology;
  dm_cosmology_init(&cosmology);
  *n_haloes = 0;
  if (ok && o->haloes >= -1) {
    DmMassFunction *mf = dm_mass_function_new(&cosmology, error);
    DmHaloPopulation *pop = mf ? dm_halo_population_draw(mf, &o->halo_options, kappa->nx,
                                                         kappa->ny, pixel_arcmin, o->seed, 1,
                                                         error)
                               : NULL;
    ok = pop && dm_halo_population_paint(pop, kappa, 0, &cosmology, &o->paint, error);
    if (pop) {
      *n_haloes = (long)pop->n;
      fprintf(stderr, "Added %zu NFW haloes (%.1f expected in the field).\n", pop->n,
              pop->expected);
    }
    dm_halo_population_free(pop);
    dm_mass_function_free(mf);
  }
  if (ok && o->halo) {
    double ra, dec, m, c, z;
    char tail = 0;
    DmNfwProfile profile;
    if (sscanf(o->halo, "%lf,%lf,%lf,%lf,%lf%c", &ra, &dec, &m, &c, &z, &tail) != 5)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Option --halo needs RA,DEC,M200c,C,Z, not '%s'.", o->halo);
    ok = dm_nfw_profile_init(&profile, &cosmology, m, c, z, error) &&
         dm_nfw_add_at_sky(kappa, 0, &cosmology, &profile, ra, dec, &o->paint, error);
    if (ok) (*n_haloes)++;
  }
  return ok;
}

static bool describe(DmMap *kappa, const SimOptions *o, long n_haloes, DmMockNoise noise,
                     DmError **error) {
  static const char *const noise_names[] = {"none", "rotated", "gaussian"};
  char seed[32];
  snprintf(seed, sizeof seed, "%llu", o->seed);
  if (!dm_map_set_string(kappa, "METHOD", "SIMULATE", "simulated convergence", error))
    return false;
  if (o->nbody)  /* the engine's cards describe the field */
    return dm_map_set_string(kappa, "NOISEMOD", noise_names[noise], "mock noise", error);
  return dm_map_set_string(kappa, "FIELD", o->lognormal ? "lognormal" : "gaussian",
                           "convergence field", error) &&
         dm_map_set_double(kappa, "SHIFT", o->lognormal_options.shift, "lognormal shift", error) &&
         dm_map_set_int(kappa, "BOXFACT", o->lognormal_options.box_factor,
                        "generated on this larger box", error) &&
         dm_map_set_int(kappa, "NHALOES", n_haloes, "NFW haloes added", error) &&
         dm_map_set_double(kappa, "ZSOURCE", o->paint.z_source, "source redshift", error) &&
         dm_map_set_double(kappa, "HALOCSIG", o->halo_options.concentration_scatter,
                           "sigma of ln c about Duffy et al. 2008", error) &&
         dm_map_set_bool(kappa, "HALOELL", o->halo_options.elliptical, "elliptical haloes",
                         error) &&
         dm_map_set_string(kappa, "SEED", seed, "random seed", error) &&
         dm_map_set_string(kappa, "NOISEMOD", noise_names[noise], "mock noise", error);
}

/* The N-body maps of the options on the survey's grid (K planes). */
static DmMap *nbody_maps(const SimOptions *o, const DmRedshiftDistribution *sources,
                         const DmBinnedShear *grid, DmError **error) {
  DmNbodySkyRequest sky = o->sky;
  sky.nx = grid->mask->nx;
  sky.ny = grid->mask->ny;
  sky.wcs = grid->mask->wcs;
  sky.pixel_arcmin = grid->mask->wcs ? dm_wcs_pixel_scale_deg(grid->mask->wcs) * 60.0 : 0.0;
  sky.sources = sources;
  DmProgress progress = cli_progress_init();
  DmMap *maps = dm_nbody_sky_run(&sky, &progress, error);
  cli_progress_done();
  if (maps)
    fprintf(stderr,
            "N-body light cone: %d³ particles, %d³ mesh, box %g Mpc/h, %g lens planes; "
            "particle shot noise C_ell %.3g per sr.\n",
            sky.pm.particles, sky.pm.mesh, sky.pm.box, dm_map_find_card(maps, "NPLANES")->number,
            dm_map_find_card(maps, "SHOTNOIS")->number);
  return maps;
}

int cli_simulate_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {simulate_options, cli_catalog_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli simulate --theory table.csv [--size N --pixel-arcmin P]\n"
           "         [--field gaussian|lognormal] [--shift L] [--box-factor F]\n"
           "         [--haloes N|auto] [--halo-c-scatter S] [--halo-ellipticity]\n"
           "         [--halo RA,DEC,M,C,Z] [--z-source Z] [--seed S]\n"
           "         [--shear shear.fits] [--catalog FILE] --out sim.fits\n"
           "       darkmap-cli simulate --field nbody --nz nz.csv [--box L] [--mesh N]\n"
           "         [--particles N] [--steps N] [--maps K] [--cosmology H0,OM,OB,S8,NS]\n"
           "         [--ray-trace]\n"
           "         [grid, survey and noise options as above] --out sim.fits\n"
           "Simulated convergence and mock shear.  With --shear, the shear file's grid, mask\n"
           "and noise (Gaussian); with --catalog, rotated real galaxies as noise (on the\n"
           "shear file's grid when both are given).  Without either: a noiseless, unmasked\n"
           "TAN grid centred on --center (default RA 0, Dec 0).  The nbody field is a\n"
           "particle-mesh simulation seen through a light cone (the Born sum, or with\n"
           "--ray-trace multi-plane ray tracing) for sources\n"
           "with the n(z) given; --maps K > 1 writes K maps of the one simulation, each\n"
           "through its own rotations and shifts of the box, as a convergence cube alone.\n\n");
    cli_args_print_help(tables, 2);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  SimOptions o;
  if (!cli_args_parse(&args, argc, argv, tables, 2, &error)) return cli_fail("simulate", error);
  const char *out = cli_args_require(&args, "out", &error);
  if (!out || !parse_options(&args, &o, &error)) return cli_fail("simulate", error);
  const char *input = cli_args_require(&args, o.nbody ? "nz" : "theory", &error);
  if (!input) return cli_fail("simulate", error);

  DmTheorySpectrum *theory =
      o.nbody ? NULL : dm_theory_read_csv(input, cli_args_value(&args, "theory-column"), &error);
  DmRedshiftDistribution *sources =
      o.nbody ? dm_redshift_distribution_read_csv(input, &error) : NULL;
  DmCatalog *catalog = NULL;
  DmMockSurvey *survey =
      theory || sources ? survey_from_options(&args, &catalog, &error) : NULL;
  const DmBinnedShear *grid = survey ? dm_mock_survey_template(survey) : NULL;
  DmMap *kappa = NULL;
  if (grid && o.nbody) kappa = nbody_maps(&o, sources, grid, &error);
  else if (grid) kappa = dm_map_new(grid->mask->nx, grid->mask->ny, 1, grid->mask->wcs, &error);
  DmBinnedShear *mock = NULL;
  long n_haloes = 0;
  bool ok = kappa && (o.nbody || make_kappa(kappa, theory, &o, &n_haloes, &error));
  bool cube = ok && kappa->nplanes > 1;
  if (cube)
    ok = describe(kappa, &o, 0, DM_MOCK_NOISE_NONE, &error) &&
         dm_fits_write_map(out, kappa, &error);
  else
    ok = ok && (mock = dm_mock_survey_make(survey, kappa, o.seed, 2, &error)) &&
         describe(kappa, &o, n_haloes, dm_mock_survey_noise(survey), &error);
  if (ok && !cube) {
    bool real = dm_mock_survey_noise(survey) != DM_MOCK_NOISE_NONE;
    DmFitsImageHdu hdus[] = {
        {kappa, NULL}, {mock->shear, "SHEAR"}, {mock->noise, "NOISE"}, {mock->mask, "MASK"}};
    ok = dm_fits_write_images(out, hdus, real ? 4 : 2, &error);
  }
  const char *out_shear = cli_args_value(&args, "out-shear");
  if (ok && out_shear) ok = dm_binned_shear_write(out_shear, mock, &error);
  dm_binned_shear_free(mock);
  dm_map_free(kappa);
  dm_mock_survey_free(survey);
  dm_catalog_free(catalog);
  dm_theory_free(theory);
  dm_redshift_distribution_free(sources);
  if (!ok) return cli_fail("simulate", error);
  fprintf(stderr, "Wrote %s%s%s.\n", out, out_shear ? " and " : "", out_shear ? out_shear : "");
  return 0;
}
