/* Command-line options of darkmap-cli subcommands: `--name value` pairs and
 * `--flag` switches, checked against the subcommand's option tables. */
#ifndef DARKMAP_CLI_ARGS_H
#define DARKMAP_CLI_ARGS_H

#include <stdbool.h>

#include "darkmap/error.h"

typedef struct {
  const char *name;  /* without the leading "--" */
  bool has_value;
  const char *help;  /* shown by --help: "FILE  what it is" */
} CliOptionSpec;

enum { CLI_MAX_OPTIONS = 48 };

typedef struct {
  int count;
  const char *names[CLI_MAX_OPTIONS];   /* point into the spec tables */
  const char *values[CLI_MAX_OPTIONS];  /* point into argv; NULL for flags */
} CliArgs;

/* Parses argv (after the subcommand name) against NULL-name-terminated spec
 * tables; unknown options, missing values and repeats are errors. */
bool cli_args_parse(CliArgs *args, int argc, char **argv, const CliOptionSpec *const *tables,
                    int n_tables, DmError **error);

/* The value given for an option, or NULL. */
const char *cli_args_value(const CliArgs *args, const char *name);
bool cli_args_flag(const CliArgs *args, const char *name);

/* Value parsers with clear errors naming the option. */
bool cli_args_int(const CliArgs *args, const char *name, int min, int max, int *out,
                  DmError **error);
bool cli_args_double(const CliArgs *args, const char *name, double *out, DmError **error);

/* An option that must be there. */
const char *cli_args_require(const CliArgs *args, const char *name, DmError **error);

/* Prints the options of the tables, one per line. */
void cli_args_print_help(const CliOptionSpec *const *tables, int n_tables);

#endif
