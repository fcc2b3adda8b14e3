/*
 * The six functions of libyara's modules.o, over the table that
 * build-aux/gen-module-table writes (module_list.c).  Defining all six here
 * keeps the linker from pulling the archive's own modules.o, whose table
 * lacks malml (see DESIGN.md, "Compiling a module into the system libyara").
 */
#include <string.h>
#include <yara/error.h>
#include <yara/hash.h>
#include <yara/modules.h>
#include <yara/object.h>

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
 * Loads a module into a scan once: a second call for the same name is a no-op.
 * malml relies on this to load `pe` itself and share the parse with rules
 * that import `pe` too.  The canary must be set before the declarations run
 * (child objects inherit it), or every rule touching the module fails at
 * execution time with error 31 (ERROR_INTERNAL_FATAL_ERROR), checked here.
 */
int yr_modules_load(const char* module_name, YR_SCAN_CONTEXT* context)
{
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
      yr_hash_table_add(context->objects_table, module_name, NULL, obj),
      yr_object_destroy(obj));

  /* From here the object belongs to objects_table: unload_all frees it. */
  FAIL_ON_ERROR(m->load(context, obj, mi.module_data, mi.module_data_size));

  result = context->callback(
      context, CALLBACK_MSG_MODULE_IMPORTED, obj, context->user_data);
  return result == CALLBACK_ERROR ? ERROR_CALLBACK_ERROR : ERROR_SUCCESS;
}

int yr_modules_unload_all(YR_SCAN_CONTEXT* context)
{
  for (size_t i = 0; i < malml_modules_count; i++)
  {
    YR_OBJECT* obj = (YR_OBJECT*) yr_hash_table_remove(
        context->objects_table, yr_modules_table[i].name, NULL);
    if (obj != NULL)
    {
      yr_modules_table[i].unload(obj);
      yr_object_destroy(obj);
    }
  }
  return ERROR_SUCCESS;
}
