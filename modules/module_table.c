/*
 * The six functions of libyara's modules.o, over the table that
 * build-aux/gen-module-table writes (module_list.c).  Defining all six here
 * keeps the linker from pulling the archive's own modules.o, whose table
 * lacks malml (see DESIGN.md, "Compiling a module into the system libyara").
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yara/error.h>
#include <yara/hash.h>
#include <yara/modules.h>
#include <yara/object.h>

#include "config.h"

/* The headers must be those of the archive linked in (configure's
 * --with-yara): the system's 4.2 headers are also on the default path. */
#if YR_VERSION_HEX != MALML_LIBYARA_VERSION_HEX
#error "libyara's headers are not those of the libyara.a linked in"
#endif

extern YR_MODULE yr_modules_table[];
extern const size_t malml_modules_count;

static YR_MODULE* table_find(const char* name)
{
  for (size_t i = 0; i < malml_modules_count; i++)
    if (strcmp(yr_modules_table[i].name, name) == 0)
      return &yr_modules_table[i];
  return NULL;
}

int yr_modules_initialize(void)
{
  for (size_t i = 0; i < malml_modules_count; i++)
    FAIL_ON_ERROR(yr_modules_table[i].initialize(&yr_modules_table[i]));
  return ERROR_SUCCESS;
}

int yr_modules_finalize(void)
{
  for (size_t i = 0; i < malml_modules_count; i++)
    FAIL_ON_ERROR(yr_modules_table[i].finalize(&yr_modules_table[i]));
  return ERROR_SUCCESS;
}

int yr_modules_do_declarations(
    const char* module_name,
    YR_OBJECT* main_structure)
{
  YR_MODULE* m = table_find(module_name);
  if (m == NULL)
    return ERROR_UNKNOWN_MODULE;
  return m->declarations(main_structure);
}

/*
 * Module objects a scan left behind.
 *
 * libyara 4.2.3 runs a scan's rules inside a SIGSEGV/SIGBUS handler
 * (YR_TRYCATCH in yr_scanner_scan_mem_blocks).  When a parser crashes,
 * the handler jumps out of yr_execute_code before it calls
 * yr_modules_unload_all, so the crashed file's module objects stay in the
 * scanner's objects_table, and the next scan's `import` found them there and
 * skipped the load: every later file of that scanner was judged on the
 * crashed file's pe and malml values (issue 20).  So each module object
 * gets a mark, an integer object under MARK_NS in the same table, holding
 * the scan it was loaded in and whether its load function returned.  A scan
 * is told apart by the start of its stopwatch, which yr_scanner_scan_*
 * restart for every scan (monotonic, nanoseconds).
 *
 * What a later scan finds from an earlier one is taken out of the table:
 * unloaded as usual when its load had returned, and otherwise kept aside,
 * never freed, since a load cut short leaves the module's own data
 * half-built (freeing it is what valgrind flagged in pe's unload).  The
 * leak is one parse per crashed file, on the library paths only: our
 * programs' workers scan without the handler and die instead (supervise.c).
 */
#define MARK_NS "\x01malml-scan" /* no YARA identifier has this namespace */
#define MARK_RETURNED 1          /* low bit: the load function returned */

typedef struct quarantined
{
  YR_OBJECT* obj;
  struct quarantined* next;
} quarantined;

/* Reachable (not a leak to valgrind), guarded for threads sharing rules. */
static quarantined* quarantine;
static pthread_mutex_t quarantine_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t scan_id(YR_SCAN_CONTEXT* context)
{
  /* timespec on Linux (timeval where clock_gettime is missing: the same
   * two longs, microseconds instead of nanoseconds). */
  return (int64_t) context->stopwatch.ts_start.tv_sec * 1000000000 +
         (int64_t) context->stopwatch.ts_start.tv_nsec;
}

static int mark_set(YR_SCAN_CONTEXT* context, const char* name, int returned)
{
  YR_OBJECT* mark = yr_hash_table_lookup(context->objects_table, name, MARK_NS);
  if (mark == NULL)
  {
    FAIL_ON_ERROR(yr_object_create(OBJECT_TYPE_INTEGER, name, NULL, &mark));
    FAIL_ON_ERROR_WITH_CLEANUP(
        yr_hash_table_add(context->objects_table, name, MARK_NS, mark),
        yr_object_destroy(mark));
  }
  return yr_object_set_integer(
      scan_id(context) * 2 + returned, mark, NULL);
}

/* Takes module i's object and mark out of the table; unloads the object
 * when its load returned, quarantines it otherwise. */
static void module_drop(YR_SCAN_CONTEXT* context, size_t i)
{
  const char* name = yr_modules_table[i].name;
  YR_OBJECT* obj = yr_hash_table_remove(context->objects_table, name, NULL);
  YR_OBJECT* mark = yr_hash_table_remove(context->objects_table, name, MARK_NS);
  int returned = mark == NULL ||
                 (yr_object_get_integer(mark, NULL) & MARK_RETURNED);
  if (mark != NULL)
    yr_object_destroy(mark);
  if (obj == NULL)
    return;
  if (returned)
  {
    yr_modules_table[i].unload(obj);
    yr_object_destroy(obj);
    return;
  }
  quarantined* q = malloc(sizeof(*q));
  if (q == NULL)
    return; /* then it leaks unreachable; still never freed half-built */
  pthread_mutex_lock(&quarantine_lock);
  *q = (quarantined){obj, quarantine};
  quarantine = q;
  pthread_mutex_unlock(&quarantine_lock);
}

/* Drops every module object an earlier scan of this context left.  The
 * sweep runs once a scan: the mark named "" records the last scan swept. */
static void drop_stale(YR_SCAN_CONTEXT* context)
{
  int64_t now = scan_id(context);
  YR_OBJECT* swept = yr_hash_table_lookup(context->objects_table, "", MARK_NS);
  if (swept != NULL && yr_object_get_integer(swept, NULL) / 2 == now)
    return;
  mark_set(context, "", 0); /* out of memory: the sweep runs again */
  for (size_t i = 0; i < malml_modules_count; i++)
  {
    YR_OBJECT* mark = yr_hash_table_lookup(
        context->objects_table, yr_modules_table[i].name, MARK_NS);
    if (mark != NULL && yr_object_get_integer(mark, NULL) / 2 != now)
      module_drop(context, i);
  }
}

/*
 * Loads a module into a scan once: a second call for the same name in the
 * same scan is a no-op.  malml relies on this to load `pe` itself and share
 * the parse with rules that import `pe` too.  The canary must be set before
 * the declarations run (child objects inherit it), or every rule touching
 * the module fails at execution time with error 31
 * (ERROR_INTERNAL_FATAL_ERROR), checked here.
 */
int yr_modules_load(const char* module_name, YR_SCAN_CONTEXT* context)
{
  drop_stale(context);
  YR_MODULE* m = table_find(module_name);
  YR_OBJECT* obj = (YR_OBJECT*) yr_hash_table_lookup(
      context->objects_table, module_name, NULL);
  if (obj != NULL)
    return ERROR_SUCCESS;
  if (m == NULL)
    return ERROR_UNKNOWN_MODULE;

  FAIL_ON_ERROR(
      yr_object_create(OBJECT_TYPE_STRUCTURE, module_name, NULL, &obj));
  yr_object_set_canary(obj, context->canary);

  YR_MODULE_IMPORT mi = {module_name, NULL, 0};
  int result = context->callback(
      context, CALLBACK_MSG_IMPORT_MODULE, &mi, context->user_data);
  if (result == CALLBACK_ERROR)
  {
    yr_object_destroy(obj);
    return ERROR_CALLBACK_ERROR;
  }

  FAIL_ON_ERROR_WITH_CLEANUP(m->declarations(obj), yr_object_destroy(obj));
  FAIL_ON_ERROR_WITH_CLEANUP(
      mark_set(context, module_name, 0), yr_object_destroy(obj));
  FAIL_ON_ERROR_WITH_CLEANUP(
      yr_hash_table_add(context->objects_table, module_name, NULL, obj),
      yr_object_destroy(obj));

  /* From here the object belongs to objects_table: unload_all frees it. */
  result = m->load(context, obj, mi.module_data, mi.module_data_size);
  FAIL_ON_ERROR(mark_set(context, module_name, MARK_RETURNED));
  FAIL_ON_ERROR(result);

  result = context->callback(
      context, CALLBACK_MSG_MODULE_IMPORTED, obj, context->user_data);
  return result == CALLBACK_ERROR ? ERROR_CALLBACK_ERROR : ERROR_SUCCESS;
}

int yr_modules_unload_all(YR_SCAN_CONTEXT* context)
{
  for (size_t i = 0; i < malml_modules_count; i++)
    module_drop(context, i);
  return ERROR_SUCCESS;
}

#if YR_VERSION_HEX >= 0x040300
/* 4.3 added this to modules.o (yara -M lists the modules from it). */
YR_MODULE* yr_modules_get_table(void)
{
  return yr_modules_table;
}
#endif
