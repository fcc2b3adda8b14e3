/*
 * malml: a YARA module that describes a PE file with the features of a static
 * machine-learning model (this file: the rule-visible side).
 *
 * The PE parse is the `pe` module's own, loaded through yr_modules_load so
 * that rules importing both share one parse; malml adds one pass over the
 * bytes (entropy, byte histogram, strings) and hashed bags of imports and
 * section names.  See docs/features.md for every field.
 */
#include <math.h>
#include <string.h>
#include <yara/hash.h>
#include <yara/mem.h>
#include <yara/modules.h>
#include "modules/malml/yara_compat.h" /* 4.2 macro names on 4.3+ */
#include <yara/stopwatch.h>

#include "modules/malml/features/dotnet_gate.h"
#include "modules/malml/features/features.h"
#include "modules/malml/features/pe_gate.h"
#include "modules/malml/malml.h"
#include "modules/malml/features/pe_view.h"
#include "modules/malml/features/schema.h"
#include "modules/malml/features/string_stats.h"
#include "modules/malml/features/tokens.h"
#include "modules/malml/model/scoring.h"
#include "modules/malml/object_path.h"

#define MODULE_NAME malml

/* The features of the file being scanned, or NULL before module_load. */
static const malml_features* scanned(YR_OBJECT* module)
{
  const malml_features* f = module->data;
  return (f != NULL && f->is_pe) ? f : NULL;
}

define_function(feature_by_index)
{
  const malml_features* f = scanned(module());
  int64_t i = integer_argument(1);
  if (f == NULL || i < 0 || i >= MALML_FEATURE_COUNT || isnan(f->vector[i]))
    return_float(YR_UNDEFINED);
  return_float(f->vector[i]);
}

/* By the name docs/features.md and `malml features` print, such as
 * "strings.urls" or "imports.import_bucket[17]".  Linear, but only runs when
 * a rule calls it. */
define_function(feature_by_name)
{
  const malml_features* f = scanned(module());
  const char* name = string_argument(1);
  char buf[96];
  if (f == NULL)
    return_float(YR_UNDEFINED);
  for (int i = 0; i < MALML_FEATURE_COUNT; i++)
  {
    if (strcmp(malml_schema_feature_name(i, buf, sizeof(buf)), name) == 0)
    {
      if (isnan(f->vector[i]))
        break;
      return_float(f->vector[i]);
    }
  }
  return_float(YR_UNDEFINED);
}

/* The count in the import bucket of dll!function, or dll!#ordinal when
 * function is NULL; -1 for a file that is not a PE. */
static int64_t import_bucket_value(
    const malml_features* f,
    const SIZED_STRING* dll,
    const SIZED_STRING* function,
    int64_t ordinal)
{
  char token[2 * MALML_TOKEN_MAX + 32];
  if (f == NULL)
    return -1;
  size_t n = malml_import_token(
      dll->c_string,
      dll->length,
      function ? function->c_string : NULL,
      function ? function->length : 0,
      ordinal,
      token,
      sizeof(token));
  uint32_t b = malml_bucket(token, n, MALML_IMPORT_BUCKETS);
  return (int64_t) f->vector[MALML_F_import_bucket + b];
}

define_function(import_bucket_by_name)
{
  int64_t v = import_bucket_value(
      scanned(module()), sized_string_argument(1), sized_string_argument(2), 0);
  return_integer(v < 0 ? YR_UNDEFINED : v);
}

define_function(import_bucket_by_ordinal)
{
  int64_t v = import_bucket_value(
      scanned(module()), sized_string_argument(1), NULL, integer_argument(2));
  return_integer(v < 0 ? YR_UNDEFINED : v);
}

define_function(dll_bucket)
{
  const malml_features* f = scanned(module());
  SIZED_STRING* dll = sized_string_argument(1);
  char token[MALML_TOKEN_MAX + 1];
  if (f == NULL)
    return_integer(YR_UNDEFINED);
  size_t n = malml_dll_token(dll->c_string, dll->length, token, sizeof(token));
  uint32_t b = malml_bucket(token, n, MALML_DLL_BUCKETS);
  return_integer((int64_t) f->vector[MALML_F_dll_bucket + b]);
}

define_function(section_bucket)
{
  const malml_features* f = scanned(module());
  SIZED_STRING* name = sized_string_argument(1);
  if (f == NULL)
    return_integer(YR_UNDEFINED);
  size_t len = name->length < 8 ? name->length : 8;
  uint32_t b = malml_section_name_bucket(name->c_string, len);
  return_integer((int64_t) f->vector[MALML_F_section_name_bucket + b]);
}

/* 1 or 0 for a filetype token such as "upx" or "dotnet"; undefined for a
 * name that is not a token, so a typo cannot read as "absent". */
define_function(filetype)
{
  const malml_features* f = scanned(module());
  int i = malml_schema_filetype_index(string_argument(1));
  if (f == NULL || i < 0)
    return_integer(YR_UNDEFINED);
  return_integer((int64_t) f->vector[i]);
}

begin_declarations
  declare_integer("is_pe");
  declare_integer("schema_version");
  declare_string("schema_hash");
  declare_integer("number_of_features");
  declare_float("entropy");
  declare_integer("size_dif");
  declare_integer("stack_dif");
  declare_integer("heap_dif");
  declare_integer("overlay_size");
  /* Deprecated alias of number_of_imported_functions (pe's
     number_of_imports counts DLLs); kept for a release. */
  declare_integer("number_of_imports");
  declare_integer("number_of_imported_functions");
  declare_integer("number_of_imported_dlls");
  declare_integer("number_of_exports");
  declare_integer("number_of_sections");
  declare_integer("number_of_wx_sections");
  declare_integer("number_of_exec_sections");
  declare_integer("number_of_zero_raw_sections");
  declare_integer("number_of_unnamed_sections");
  begin_struct_array("sections")
    declare_string("name");
    declare_float("entropy");
  end_struct_array("sections")
  /* "strings" is a YARA keyword, so the strings group is string_stats. */
  begin_struct("string_stats")
    declare_integer("count");
    declare_integer("wide_count");
    declare_integer("max_length");
    declare_integer("urls");
    declare_integer("ipv4");
    declare_integer("registry");
    declare_integer("run_keys");
    declare_integer("paths");
    declare_integer("exe_names");
    declare_integer("shell_commands");
    declare_integer("user_agents");
    declare_integer("api_names");
    declare_integer("pdb_paths");
    declare_integer("embedded_pe");
    declare_integer("dos_stubs");
    declare_integer("base64_runs");
    declare_integer("hex_runs");
  end_struct("string_stats")
  /* What dotnet does not give itself (dotnet.number_of_resources and the
   * like stay dotnet's); set for .NET files only. */
  begin_struct("dotnet")
    declare_integer("number_of_nonstandard_streams");
    declare_integer("uncompressed_tables");
    declare_integer("tables_size");
    declare_integer("strings_heap_size");
    declare_integer("us_heap_size");
    declare_integer("blob_heap_size");
    declare_integer("module_name_mismatch");
    declare_integer("resources_size");
    declare_integer("max_resource_size");
    declare_integer("user_strings_size");
    declare_integer("max_user_string_length");
    declare_integer("number_of_nonascii_user_strings");
  end_struct("dotnet")
  /* Whether malml let dotnet parse the file (dotnet_gate.h); set for files
   * with a CLR directory only. */
  declare_integer("dotnet_refused");
  declare_string("dotnet_refused_reason");
  declare_function("feature", "i", "f", feature_by_index);
  declare_function("feature", "s", "f", feature_by_name);
  declare_function("import_bucket", "ss", "i", import_bucket_by_name);
  declare_function("import_bucket", "si", "i", import_bucket_by_ordinal);
  declare_function("dll_bucket", "s", "i", dll_bucket);
  declare_function("section_bucket", "s", "i", section_bucket);
  declare_function("filetype", "s", "i", filetype);
  /* Scores and the model that gave them (scoring.c, docs/model-format.md). */
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
    declare_float(malml_model_score_field(g));
  declare_float("familiarity"); /* model.h: how much training data vouches */
  begin_struct("threshold")
    int nthresholds;
    const malml_threshold_spec* spec = malml_threshold_specs(&nthresholds);
    for (int i = 0; i < nthresholds; i++) declare_float(spec[i].name);
    declare_float("familiar"); /* the cut on familiarity, not on a score */
  end_struct("threshold")
  begin_struct("model")
    declare_string("version");
    declare_string("sha256");
  end_struct("model")
end_declarations

int module_initialize(YR_MODULE* module)
{
  malml_strings_global_init();
  return malml_schema_init() == 0 ? ERROR_SUCCESS : ERROR_INTERNAL_FATAL_ERROR;
}

int module_finalize(YR_MODULE* module)
{
  malml_scoring_finalize();
  malml_features_thread_done();
  return ERROR_SUCCESS;
}

static void set_strings(YR_OBJECT* m, const malml_strings_stats* s)
{
  set_integer(s->strings, m, "string_stats.count");
  set_integer(s->wide_strings, m, "string_stats.wide_count");
  set_integer(s->max_length, m, "string_stats.max_length");
  set_integer(s->urls, m, "string_stats.urls");
  set_integer(s->ipv4, m, "string_stats.ipv4");
  set_integer(s->registry, m, "string_stats.registry");
  set_integer(s->run_keys, m, "string_stats.run_keys");
  set_integer(s->paths, m, "string_stats.paths");
  set_integer(s->exe_names, m, "string_stats.exe_names");
  set_integer(s->shell_commands, m, "string_stats.shell_commands");
  set_integer(s->user_agents, m, "string_stats.user_agents");
  set_integer(s->api_names, m, "string_stats.api_names");
  set_integer(s->pdb_paths, m, "string_stats.pdb_paths");
  set_integer(s->embedded_pe, m, "string_stats.embedded_pe");
  set_integer(s->dos_stubs, m, "string_stats.dos_stubs");
  set_integer(s->base64_runs, m, "string_stats.base64_runs");
  set_integer(s->hex_runs, m, "string_stats.hex_runs");
}

/* An integer feature, or undefined where it is missing. */
static void
set_feature_int(YR_OBJECT* m, const malml_features* f, int i, const char* field)
{
  if (!isnan(f->vector[i]))
    malml_set_integer_at(m, field, (int64_t) f->vector[i]);
}

/* An exact integer, or undefined where it is missing. */
static void set_exact_int(YR_OBJECT* m, int64_t value, const char* field)
{
  if (value != MALML_PE_MISSING)
    malml_set_integer_at(m, field, value);
}

static void set_dotnet(YR_OBJECT* m, const malml_dotnet* d)
{
  if (d->is_dotnet != 1)
    return;
  set_exact_int(
      m, d->nonstandard_streams, "dotnet.number_of_nonstandard_streams");
  set_exact_int(m, d->uncompressed_tables, "dotnet.uncompressed_tables");
  set_exact_int(m, d->tables_size, "dotnet.tables_size");
  set_exact_int(m, d->strings_heap_size, "dotnet.strings_heap_size");
  set_exact_int(m, d->us_heap_size, "dotnet.us_heap_size");
  set_exact_int(m, d->blob_heap_size, "dotnet.blob_heap_size");
  set_exact_int(m, d->module_name_mismatch, "dotnet.module_name_mismatch");
  set_exact_int(m, d->resources_size, "dotnet.resources_size");
  set_exact_int(m, d->max_resource_size, "dotnet.max_resource_size");
  set_exact_int(m, d->user_strings_size, "dotnet.user_strings_size");
  set_exact_int(m, d->max_user_string_length, "dotnet.max_user_string_length");
  set_exact_int(
      m, d->nonascii_user_strings, "dotnet.number_of_nonascii_user_strings");
}

static void set_fields(YR_OBJECT* m, const malml_features* f)
{
  const float* v = f->vector;
  set_integer(MALML_SCHEMA_VERSION, m, "schema_version");
  set_string(malml_schema_hash(), m, "schema_hash");
  set_integer(MALML_FEATURE_COUNT, m, "number_of_features");
  set_float(f->entropy, m, "entropy");
  set_exact_int(m, f->size_dif, "size_dif");
  set_exact_int(m, f->stack_dif, "stack_dif");
  set_exact_int(m, f->heap_dif, "heap_dif");
  set_exact_int(m, f->overlay_size, "overlay_size");
  set_feature_int(m, f, MALML_F_number_of_imports, "number_of_imports");
  set_feature_int(
      m, f, MALML_F_number_of_imports, "number_of_imported_functions");
  set_feature_int(m, f, MALML_F_imported_dlls, "number_of_imported_dlls");
  set_feature_int(m, f, MALML_F_number_of_exports, "number_of_exports");
  set_feature_int(m, f, MALML_F_number_of_sections, "number_of_sections");
  set_integer((int64_t) v[MALML_F_wx_sections], m, "number_of_wx_sections");
  set_integer((int64_t) v[MALML_F_exec_sections], m, "number_of_exec_sections");
  set_integer(
      (int64_t) v[MALML_F_zero_raw_sections], m, "number_of_zero_raw_sections");
  set_integer(
      (int64_t) v[MALML_F_unnamed_sections], m, "number_of_unnamed_sections");
  for (int i = 0; i < f->nsections; i++)
  {
    set_sized_string(
        f->section_name[i], f->section_name_len[i], m, "sections[%i].name", i);
    if (!isnan(f->section_entropy[i]))
      set_float(f->section_entropy[i], m, "sections[%i].entropy", i);
  }
  set_strings(m, &f->strings);
  set_dotnet(m, &f->dotnet);
}

/* What the pass over the bytes calls back with. */
typedef struct
{
  YR_SCAN_CONTEXT* context;
  const malml_model* model;
  int clr; /* the file has a CLR directory: it may be .NET */
} load_state;

/* The scan's own timeout (yara -a), asked inside the pass over the bytes so
 * a huge file cannot outrun it; the clock is the one YARA's scan loop reads.
 */
static int scan_expired(void* ctx)
{
  YR_SCAN_CONTEXT* context = ((load_state*) ctx)->context;
  return yr_stopwatch_elapsed_ns(&context->stopwatch) > context->timeout;
}

/* The bytes are read: the model's trees come from memory while the rest of
 * the features are computed. */
static void fetch_model(void* ctx)
{
  load_state* s = ctx;
  malml_model_prefetch(s->model, s->clr);
}

/* Why module_load refused the file being scanned, or NULL; one per thread,
 * as programs scan on several (malml.h). */
static __thread const char* refusal;

const char* malml_scan_refusal_take(void)
{
  const char* why = refusal;
  refusal = NULL;
  return why;
}

/* Where the rules have not loaded pe themselves, malml is what makes pe
 * parse this file, and owns its cost: pe 4.2.3 checks no timeout, and a
 * resource directory that loops costs it days, a version blob repeated
 * under many leaves gigabytes (pe_gate.h).  Why pe would not finish, or
 * NULL; the block is the one pe would parse. */
static const char* pe_would_not_finish(YR_SCAN_CONTEXT* context)
{
  if (yr_hash_table_lookup(context->objects_table, "pe", NULL) != NULL)
    return NULL;
  int process = (context->flags & SCAN_FLAGS_PROCESS_MEMORY) != 0;
  YR_MEMORY_BLOCK_ITERATOR* iterator = context->iterator;
  YR_MEMORY_BLOCK* block;
  foreach_memory_block(iterator, block)
  {
    const uint8_t* data = yr_fetch_block_data(block);
    malml_pe_gate_walk walk;
    if (data == NULL ||
        !malml_pe_gate_resources(
            data, block->size, process, MALML_PE_GATE_BUDGET, &walk))
      continue;
    if (walk.entries > MALML_PE_GATE_BUDGET)
      return "malml refused to load pe: its resource directory would take "
             "more than " MALML_PE_GATE_BUDGET_TEXT
             " entries to walk (a loop or a bomb)";
    if (walk.version_strings > MALML_PE_GATE_VERSION_STRINGS ||
        walk.version_bytes > MALML_PE_GATE_VERSION_BYTES)
      return "malml refused to load pe: its version information, parsed "
             "once for every RT_VERSION resource, would make pe record more "
             "than " MALML_PE_GATE_VERSION_STRINGS_TEXT
             " strings or read more than 64 MiB (a bomb)";
    return NULL;
  }
  return NULL;
}

/* dotnet for a file with a CLR directory, unless the gate refuses it
 * (issue 20: metadata that would make dotnet allocate a thousand times the
 * file's size); a refused file's features are those of a file dotnet did
 * not parse, and malml.dotnet_refused_reason says why. */
static int load_dotnet(
    YR_SCAN_CONTEXT* context,
    YR_OBJECT* module_object,
    const uint8_t* data,
    size_t size,
    YR_OBJECT** dotnet)
{
  malml_dotnet_gate_result gate;
  *dotnet = NULL;
  if (!malml_pe_has_clr_directory(data, size))
    return ERROR_SUCCESS;
  if (!malml_dotnet_gate(data, size, &gate))
  {
    set_integer(1, module_object, "dotnet_refused");
    set_string(gate.reason, module_object, "dotnet_refused_reason");
    return ERROR_SUCCESS;
  }
  set_integer(0, module_object, "dotnet_refused");
  FAIL_ON_ERROR(yr_modules_load("dotnet", context));
  *dotnet = yr_hash_table_lookup(context->objects_table, "dotnet", NULL);
  return ERROR_SUCCESS;
}

int module_load(
    YR_SCAN_CONTEXT* context,
    YR_OBJECT* module_object,
    void* module_data,
    size_t module_data_size)
{
  /* Loaded as a rule importing them would: rules importing pe or dotnet
   * too share the one parse.  dotnet only for a file with a CLR directory:
   * its declarations alone cost about 40 us a file, a tenth of malml's
   * work, and the dotnet group describes .NET files only. */
  refusal = NULL;
  /* A timeout is the honest outcome (pe would not finish); our programs
   * add the reason from malml_scan_refusal_take().  Before the first block
   * is fetched: the gate walks the blocks with the same iterator. */
  if ((refusal = pe_would_not_finish(context)) != NULL)
    return ERROR_SCAN_TIMEOUT;
  YR_MEMORY_BLOCK* block = first_memory_block(context);
  const uint8_t* data = block != NULL ? yr_fetch_block_data(block) : NULL;
  size_t size = data != NULL ? block->size : 0;
  FAIL_ON_ERROR(yr_modules_load("pe", context));
  YR_OBJECT* pe = yr_hash_table_lookup(context->objects_table, "pe", NULL);
  YR_OBJECT* dotnet;
  FAIL_ON_ERROR(load_dotnet(context, module_object, data, size, &dotnet));

  /* A bad -x malml=FILE fails the scan; malml_module_data_error says why. */
  const malml_model* model;
  FAIL_ON_ERROR(malml_scoring_model(module_data, module_data_size, &model));

  malml_features* f = malml_features_acquire();
  if (f == NULL)
    return ERROR_INSUFFICIENT_MEMORY;
  module_object->data = f;
  load_state state = {context, model, dotnet != NULL};
  malml_pass how = {malml_pass_best(), NULL, &state, fetch_model};
  if (context->timeout > 0)
    how.expired = scan_expired;
  int rc = malml_features_compute(pe, dotnet, data, size, &how, f);
  if (rc == MALML_BYTESCAN_EXPIRED)
    return ERROR_SCAN_TIMEOUT;
  if (rc != 0)
    return ERROR_INSUFFICIENT_MEMORY;

  set_integer(f->is_pe, module_object, "is_pe");
  if (f->is_pe)
    set_fields(module_object, f);
  malml_scoring_set(module_object, model, f);
  return ERROR_SUCCESS;
}

int module_unload(YR_OBJECT* module_object)
{
  malml_features_release(module_object->data);
  module_object->data = NULL;
  return ERROR_SUCCESS;
}
