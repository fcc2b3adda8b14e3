/*
 * Reads the `pe` module's objects.  Scalars go through yr_object_get_integer
 * by path; arrays (sections, imports: thousands of items in some files) are
 * walked object by object, since formatting a path per item costs more than
 * the item.
 */
#include "modules/malml/features/pe_view.h"

#include <string.h>
#include <yara/modules.h>

/* Integer at a dotted path of plain members ("linker_version.major").
 * YARA's own path lookup takes printf-like patterns it parses itself, so a
 * path cannot be passed through "%s"; walking members is also cheaper. */
static int64_t get_int(YR_OBJECT* obj, const char* path)
{
  char part[64];
  while (obj != NULL && *path != '\0')
  {
    size_t n = strcspn(path, ".");
    if (n >= sizeof(part))
      return MALML_PE_MISSING;
    memcpy(part, path, n);
    part[n] = '\0';
    obj = obj->type == OBJECT_TYPE_STRUCTURE ? yr_object_lookup_field(obj, part)
                                             : NULL;
    path += n + (path[n] == '.');
  }
  if (obj == NULL || obj->type != OBJECT_TYPE_INTEGER ||
      obj->value.i == (int64_t) YR_UNDEFINED)
    return MALML_PE_MISSING;
  return obj->value.i;
}

/* Integer member `field` of structure `st`, or MISSING. */
static int64_t member_int(YR_OBJECT* st, const char* field)
{
  YR_OBJECT* o = st ? yr_object_lookup_field(st, field) : NULL;
  if (o == NULL || o->type != OBJECT_TYPE_INTEGER ||
      o->value.i == (int64_t) YR_UNDEFINED)
    return MALML_PE_MISSING;
  return o->value.i;
}

/* String member `field` of structure `st`, or NULL. */
static SIZED_STRING* member_str(YR_OBJECT* st, const char* field)
{
  YR_OBJECT* o = st ? yr_object_lookup_field(st, field) : NULL;
  if (o == NULL || o->type != OBJECT_TYPE_STRING)
    return NULL;
  return o->value.ss;
}

static int array_len(YR_OBJECT* st, const char* field, YR_OBJECT** array)
{
  *array = st ? yr_object_lookup_field(st, field) : NULL;
  if (*array == NULL || (*array)->type != OBJECT_TYPE_ARRAY)
    return 0;
  return yr_object_array_length(*array);
}

static void read_sections(YR_OBJECT* pe, malml_pe* out)
{
  YR_OBJECT* array;
  int n = array_len(pe, "sections", &array);
  out->nsections = 0;
  for (int i = 0; i < n && out->nsections < MALML_PE_MAX_SECTIONS; i++)
  {
    YR_OBJECT* st = yr_object_array_get_item(array, 0, i);
    if (st == NULL)
      continue;
    malml_pe_section* s = &out->sections[out->nsections++];
    SIZED_STRING* name = member_str(st, "name");
    s->name_len = 0;
    if (name != NULL)
    {
      s->name_len = name->length < 8 ? name->length : 8;
      memcpy(s->name, name->c_string, s->name_len);
    }
    s->name[s->name_len] = '\0';
    s->raw_offset = member_int(st, "raw_data_offset");
    s->raw_size = member_int(st, "raw_data_size");
    s->virtual_address = member_int(st, "virtual_address");
    s->virtual_size = member_int(st, "virtual_size");
    s->characteristics = member_int(st, "characteristics");
  }
}

static void read_directories(YR_OBJECT* pe, malml_pe* out)
{
  YR_OBJECT* array;
  int n = array_len(pe, "data_directories", &array);
  for (int i = 0; i < 16; i++)
    out->dir_size[i] =
        i < n ? member_int(yr_object_array_get_item(array, 0, i), "size")
              : MALML_PE_MISSING;
}

int malml_pe_read(YR_OBJECT* pe, malml_pe* out)
{
  if (get_int(pe, "is_pe") != 1)
    return 0;
  out->machine = get_int(pe, "machine");
  out->characteristics = get_int(pe, "characteristics");
  out->dll_characteristics = get_int(pe, "dll_characteristics");
  out->subsystem = get_int(pe, "subsystem");
  out->timestamp = get_int(pe, "timestamp");
  out->opthdr_magic = get_int(pe, "opthdr_magic");
  out->size_of_optional_header = get_int(pe, "size_of_optional_header");
  out->number_of_rva_and_sizes = get_int(pe, "number_of_rva_and_sizes");
  out->size_of_code = get_int(pe, "size_of_code");
  out->size_of_initialized_data = get_int(pe, "size_of_initialized_data");
  out->size_of_uninitialized_data = get_int(pe, "size_of_uninitialized_data");
  out->size_of_image = get_int(pe, "size_of_image");
  out->size_of_headers = get_int(pe, "size_of_headers");
  out->image_base = get_int(pe, "image_base");
  out->section_alignment = get_int(pe, "section_alignment");
  out->file_alignment = get_int(pe, "file_alignment");
  out->checksum = get_int(pe, "checksum");
  out->size_of_stack_reserve = get_int(pe, "size_of_stack_reserve");
  out->size_of_stack_commit = get_int(pe, "size_of_stack_commit");
  out->size_of_heap_reserve = get_int(pe, "size_of_heap_reserve");
  out->size_of_heap_commit = get_int(pe, "size_of_heap_commit");
  out->linker_major = get_int(pe, "linker_version.major");
  out->linker_minor = get_int(pe, "linker_version.minor");
  out->os_major = get_int(pe, "os_version.major");
  out->subsystem_major = get_int(pe, "subsystem_version.major");
  out->entry_point = get_int(pe, "entry_point");
  out->entry_point_rva = get_int(pe, "entry_point_raw");
  out->overlay_offset = get_int(pe, "overlay.offset");
  out->overlay_size = get_int(pe, "overlay.size");
  out->number_of_resources = get_int(pe, "number_of_resources");
  out->number_of_signatures = get_int(pe, "number_of_signatures");
  out->rich_length = get_int(pe, "rich_signature.length");
  out->number_of_exports = get_int(pe, "number_of_exports");
  out->number_of_imported_functions =
      get_int(pe, "number_of_imported_functions");
  out->number_of_imports = get_int(pe, "number_of_imports");
  out->number_of_delayed_imported_functions =
      get_int(pe, "number_of_delayed_imported_functions");
  out->number_of_delayed_imports = get_int(pe, "number_of_delayed_imports");
  int64_t ns = get_int(pe, "number_of_sections");
  out->number_of_sections = ns == MALML_PE_MISSING ? 0 : (int) ns;
  read_directories(pe, out);
  read_sections(pe, out);
  return 1;
}

static void foreach_in(
    YR_OBJECT* pe,
    const char* field,
    int delayed,
    malml_import_fn fn,
    void* ctx)
{
  YR_OBJECT* dlls;
  int ndlls = array_len(pe, field, &dlls);
  for (int d = 0; d < ndlls; d++)
  {
    YR_OBJECT* dll = yr_object_array_get_item(dlls, 0, d);
    SIZED_STRING* name = member_str(dll, "library_name");
    YR_OBJECT* funcs;
    int nfuncs = array_len(dll, "functions", &funcs);
    if (name == NULL)
      continue;
    for (int f = 0; f < nfuncs; f++)
    {
      YR_OBJECT* st = yr_object_array_get_item(funcs, 0, f);
      int64_t ordinal = member_int(st, "ordinal");
      SIZED_STRING* fname = member_str(st, "name");
      /* pe names ordinal imports too ("ord123" or a looked-up name); the
       * token keeps what the file holds: the ordinal. */
      if (ordinal != MALML_PE_MISSING)
        fn(ctx, name->c_string, name->length, NULL, 0, ordinal, delayed);
      else if (fname != NULL)
        fn(ctx,
           name->c_string,
           name->length,
           fname->c_string,
           fname->length,
           0,
           delayed);
    }
  }
}

void malml_pe_foreach_import(YR_OBJECT* pe, malml_import_fn fn, void* ctx)
{
  foreach_in(pe, "import_details", 0, fn, ctx);
  foreach_in(pe, "delayed_import_details", 1, fn, ctx);
}
