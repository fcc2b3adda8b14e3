/*
 * Private to yara: the options of one run, filled by the argument parser and
 * read-only once scanning starts (the scanning processes inherit it).
 */
#ifndef MALML_YARA_CONFIG_H
#define MALML_YARA_CONFIG_H

#include <stdbool.h>

/* YARA 4.2 allows 32 of each repeatable option. */
#define YARA_MAX_ARGS 32

typedef struct
{
  const char* atom_quality_table;
  const char* tags[YARA_MAX_ARGS + 1];
  const char* identifiers[YARA_MAX_ARGS + 1];
  const char* ext_vars[YARA_MAX_ARGS + 1];
  const char* modules_data[YARA_MAX_ARGS + 1];
  const char* output_format; /* NULL or "text": YARA's; "json": JSON lines */

  bool follow_symlinks;
  bool recursive;
  bool scan_list;
  bool show_module_data;
  bool show_tags;
  bool show_stats;
  bool show_strings;
  bool show_string_length;
  bool show_meta;
  bool show_namespace;
  bool show_version;
  bool show_help;
  bool ignore_warnings;
  bool fast_scan;
  bool negate;
  bool count_only;
  bool fail_on_warnings;
  bool compiled_rules;
  bool progress;
  bool print_scores; /* --print-scores: malml's score, once per file */
  bool json;         /* derived from output_format */

  long long limit;
  long long timeout;
  long long stack_size;
  long long skip_larger;
  long long threads;
  long long max_strings_per_rule;
  long long max_process_memory_chunk;
  long long worker_memory; /* MiB per scanning process; 0: no limit */
} yara_config;

#endif
