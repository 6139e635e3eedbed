/* darkmap-cli bin: catalogue → shear file (g1, g2, COUNTS, WEIGHT, NOISE, MASK). */
#include <stdio.h>

#include "cli-commands.h"
#include "cli-shear-input.h"

static const CliOptionSpec bin_options[] = {
    {"out", true, "FILE     output shear file (FITS)"},
    {NULL, false, NULL},
};

int cli_bin_main(int argc, char **argv) {
  const CliOptionSpec *tables[] = {cli_catalog_options, bin_options};
  if (cli_wants_help(argc, argv)) {
    printf("Usage: darkmap-cli bin --catalog FILE [grid options] --out shear.fits\n"
           "Bins a shear catalogue onto a pixel grid.\n\n");
    cli_args_print_help(tables, 2);
    return 0;
  }
  DmError *error = NULL;
  CliArgs args;
  if (!cli_args_parse(&args, argc, argv, tables, 2, &error)) return cli_fail("bin", error);
  const char *out = cli_args_require(&args, "out", &error);
  if (!out) return cli_fail("bin", error);
  DmBinnedShear *binned = cli_bin_from_options(&args, &error);
  if (!binned || !dm_binned_shear_write(out, binned, &error)) {
    dm_binned_shear_free(binned);
    return cli_fail("bin", error);
  }
  fprintf(stderr, "Wrote %s.\n", out);
  dm_binned_shear_free(binned);
  return 0;
}
