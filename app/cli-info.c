/* darkmap-cli info: what a FITS file holds (HDUs, columns, WCS). */
#include <stdio.h>
#include <stdlib.h>

#include "cli-commands.h"
#include "darkmap/fits.h"

int cli_info_main(int argc, char **argv) {
  if (cli_wants_help(argc, argv) || argc != 1) {
    printf("Usage: darkmap-cli info FILE\n"
           "Lists the HDUs of a FITS file: images with their size and WCS, tables with\n"
           "their columns.\n");
    return argc == 1 ? 0 : 2;
  }
  DmError *error = NULL;
  char *text = dm_fits_describe(argv[0], &error);
  if (!text) return cli_fail("info", error);
  fputs(text, stdout);
  free(text);
  return 0;
}
