/*
 * yara: YARA 4.2's command-line scanner with the malml module compiled in.
 *
 * Same options, defaults, output and exit codes as Debian's yara 4.2.3 (the
 * differences are listed in --help and docs/yara.1), plus JSON lines output
 * and a progress line.  The scanning is in yara_scan.c and yara_run.c, the
 * option parser in yara_args.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yara.h>

#include "cli/common/supervise.h"
#include "cli/yara/yara_args.h"
#include "cli/yara/yara_config.h"
#include "cli/yara/yara_rules.h"
#include "cli/yara/yara_run.h"
#include "cli/yara/yara_scan.h"
#include "config.h"
#include "modules/malml/malml.h"

#define USAGE_ARGS "[OPTION]... [NAMESPACE:]RULES_FILE... FILE | DIR | PID"

/* The name the program was run as: "yara" in the build tree, "malml-yara"
 * where it is installed, so usage lines name what the user typed. */
static const char* prog = "yara";

#define B(s, l, v, h)                 \
  {                                   \
    YOPT_BOOL, s, l, v, 1, h, NULL, 0 \
  }
#define I(s, l, v, h, t)          \
  {                               \
    YOPT_INT, s, l, v, 1, h, t, 0 \
  }
#define S(s, l, v, n, h, t)          \
  {                                  \
    YOPT_STRING, s, l, v, n, h, t, 0 \
  }

/* -p not given: the number of cores, as malml's commands default to. */
#define THREADS_UNSET LLONG_MIN

/* Filled by the parser, read-only afterwards (threads share it). */
static yara_config cfg = {
    .follow_symlinks = true,
    .timeout = 1000000,
    .worker_memory = SUPERVISE_DEFAULT_MEMORY_MIB,
    .stack_size = DEFAULT_STACK_SIZE,
    .threads = THREADS_UNSET, /* check_arguments: cores, at most 32 */
    .max_strings_per_rule = DEFAULT_MAX_STRINGS_PER_RULE,
    .max_process_memory_chunk = DEFAULT_MAX_PROCESS_MEMORY_CHUNK,
};

/* Same order and words as YARA 4.2.3's table, plus our two options. */
static yopt options[] = {
    S(0,
      "atom-quality-table",
      &cfg.atom_quality_table,
      1,
      "path to a file with the atom quality table",
      "FILE"),
    B('C', "compiled-rules", &cfg.compiled_rules, "load compiled rules"),
    B('c', "count", &cfg.count_only, "print only number of matches"),
    S('d',
      "define",
      cfg.ext_vars,
      YARA_MAX_ARGS,
      "define external variable",
      "VAR=VALUE"),
    B(0, "fail-on-warnings", &cfg.fail_on_warnings, "fail on warnings"),
    B('f', "fast-scan", &cfg.fast_scan, "fast matching mode"),
    B('h', "help", &cfg.show_help, "show this help and exit"),
    S('i',
      "identifier",
      cfg.identifiers,
      YARA_MAX_ARGS,
      "print only rules named IDENTIFIER",
      "IDENTIFIER"),
    I(0,
      "max-process-memory-chunk",
      &cfg.max_process_memory_chunk,
      "set maximum chunk size while reading process memory "
      "(default=1073741824)",
      "NUMBER"),
    I('l',
      "max-rules",
      &cfg.limit,
      "abort scanning after matching a NUMBER of rules",
      "NUMBER"),
    I(0,
      "max-strings-per-rule",
      &cfg.max_strings_per_rule,
      "set maximum number of strings per rule (default=10000)",
      "NUMBER"),
    S('x',
      "module-data",
      cfg.modules_data,
      YARA_MAX_ARGS,
      "pass FILE's content as extra data to MODULE",
      "MODULE=FILE"),
    B('n', "negate", &cfg.negate, "print only not satisfied rules (negate)"),
    B('N',
      "no-follow-symlinks",
      &cfg.follow_symlinks,
      "do not follow symlinks when scanning"),
    B('w', "no-warnings", &cfg.ignore_warnings, "disable warnings"),
    S(0,
      "output-format",
      &cfg.output_format,
      1,
      "text (default) or json: one JSON object per file, with its sha256 "
      "and malml's scores when the rules import malml [malml]",
      "FORMAT"),
    B('m', "print-meta", &cfg.show_meta, "print metadata"),
    B(0,
      "print-scores",
      &cfg.print_scores,
      "print malml's score, level and model once per file, after its rules [malml]"),
    B('D', "print-module-data", &cfg.show_module_data, "print module data"),
    B('e', "print-namespace", &cfg.show_namespace, "print rules' namespace"),
    B('S', "print-stats", &cfg.show_stats, "print rules' statistics"),
    B('s', "print-strings", &cfg.show_strings, "print matching strings"),
    B('L',
      "print-string-length",
      &cfg.show_string_length,
      "print length of matched strings"),
    B('g', "print-tags", &cfg.show_tags, "print tags"),
    B(0,
      "progress",
      &cfg.progress,
      "show progress on stderr (a line every 10 s when not a terminal) [malml]"),
    I(0,
      "worker-memory",
      &cfg.worker_memory,
      "MiB each scanning process may allocate (default=" SUPERVISE_DEFAULT_MEMORY_TEXT
      ", 0=no limit) [malml]",
      "MIB"),
    B('r', "recursive", &cfg.recursive, "recursively search directories"),
    B(0,
      "scan-list",
      &cfg.scan_list,
      "scan files listed in FILE, one per line"),
    I('z',
      "skip-larger",
      &cfg.skip_larger,
      "skip files larger than the given size when scanning a directory",
      "NUMBER"),
    I('k',
      "stack-size",
      &cfg.stack_size,
      "set maximum stack size (default=16384)",
      "SLOTS"),
    S('t',
      "tag",
      cfg.tags,
      YARA_MAX_ARGS,
      "print only rules tagged as TAG",
      "TAG"),
    I('p',
      "threads",
      &cfg.threads,
      "use the specified NUMBER of threads to scan a directory "
      "(default: number of cores, at most 32)",
      "NUMBER"),
    I('a',
      "timeout",
      &cfg.timeout,
      "abort scanning after the given number of SECONDS",
      "SECONDS"),
    B('v', "version", &cfg.show_version, "show version information"),
    {YOPT_END, 0, NULL, NULL, 0, NULL, NULL, 0},
};

/* The command line is 4.2.3's whatever libyara is linked; on 4.3+ the help
   says which of that YARA's options are not here. */
#if YR_VERSION_HEX >= 0x040300
#define CLI_NOT_HERE                                                        \
  "  - the command line is YARA 4.2.3's: -E (--strict-escape), -q\n"       \
  "    (--disable-console-logs), -M (--module-names) and -X "               \
  "(--print-xor-key),\n    added in YARA 4.3-4.5, are not here, and a "    \
  "symlink whose target\n    starts with \"..\" is scanned (4.3+ skips it);\n"
#else
#define CLI_NOT_HERE ""
#endif

static void print_help(void)
{
  printf(
      "YARA %s with the malml module, the pattern matching swiss army "
      "knife.\nUsage: %s %s\n\n"
      "Mandatory arguments to long options are mandatory for short "
      "options too.\n\n",
      MALML_LIBYARA_VERSION,
      prog,
      USAGE_ARGS);
  yopt_print_usage(stdout, options, 43);
  printf(
      "\nDifferences from YARA %s (see yara(1) of this package):\n" CLI_NOT_HERE
      "  - the malml module is compiled in (import \"malml\"); -x "
      "malml=MODEL loads a model;\n"
      "  - --output-format=json, --print-scores, --progress and "
      "--worker-memory are ours;\n"
      "  - a directory reached twice (symlink loops, bind mounts) is "
      "scanned once;\n"
      "  - a directory that cannot be listed is reported on stderr "
      "(YARA is silent);\n"
      "  - when any file or directory of a directory scan could not be "
      "scanned, the\n    scan goes on and the exit status is 1 "
      "(YARA exits 0);\n"
      "  - -p defaults to the number of cores (YARA: 32), and -p 0 is an "
      "error (YARA\n    scans nothing, and may hang);\n"
      "  - files are scanned in worker processes: -a limits each file "
      "(YARA: the whole\n    directory scan; -a 0: no limit), a file that "
      "overruns it or crashes a\n    parser is reported and the scan goes "
      "on.\n"
      "\nReport bugs in the malml build to the malml project; YARA itself: "
      "vmalvarez@virustotal.com.\n",
      MALML_LIBYARA_VERSION);
}

/* Checks what YARA checks before touching any file; -1 means go on. */
static int check_arguments(yara_config* c, int nargs)
{
  if (c->threads > YR_MAX_THREADS)
  {
    fprintf(stderr, "maximum number of threads is %d\n", YR_MAX_THREADS);
    return EXIT_FAILURE;
  }
  /* YARA 4.2 scans nothing for -p 0 (and hangs past 64 files); malml's
     commands refuse it, and so do we. */
  if (c->threads != THREADS_UNSET && c->threads < 1)
  {
    fprintf(stderr, "error: -p takes 1 to %d threads\n", YR_MAX_THREADS);
    return EXIT_FAILURE;
  }
  if (c->threads == THREADS_UNSET)
  {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    c->threads = cores < 1                ? 1
                 : cores > YR_MAX_THREADS ? YR_MAX_THREADS
                                          : cores;
  }
  if (nargs < 2)
    return yopt_wrong_arguments(prog, USAGE_ARGS);
  const char* fmt = c->output_format;
  c->json = fmt != NULL && strcmp(fmt, "json") == 0;
  if (fmt != NULL && !c->json && strcmp(fmt, "text") != 0)
  {
    fprintf(
        stderr, "error: unknown output format \"%s\" (text or json).\n", fmt);
    return EXIT_FAILURE;
  }
  /* -S prints plain text on stdout, which would break the JSON lines;
     -D's data goes into each file's object instead (yara_dump.h). */
  if (c->json && c->show_stats)
  {
    fprintf(stderr, "error: -S cannot be used with --output-format=json.\n");
    return EXIT_FAILURE;
  }
  return -1;
}

/* A malml model given with -x is checked once, before any scan: a bad or
   empty FILE is an error naming it (an empty file would otherwise reach the
   module as no data at all and silently mean the default model). */
static int check_malml_model(const char* path, const YR_MAPPED_FILE* f)
{
  char err[256] = "empty file";
  malml_model* m = NULL;
  malml_schema_init(); /* before yr_initialize: the loader checks the hash */
  if (f->size > 0 &&
      malml_model_load(f->data, f->size, &m, err, sizeof(err)) == 0)
  {
    malml_model_free(m);
    return 0;
  }
  fprintf(stderr, "error: malml model \"%s\": %s\n", path, err);
  return -1;
}

extern YR_MODULE yr_modules_table[];
extern const size_t malml_modules_count;

/* YARA ignores -x data for a module it does not have; a typo (-x
   mlaml=...) then silently scans with the default model.  Say so. */
static void warn_unknown_module(const char* name)
{
  for (size_t i = 0; i < malml_modules_count; i++)
    if (strcmp(yr_modules_table[i].name, name) == 0)
      return;
  fprintf(stderr, "warning: -x %s=...: no module \"%s\" (modules:", name, name);
  for (size_t i = 0; i < malml_modules_count; i++)
    fprintf(stderr, " %s", yr_modules_table[i].name);
  fprintf(stderr, "); its data is not used\n");
}

/* -x MODULE=FILE, mapped before anything else as YARA does.  Returns the
   number mapped, or -1 after printing YARA's message. */
static int load_module_data(module_data* out)
{
  int n = 0;
  for (int i = 0; cfg.modules_data[i] != NULL; i++)
  {
    const char* eq = strchr(cfg.modules_data[i], '=');
    if (eq == NULL)
    {
      fprintf(stderr, "error: wrong syntax for `-x` option.\n");
      return -1;
    }
    out[n].module = strndup(cfg.modules_data[i], eq - cfg.modules_data[i]);
    if (out[n].module != NULL)
      warn_unknown_module(out[n].module);
    if (out[n].module == NULL ||
        yr_filemap_map(eq + 1, &out[n].file) != ERROR_SUCCESS)
    {
      free((char*) out[n].module);
      fprintf(stderr, "error: could not open file \"%s\".\n", eq + 1);
      return -1;
    }
    if (strcmp(out[n].module, "malml") == 0 &&
        check_malml_model(eq + 1, &out[n].file) != 0)
    {
      yr_filemap_unmap(&out[n].file);
      free((char*) out[n].module);
      return -1;
    }
    n++;
  }
  return n;
}

static void unload_module_data(module_data* m, int n)
{
  for (int i = 0; i < n; i++)
  {
    yr_filemap_unmap(&m[i].file);
    free((char*) m[i].module);
  }
}

static int load_compiled(const char* path, YR_RULES** rules)
{
  FILE* f = fopen(path, "rb");
  if (f == NULL)
    return ERROR_COULD_NOT_OPEN_FILE;
  YR_STREAM stream = {.user_data = f, .read = (YR_STREAM_READ_FUNC) fread};
  int rc = yr_rules_load_stream(&stream, rules);
  fclose(f);
  if (rc == ERROR_SUCCESS)
    rc = rules_define_externals(cfg.ext_vars, *rules, NULL);
  return rc;
}

/* Returns a libyara error, or -1 when the message is already printed. */
static int compile(int nfiles, char** files, YR_RULES** rules)
{
  YR_COMPILER* c = NULL;
  compiler_results cr = {0, cfg.ignore_warnings, MESSAGES_YARA};
  if (yr_compiler_create(&c) != ERROR_SUCCESS)
    return -1;
  int rc = rules_define_externals(cfg.ext_vars, NULL, c);
  if (rc != ERROR_SUCCESS)
  {
    rules_print_error(rc);
    rc = -1;
  }
  else if (
      cfg.atom_quality_table != NULL &&
      (rc = yr_compiler_load_atom_quality_table(
           c, cfg.atom_quality_table, 0)) != ERROR_SUCCESS)
  {
    fprintf(stderr, "error loading atom quality table: ");
    rules_print_error(rc);
    rc = -1;
  }
  else
  {
    yr_compiler_set_callback(c, rules_report, &cr);
    if (!rules_compile_files(c, nfiles, files) ||
        (cfg.fail_on_warnings && cr.warnings > 0))
      rc = -1;
    else
      rc = yr_compiler_get_rules(c, rules);
  }
  yr_compiler_destroy(c);
  if (rc == ERROR_SUCCESS)
    rc = rules_reload(rules);
  return rc;
}

static void print_stats(YR_RULES* rules)
{
  YR_RULES_STATS st;
  int top = sizeof(st.top_ac_match_list_lengths) /
            sizeof(st.top_ac_match_list_lengths[0]);
  int rc = yr_rules_get_stats(rules, &st);
  if (rc != ERROR_SUCCESS)
  {
    rules_print_error(rc);
    return;
  }
  printf("size of AC transition table        : %d\n", st.ac_tables_size);
  printf(
      "average length of AC matches lists : %f\n",
      st.ac_average_match_list_length);
  printf("number of rules                    : %d\n", st.num_rules);
  printf("number of strings                  : %d\n", st.num_strings);
  printf("number of AC matches               : %d\n", st.ac_matches);
  printf(
      "number of AC matches in root node  : %d\n",
      st.ac_root_match_list_length);
  printf("number of AC matches in top %d longest lists\n", top);
  for (int i = 0; i < top; i++)
    printf(" %3d: %d\n", i + 1, st.top_ac_match_list_lengths[i]);
  printf("match list length percentiles\n");
  for (int i = 100; i >= 0; i--)
    printf(" %3d: %d\n", i, st.ac_match_list_length_pctls[i]);
}

static void configure_libyara(void)
{
  yr_set_configuration_uint32(YR_CONFIG_STACK_SIZE, (uint32_t) cfg.stack_size);
  yr_set_configuration_uint32(
      YR_CONFIG_MAX_STRINGS_PER_RULE, (uint32_t) cfg.max_strings_per_rule);
  yr_set_configuration_uint64(
      YR_CONFIG_MAX_PROCESS_MEMORY_CHUNK,
      (uint64_t) cfg.max_process_memory_chunk);
}

/* Compiles or loads the rules; returns the exit status or -1 to go on. */
static int get_rules(int nfiles, char** files, YR_RULES** rules)
{
  int rc;
  if (cfg.compiled_rules && nfiles != 1)
  {
    fprintf(
        stderr,
        "error: can't accept multiple rules files if one of "
        "them is in compiled form.\n");
    return EXIT_FAILURE;
  }
  rc = cfg.compiled_rules ? load_compiled(files[0], rules)
                          : compile(nfiles, files, rules);
  if (rc == -1)
    return EXIT_FAILURE;
  if (rc != ERROR_SUCCESS)
  {
    rules_print_error(rc);
    return EXIT_FAILURE;
  }
  return -1;
}

static int
scan(YR_RULES* rules, const module_data* m, int nm, const char* target)
{
  static scan_shared sh;
  sh.cfg = &cfg;
  sh.rules = rules;
  sh.mdata = m;
  sh.nmdata = nm;
  sh.flags = cfg.fast_scan ? SCAN_FLAGS_FAST_MODE : 0;
  pthread_mutex_init(&sh.out_lock, NULL);
  if (cfg.show_stats)
    print_stats(rules);
  return yara_run(&sh, target);
}

int main(int argc, char** argv)
{
  const char* slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
  prog = argc > 0 ? (slash ? slash + 1 : argv[0]) : prog;
  module_data mdata[YARA_MAX_ARGS];
  YR_RULES* rules = NULL;
  int nargs = yopt_parse(options, argc, argv);
  if (cfg.show_version)
  {
    printf("%s (YARA with malml %s)\n", MALML_LIBYARA_VERSION, PACKAGE_VERSION);
    return EXIT_SUCCESS;
  }
  if (cfg.show_help)
  {
    print_help();
    return EXIT_SUCCESS;
  }
  int rc = check_arguments(&cfg, nargs);
  if (rc >= 0)
    return rc;
  int nm = load_module_data(mdata);
  if (nm < 0)
    return EXIT_FAILURE;
  if (yr_initialize() != ERROR_SUCCESS)
  {
    fprintf(stderr, "error: initialization error\n");
    unload_module_data(mdata, nm);
    return EXIT_FAILURE;
  }
  configure_libyara();
  rc = get_rules(nargs - 1, argv, &rules);
  if (rc < 0)
    rc = scan(rules, mdata, nm, argv[nargs - 1]);
  fflush(stdout);
  if (rules != NULL)
    yr_rules_destroy(rules);
  unload_module_data(mdata, nm);
  yr_finalize();
  return rc;
}
