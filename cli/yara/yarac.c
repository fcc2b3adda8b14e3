/*
 * yarac: YARA 4.2's rule compiler with the malml module compiled in, so
 * rules importing "malml" compile; the output loads in our `yara -C`.
 * Same options, messages and exit codes as Debian's yarac 4.2.3, except
 * that an output file that cannot be written is an error (4.2.3 exits 0).
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

#include "cli/yara/yara_args.h"
#include "cli/yara/yara_rules.h"
#include "config.h"

#define USAGE_ARGS   "[OPTION]... [NAMESPACE:]SOURCE_FILE... OUTPUT_FILE"

/* The name the program was run as ("malml-yarac" where installed). */
static const char* prog = "yarac";
#define MAX_EXT_VARS 32

static const char* atom_quality_table;
static const char* ext_vars[MAX_EXT_VARS + 1];
static bool fail_on_warnings, show_help, ignore_warnings, show_version;
static long long max_strings_per_rule = DEFAULT_MAX_STRINGS_PER_RULE;

static yopt options[] = {
    {YOPT_STRING,
     0,
     "atom-quality-table",
     &atom_quality_table,
     1,
     "path to a file with the atom quality table",
     "FILE",
     0},
    {YOPT_STRING,
     'd',
     "define",
     ext_vars,
     MAX_EXT_VARS,
     "define external variable",
     "VAR=VALUE",
     0},
    {YOPT_BOOL,
     0,
     "fail-on-warnings",
     &fail_on_warnings,
     1,
     "fail on warnings",
     NULL,
     0},
    {YOPT_BOOL, 'h', "help", &show_help, 1, "show this help and exit", NULL, 0},
    {YOPT_INT,
     0,
     "max-strings-per-rule",
     &max_strings_per_rule,
     1,
     "set maximum number of strings per rule (default=10000)",
     "NUMBER",
     0},
    {YOPT_BOOL,
     'w',
     "no-warnings",
     &ignore_warnings,
     1,
     "disable warnings",
     NULL,
     0},
    {YOPT_BOOL,
     'v',
     "version",
     &show_version,
     1,
     "show version information",
     NULL,
     0},
    {YOPT_END, 0, NULL, NULL, 0, NULL, NULL, 0},
};

/* The command line is 4.2.3's whatever libyara is linked (yara.c). */
#if YR_VERSION_HEX >= 0x040300
#define CLI_NOT_HERE                                                  \
  "Its command line is YARA 4.2.3's: -E (--strict-escape), added in " \
  "YARA 4.3-4.5,\nis not here.\n"
#else
#define CLI_NOT_HERE ""
#endif

static void print_help(void)
{
  printf("Usage: %s %s\n\n", prog, USAGE_ARGS);
  yopt_print_usage(stdout, options, 40);
  printf(
      "\nThis yarac is YARA %s's with the malml module compiled in: rules may\n"
      "import \"malml\".  Its output loads in this package's `yara -C`; a\n"
      "YARA without malml refuses rules that import it.  Unlike upstream, an\n"
      "output file that cannot be written is an error.\n" CLI_NOT_HERE
      "\nReport bugs in the malml build to the malml project; YARA itself: "
      "vmalvarez@virustotal.com\n",
      MALML_LIBYARA_VERSION);
}

/* Returns the exit status. */
static int save(YR_RULES* rules, const char* path)
{
  FILE* f = fopen(path, "wb");
  if (f == NULL)
  {
    fprintf(stderr, "error: could not open file \"%s\".\n", path);
    return EXIT_FAILURE;
  }
  YR_STREAM stream = {.user_data = f, .write = (YR_STREAM_WRITE_FUNC) fwrite};
  int rc = yr_rules_save_stream(rules, &stream);
  if (fclose(f) != 0 && rc == ERROR_SUCCESS)
    rc = ERROR_WRITING_FILE;
  if (rc != ERROR_SUCCESS)
  {
    fprintf(stderr, "error: %d\n", rc);
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}

static int compile_and_save(YR_COMPILER* c, int nargs, char** args)
{
  YR_RULES* rules = NULL;
  compiler_results cr = {0, ignore_warnings, MESSAGES_YARAC};
  if (rules_define_externals(ext_vars, NULL, c) != ERROR_SUCCESS)
    return EXIT_FAILURE;
  if (atom_quality_table != NULL &&
      yr_compiler_load_atom_quality_table(c, atom_quality_table, 0) !=
          ERROR_SUCCESS)
  {
    fprintf(stderr, "error loading atom quality table\n");
    return EXIT_FAILURE;
  }
  yr_set_configuration_uint32(
      YR_CONFIG_MAX_STRINGS_PER_RULE, (uint32_t) max_strings_per_rule);
  yr_compiler_set_callback(c, rules_report, &cr);
  if (!rules_compile_files(c, nargs - 1, args))
    return EXIT_FAILURE;
  if (fail_on_warnings && cr.warnings > 0)
    return EXIT_FAILURE;
  int rc = yr_compiler_get_rules(c, &rules);
  if (rc != ERROR_SUCCESS)
  {
    fprintf(stderr, "error: %d\n", rc);
    return EXIT_FAILURE;
  }
  rc = save(rules, args[nargs - 1]);
  yr_rules_destroy(rules);
  return rc;
}

/* `yarac a.yar b.yar` compiles a.yar into b.yar, overwriting the source
 * a user meant to compile too.  Refuses an existing OUTPUT whose contents
 * are rules source, whatever its name (B.YAR, x.rules): text (no NUL in
 * its first 4 KiB) that is not compiled rules (YARA's start with "YARA")
 * and holds a rule, import or include.  Any other file is overwritten, as
 * YARA does. */
#define SOURCE_PATTERN                                                   \
  "(^|[[:space:]])(private[[:space:]]+|global[[:space:]]+)*rule[[:space:]]+" \
  "[A-Za-z_][A-Za-z0-9_]*|^[[:space:]]*(import|include)[[:space:]]+\""
static int output_is_source(const char* path)
{
  char head[4096];
  FILE* f = fopen(path, "rb");
  if (f == NULL)
    return 0;
  size_t got = fread(head, 1, sizeof(head) - 1, f);
  fclose(f);
  head[got] = '\0';
  if ((got >= 4 && memcmp(head, "YARA", 4) == 0) || memchr(head, 0, got))
    return 0;
  regex_t re;
  if (regcomp(&re, SOURCE_PATTERN, REG_EXTENDED | REG_NOSUB | REG_NEWLINE))
    return 0;
  int source = regexec(&re, head, 0, NULL, 0) == 0;
  regfree(&re);
  return source;
}

int main(int argc, char** argv)
{
  const char* slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
  prog = argc > 0 ? (slash ? slash + 1 : argv[0]) : prog;
  YR_COMPILER* c = NULL;
  int nargs = yopt_parse(options, argc, argv);
  if (show_version)
  {
    printf("%s (YARA with malml %s)\n", MALML_LIBYARA_VERSION, PACKAGE_VERSION);
    return EXIT_SUCCESS;
  }
  if (show_help)
  {
    print_help();
    return EXIT_SUCCESS;
  }
  if (nargs < 2)
    return yopt_wrong_arguments(prog, USAGE_ARGS);
  if (output_is_source(argv[nargs - 1]))
  {
    fprintf(
        stderr,
        "error: \"%s\" holds rules source, not compiled rules: yarac compiles "
        "SOURCE... into its last argument (e.g. rules.yarc); not "
        "overwritten.\n",
        argv[nargs - 1]);
    return EXIT_FAILURE;
  }
  if (yr_initialize() != ERROR_SUCCESS)
    return EXIT_FAILURE;
  int rc = EXIT_FAILURE;
  if (yr_compiler_create(&c) == ERROR_SUCCESS)
  {
    rc = compile_and_save(c, nargs, argv);
    yr_compiler_destroy(c);
  }
  yr_finalize();
  return rc;
}
