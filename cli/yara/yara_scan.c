#include "cli/yara/yara_scan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yara/modules.h>

#include "cli/common/mapped.h"
#include "cli/common/path_json.h"
#include "cli/yara/yara_dump.h"
#include "cli/yara/yara_json.h"
#include "cli/yara/yara_rules.h"
#include "modules/malml/malml.h"

/*
 * -l as YARA 4.2.3 counts it: one count of matches over all files, and a
 * file's callbacks abort once it is reached.  YARA prints a shown rule
 * before it counts it, so after the limit each file still scanned prints its
 * first rule when that one is shown; that is kept.  The count lives in memory
 * every worker shares (scan_shared.limit_count) and is checked before each
 * later callback prints, so that a match another worker counted meanwhile
 * stops this file too (issue 25: a count handed to the worker with its file
 * let each worker print up to the limit).
 */
static int on_rule(
    scan_thread* t,
    YR_SCAN_CONTEXT* context,
    int message,
    const YR_RULE* rule)
{
  const yara_config* cfg = t->sh->cfg;
  bool matching = message == CALLBACK_MSG_RULE_MATCHING;
  bool first = t->rule_callbacks++ == 0;
  long long total = 0;
  if (cfg->limit != 0)
  {
    total = atomic_load(t->sh->limit_count);
    if (!first && total >= cfg->limit)
      return CALLBACK_ABORT;
    if (matching)
      total = atomic_fetch_add(t->sh->limit_count, 1) + 1;
    /* Another worker took the last match left since the check above. */
    if (matching && !first && total > cfg->limit)
      return CALLBACK_ABORT;
  }
  if (matching)
    t->current_count++;
  if (!cfg->count_only && output_rule_shown(cfg, rule, matching))
  {
    if (cfg->json)
      json_array_append_new(t->matches, json_rule(cfg, context, rule));
    else
      output_rule_text(&t->out, cfg, context, rule, t->path);
  }
  if (cfg->limit != 0 && total >= cfg->limit)
    return CALLBACK_ABORT;
  return CALLBACK_CONTINUE;
}

static void on_import(scan_thread* t, YR_MODULE_IMPORT* mi)
{
  /* The last -x for a module wins, as in YARA. */
  for (int i = t->sh->nmdata - 1; i >= 0; i--)
  {
    if (strcmp(t->sh->mdata[i].module, mi->module_name) == 0)
    {
      mi->module_data = (void*) t->sh->mdata[i].file.data;
      mi->module_data_size = t->sh->mdata[i].file.size;
      return;
    }
  }
}

/* The scanned bytes, for the sha256 in malml's summary: a file is one
   block (mapped by us or by libyara); a process has no one content. */
static void read_malml(scan_thread* t, YR_SCAN_CONTEXT* context, YR_OBJECT* o)
{
  YR_MEMORY_BLOCK* block = first_memory_block(context);
  static const uint8_t nothing[1];
  const uint8_t* data = NULL;
  if (!t->is_process && block != NULL)
    data = block->size > 0 ? block->fetch_data(block) : nothing;
  malml_summary_read(o, data, data != NULL ? block->size : 0, &t->malml);
  malml_summary_text(&t->malml, t->malml_line, sizeof(t->malml_line));
}

static void
on_imported(scan_thread* t, YR_SCAN_CONTEXT* context, YR_OBJECT* object)
{
  const yara_config* cfg = t->sh->cfg;
  if (strcmp(object->identifier, "malml") == 0 &&
      (cfg->json || cfg->print_scores))
    read_malml(t, context, object);
  if (!cfg->show_module_data)
    return;
  if (cfg->json)
  {
    json_t* v = dump_object(object);
    if (v != NULL)
      json_object_set_new(t->modules, object->identifier, v);
    return;
  }
  /* libyara prints the object with printf, so our buffer goes first. */
  outbuf_flush(&t->out);
  yr_object_print_data(object, 0, 1);
  printf("\n");
}

static int
on_too_many(scan_thread* t, YR_SCAN_CONTEXT* context, const YR_STRING* s)
{
  const yara_config* cfg = t->sh->cfg;
  if (cfg->ignore_warnings)
    return CALLBACK_CONTINUE;
  const YR_RULE* rule = &context->rules->rules_table[s->rule_idx];
  fprintf(
      stderr,
      "warning: rule \"%s\": too many matches for %s, results for this "
      "rule may be incorrect\n",
      rule->identifier,
      s->identifier);
  return cfg->fail_on_warnings ? CALLBACK_ERROR : CALLBACK_CONTINUE;
}

static void on_console(scan_thread* t, const char* message)
{
  if (t->sh->cfg->json)
    json_array_append_new(t->console, json_text(message));
  else
    outbuf_printf(&t->out, "%s\n", message);
}

static int
callback(YR_SCAN_CONTEXT* context, int message, void* data, void* user_data)
{
  scan_thread* t = user_data;
  switch (message)
  {
  case CALLBACK_MSG_RULE_MATCHING:
  case CALLBACK_MSG_RULE_NOT_MATCHING:
    return on_rule(t, context, message, data);
  case CALLBACK_MSG_IMPORT_MODULE:
    on_import(t, data);
    return CALLBACK_CONTINUE;
  case CALLBACK_MSG_MODULE_IMPORTED:
    on_imported(t, context, data);
    return CALLBACK_CONTINUE;
  case CALLBACK_MSG_TOO_MANY_MATCHES:
    return on_too_many(t, context, data);
  case CALLBACK_MSG_CONSOLE_LOG:
    on_console(t, data);
    return CALLBACK_CONTINUE;
  }
  /* YARA 4.2 answers anything else (scan finished) with an error, which
     libyara ignores; answering the same keeps any later message the same. */
  return CALLBACK_ERROR;
}

int scan_thread_init(scan_thread* t, scan_shared* sh)
{
  memset(t, 0, sizeof(*t));
  t->sh = sh;
  t->reader.refuse_pseudo = 1; /* scan_path */
  int rc = yr_scanner_create(sh->rules, &t->scanner);
  if (rc != ERROR_SUCCESS)
    return rc;
  yr_scanner_set_callback(t->scanner, callback, t);
  /* Without libyara's signal handler: a parser that crashes kills the
     worker, which the supervisor reports as a crash and replaces, where
     the handler would have left the crashed file's module objects for the
     worker's next file (issue 20; modules/module_table.c). */
  yr_scanner_set_flags(t->scanner, sh->flags | SCAN_FLAGS_NO_TRYCATCH);
  return ERROR_SUCCESS;
}

void scan_thread_fini(scan_thread* t)
{
  if (t->scanner != NULL)
    yr_scanner_destroy(t->scanner);
  outbuf_free(&t->out);
  json_decref(t->matches);
  json_decref(t->console);
  json_decref(t->modules);
  mapped_reader_free(&t->reader);
  t->scanner = NULL;
  t->matches = t->console = t->modules = NULL;
}

/* Anything mapped_open_with refuses (devices, FIFOs, files on sysfs and
   procfs) gets libyara's own mapping, which is what YARA does for every
   file: a sysfs attribute that cannot be mapped is error 4 there too. */
static int scan_path(scan_thread* t, const char* path)
{
  mapped_file m;
  if (mapped_open_with(path, &t->reader, &m) == 0)
  {
    errno = 0;
    int rc = yr_scanner_scan_mem(t->scanner, m.data, m.size);
    /* As extractor_run (extract.h): a parse cut short by a failed
       allocation is out of memory, not a result. */
    if (rc == ERROR_SUCCESS && errno == ENOMEM)
      rc = ERROR_INSUFFICIENT_MEMORY;
    mapped_close(&m);
    return rc;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ERROR_COULD_NOT_OPEN_FILE;
  int rc = yr_scanner_scan_fd(t->scanner, fd);
  close(fd);
  return rc;
}

/* YARA tries a numeric target as a pid when it is not a readable file. */
static int scan_maybe_pid(scan_thread* t, const char* target)
{
  char* end = NULL;
  long pid = strtol(target, &end, 10);
  if (pid > 0 && *end == '\0')
  {
    t->is_process = true;
    return yr_scanner_scan_proc(t->scanner, (int) pid);
  }
  return ERROR_COULD_NOT_OPEN_FILE;
}

void scan_print_error(scan_thread* t, const char* path, int error)
{
  YR_RULE* rule = yr_scanner_last_error_rule(t->scanner);
  YR_STRING* s = yr_scanner_last_error_string(t->scanner);
  fprintf(stderr, "error scanning %s: ", path);
  if (rule != NULL && s != NULL)
    fprintf(
        stderr,
        "string \"%s\" in rule \"%s\" caused ",
        s->identifier,
        rule->identifier);
  else if (rule != NULL)
    fprintf(stderr, "rule \"%s\" caused ", rule->identifier);
  char why[256];
  /* YARA would print "error: 46"; for a bad -x malml=FILE we can say why. */
  if (error == ERROR_INVALID_MODULE_DATA &&
      malml_module_data_error(why, sizeof(why)) == 0)
    fprintf(stderr, "invalid data for module malml: %s\n", why);
  else if (error == ERROR_SCAN_TIMEOUT && t->refusal != NULL)
    fprintf(stderr, "scanning timed out: %s\n", t->refusal);
  else
    rules_print_error(error);
}

/* Error texts for the JSON "error" field, as print_error words them. */
static const char* error_text(int error)
{
  switch (error)
  {
  case ERROR_COULD_NOT_OPEN_FILE:
    return "could not open file";
  case ERROR_SCAN_TIMEOUT:
    return "scanning timed out";
  case ERROR_INSUFFICIENT_MEMORY:
    return "not enough memory";
  case ERROR_COULD_NOT_ATTACH_TO_PROCESS:
    return "can not attach to process (try running as root)";
  case ERROR_EXEC_STACK_OVERFLOW:
    return "stack overflow while evaluating condition";
  case ERROR_TOO_MANY_MATCHES:
    return "too many matches";
  case ERROR_INVALID_MODULE_DATA:
    return "invalid module data";
  }
  return "scan error";
}

/* Returns rc, or ERROR_INSUFFICIENT_MEMORY when the line could not be made:
 * a file is reported, never left out. */
static int emit_json(scan_thread* t, const char* path, int rc)
{
  json_t* obj = json_object();
  path_json_set(obj, path);
  /* Only when the rules import malml: other runs stay as they were. */
  if (t->malml.valid && t->malml.sha256[0] != '\0')
    json_object_set_new(obj, "sha256", json_string(t->malml.sha256));
  if (t->sh->cfg->count_only)
    json_object_set_new(obj, "count", json_integer(t->current_count));
  else
    json_object_set(obj, "matches", t->matches);
  if (json_array_size(t->console) > 0)
    json_object_set(obj, "console", t->console);
  if (t->malml.valid)
    json_object_set_new(obj, "malml", malml_summary_json(&t->malml));
  if (t->sh->cfg->show_module_data)
    json_object_set(obj, "modules", t->modules);
  if (rc != ERROR_SUCCESS)
  {
    char why[256];
    int refused = rc == ERROR_SCAN_TIMEOUT && t->refusal != NULL;
    snprintf(why, sizeof(why), "%s%s%s", error_text(rc), refused ? ": " : "",
             refused ? t->refusal : "");
    json_object_set_new(obj, "error", json_string(why));
    json_object_set_new(obj, "error_code", json_integer(rc));
  }
  char* line = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
  if (line != NULL)
    outbuf_printf(&t->out, "%s\n", line);
  else if (rc == ERROR_SUCCESS)
    rc = ERROR_INSUFFICIENT_MEMORY;
  free(line);
  json_decref(obj);
  return rc;
}

static void begin_file(scan_thread* t, const char* path)
{
  t->path = path;
  t->current_count = 0;
  t->rule_callbacks = 0;
  t->out.len = 0;
  t->is_process = false;
  t->malml.valid = false;
  if (t->sh->cfg->json)
  {
    json_decref(t->matches);
    json_decref(t->console);
    json_decref(t->modules);
    t->matches = json_array();
    t->console = json_array();
    t->modules = json_object();
  }
}

int scan_file(scan_thread* t, const char* path, bool in_dir)
{
  const yara_config* cfg = t->sh->cfg;
  begin_file(t, path);
  int rc = scan_path(t, path);
  if (rc == ERROR_COULD_NOT_OPEN_FILE && !in_dir)
    rc = scan_maybe_pid(t, path);
  t->refusal = malml_scan_refusal_take();
  if (cfg->json)
    rc = emit_json(t, path, rc);
  else if (cfg->count_only && in_dir)
    outbuf_printf(&t->out, "%s: %d\n", path, t->current_count);
  else if (cfg->count_only && rc == ERROR_SUCCESS)
    outbuf_printf(&t->out, "%d\n", t->current_count);
  /* --print-scores: one line per file malml scored, after its rule lines
     (with -c, after its count) and also when no rule matched, ending with
     the path as rule lines do. */
  if (!cfg->json && cfg->print_scores && t->malml.valid)
    outbuf_printf(&t->out, "%s %s\n", t->malml_line, path);
  outbuf_flush(&t->out);
  if (rc != ERROR_SUCCESS)
    scan_print_error(t, path, rc);
  return rc;
}
