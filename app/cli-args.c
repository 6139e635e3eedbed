/* Option parsing for darkmap-cli (see cli-args.h). */
#include "cli-args.h"

#include "darkmap/atomic-file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const CliOptionSpec *find_spec(const CliOptionSpec *const *tables, int n_tables,
                                      const char *name) {
  for (int t = 0; t < n_tables; t++)
    for (const CliOptionSpec *s = tables[t]; s->name; s++)
      if (strcmp(s->name, name) == 0) return s;
  return NULL;
}

/* Output options ("out", "out-shear", "significance-out"): their folder is
 * checked before any work starts, so a mistyped path fails at once rather
 * than after the reconstruction it was to hold. */
static bool is_output_option(const char *name) {
  size_t n = strlen(name);
  return strcmp(name, "out") == 0 || strncmp(name, "out-", 4) == 0 ||
         (n > 4 && strcmp(name + n - 4, "-out") == 0);
}

static bool check_output_folder(const char *path, DmError **error) {
  char *folder = dm_output_folder(path);
  bool writable = folder && access(folder, W_OK | X_OK) == 0;
  int saved = folder ? errno : ENOMEM;
  free(folder);
  if (writable) return true;
  return dm_error_set(error, DM_ERROR_IO, saved, "Cannot write %s: %s.", path, strerror(saved));
}

bool cli_args_parse(CliArgs *args, int argc, char **argv, const CliOptionSpec *const *tables,
                    int n_tables, DmError **error) {
  args->count = 0;
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    if (strncmp(arg, "--", 2) != 0)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Unexpected argument '%s': options start with '--'.", arg);
    const CliOptionSpec *spec = find_spec(tables, n_tables, arg + 2);
    if (!spec)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                          "Unknown option '%s' (see --help).", arg);
    if (cli_args_value(args, spec->name) || cli_args_flag(args, spec->name))
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Option '%s' is given twice.",
                          arg);
    if (args->count == CLI_MAX_OPTIONS)
      return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Too many options.");
    const char *value = NULL;
    if (spec->has_value) {
      if (i + 1 >= argc)
        return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Option '%s' needs a value.",
                            arg);
      value = argv[++i];
      if (is_output_option(spec->name) && !check_output_folder(value, error)) return false;
    }
    args->names[args->count] = spec->name;
    args->values[args->count] = value;
    args->count++;
  }
  return true;
}

static int find_index(const CliArgs *args, const char *name) {
  for (int i = 0; i < args->count; i++)
    if (strcmp(args->names[i], name) == 0) return i;
  return -1;
}

const char *cli_args_value(const CliArgs *args, const char *name) {
  int i = find_index(args, name);
  return i < 0 ? NULL : args->values[i];
}

bool cli_args_flag(const CliArgs *args, const char *name) {
  int i = find_index(args, name);
  return i >= 0 && args->values[i] == NULL;
}

const char *cli_args_require(const CliArgs *args, const char *name, DmError **error) {
  const char *value = cli_args_value(args, name);
  if (!value)
    dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0, "Option --%s is required.", name);
  return value;
}

bool cli_args_int(const CliArgs *args, const char *name, int min, int max, int *out,
                  DmError **error) {
  const char *text = cli_args_value(args, name);
  if (!text) return true;
  char *end = NULL;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno || end == text || *end || value < min || value > max)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --%s needs an integer from %d to %d, not '%s'.", name, min, max,
                        text);
  *out = (int)value;
  return true;
}

bool cli_args_double(const CliArgs *args, const char *name, double *out, DmError **error) {
  const char *text = cli_args_value(args, name);
  if (!text) return true;
  char *end = NULL;
  errno = 0;
  double value = strtod(text, &end);
  if (errno || end == text || *end || value != value)
    return dm_error_set(error, DM_ERROR_INVALID_ARGUMENT, 0,
                        "Option --%s needs a number, not '%s'.", name, text);
  *out = value;
  return true;
}

void cli_args_print_help(const CliOptionSpec *const *tables, int n_tables) {
  for (int t = 0; t < n_tables; t++)
    for (const CliOptionSpec *s = tables[t]; s->name; s++)
      printf("  --%-16s %s\n", s->name, s->help);
}
