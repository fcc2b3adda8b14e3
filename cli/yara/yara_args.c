#include "cli/yara/yara_args.h"

#include <stdlib.h>
#include <string.h>

typedef enum
{
  ARG_OK,
  ARG_UNKNOWN,
  ARG_TOO_MANY,
  ARG_NEEDS_INTEGER,
  ARG_NEEDS_STRING
} arg_error;

static int is_long(const char* a)
{
  return a[0] == '-' && a[1] == '-' && a[2] != '\0';
}

static int is_short(const char* a)
{
  return a[0] == '-' && a[1] != '-' && a[1] != '\0';
}

static yopt* find_short(yopt* opts, char c)
{
  for (; opts->type != YOPT_END; opts++)
    if (opts->short_name != 0 && opts->short_name == c)
      return opts;
  return NULL;
}

/* "--name" or "--name=value"; names must match whole. */
static yopt* find_long(yopt* opts, const char* arg)
{
  arg += 2;
  for (; opts->type != YOPT_END; opts++)
  {
    if (opts->long_name == NULL)
      continue;
    size_t l = strlen(opts->long_name);
    if (strncmp(arg, opts->long_name, l) == 0 &&
        (arg[l] == '\0' || arg[l] == '='))
      return opts;
  }
  return NULL;
}

/* Sets `opt` from `val` (may be NULL); *used says if `val` was consumed. */
static arg_error apply(yopt* opt, const char* val, int* used)
{
  char* end = NULL;
  *used = 0;
  if (opt->count == opt->max_count)
    return ARG_TOO_MANY;
  switch (opt->type)
  {
  case YOPT_BOOL:
    *(bool*) opt->value = !*(bool*) opt->value;
    break;
  case YOPT_INT:
    if (val == NULL)
      return ARG_NEEDS_INTEGER;
    *(long long*) opt->value = strtoll(val, &end, 0);
    if (*end != '\0')
      return ARG_NEEDS_INTEGER;
    *used = 1;
    break;
  case YOPT_STRING:
    if (val == NULL)
      return ARG_NEEDS_STRING;
    if (opt->max_count > 1)
      ((const char**) opt->value)[opt->count] = val;
    else
      *(const char**) opt->value = val;
    *used = 1;
    break;
  default:
    return ARG_UNKNOWN;
  }
  opt->count++;
  return ARG_OK;
}

static void fail(arg_error e, const char* arg)
{
  static const char* const formats[] = {
      [ARG_UNKNOWN] = "unknown option `%s`\n",
      [ARG_TOO_MANY] = "too many `%s` options\n",
      [ARG_NEEDS_INTEGER] = "option `%s` requires an integer argument\n",
      [ARG_NEEDS_STRING] = "option `%s` requires a string argument\n",
  };
  fprintf(stderr, formats[e], arg);
  exit(1);
}

/* A cluster like "-rs" or "-p 4"; returns how many extra argv it used. */
static int parse_short(yopt* opts, const char* arg, const char* next)
{
  for (int j = 1; arg[j] != '\0'; j++)
  {
    yopt* opt = find_short(opts, arg[j]);
    int used = 0;
    if (opt == NULL)
      fail(ARG_UNKNOWN, arg);
    /* Only the last letter of a cluster may take the next argument. */
    arg_error e = apply(opt, arg[j + 1] == '\0' ? next : NULL, &used);
    if (e != ARG_OK)
      fail(e, arg);
    if (used)
      return 1;
  }
  return 0;
}

int yopt_parse(yopt* opts, int argc, char** argv)
{
  int operands = 0;
  for (int i = 1; i < argc; i++)
  {
    char* arg = argv[i];
    if (is_long(arg))
    {
      yopt* opt = find_long(opts, arg);
      const char* eq = strchr(arg, '=');
      int used;
      if (opt == NULL)
        fail(ARG_UNKNOWN, arg);
      arg_error e = apply(opt, eq ? eq + 1 : NULL, &used);
      if (e != ARG_OK)
        fail(e, arg);
    }
    else if (is_short(arg))
      i += parse_short(opts, arg, argv[i + 1]);
    else
      argv[operands++] = arg;
  }
  return operands;
}

void yopt_print_usage(FILE* out, const yopt* opts, int align)
{
  char buf[128];
  for (; opts->type != YOPT_END; opts++)
  {
    int n = snprintf(buf, sizeof(buf), "  ");
    if (opts->short_name != 0)
      n += snprintf(buf + n, sizeof(buf) - n, "-%c", opts->short_name);
    else
      n += snprintf(buf + n, sizeof(buf) - n, "     ");
    if (opts->short_name != 0 && opts->long_name != NULL)
      n += snprintf(buf + n, sizeof(buf) - n, ",  ");
    if (opts->long_name != NULL)
      n += snprintf(buf + n, sizeof(buf) - n, "--%s", opts->long_name);
    if (opts->type == YOPT_INT || opts->type == YOPT_STRING)
      snprintf(
          buf + n,
          sizeof(buf) - n,
          "%s%s",
          opts->long_name != NULL ? "=" : " ",
          opts->type_help);
    fprintf(out, "%-*s%s\n", align, buf, opts->help);
  }
}

int yopt_wrong_arguments(const char* prog, const char* usage_args)
{
  fprintf(
      stderr,
      "%s: wrong number of arguments\nUsage: %s %s\n\n",
      prog,
      prog,
      usage_args);
  fprintf(stderr, "Try `--help` for more options\n");
  return EXIT_FAILURE;
}
