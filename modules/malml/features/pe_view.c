/*
 * Reads the `pe` module's objects.  Scalars go through yr_object_get_integer
 * by path; arrays (sections, imports: thousands of items in some files) are
 * walked object by object, since formatting a path per item costs more than
 * the item.
 */
#include "modules/malml/features/pe_view.h"

#include "modules/malml/features/object_read.h"
#include "modules/malml/le.h"

#include <string.h>
#include <yara/modules.h>

static void read_sections(YR_OBJECT* pe, malml_pe* out)
{
  YR_OBJECT* array;
  int n = malml_obj_array(pe, "sections", &array);
  out->nsections = 0;
  for (int i = 0; i < n && out->nsections < MALML_PE_MAX_SECTIONS; i++)
  {
    YR_OBJECT* st = yr_object_array_get_item(array, 0, i);
    if (st == NULL)
      continue;
    malml_pe_section* s = &out->sections[out->nsections++];
    SIZED_STRING* name = malml_obj_member_str(st, "name");
    s->name_len = 0;
    if (name != NULL)
    {
      s->name_len = name->length < 8 ? name->length : 8;
      memcpy(s->name, name->c_string, s->name_len);
    }
    s->name[s->name_len] = '\0';
    s->raw_offset = malml_obj_member_int(st, "raw_data_offset");
    s->raw_size = malml_obj_member_int(st, "raw_data_size");
    s->virtual_address = malml_obj_member_int(st, "virtual_address");
    s->virtual_size = malml_obj_member_int(st, "virtual_size");
    s->characteristics = malml_obj_member_int(st, "characteristics");
  }
}

static void read_directories(YR_OBJECT* pe, malml_pe* out)
{
  YR_OBJECT* array;
  int n = malml_obj_array(pe, "data_directories", &array);
  for (int i = 0; i < 16; i++)
  {
    YR_OBJECT* d = i < n ? yr_object_array_get_item(array, 0, i) : NULL;
    out->dir_size[i] = malml_obj_member_int(d, "size");
    out->dir_rva[i] = malml_obj_member_int(d, "virtual_address");
  }
}

int malml_pe_read(YR_OBJECT* pe, malml_pe* out)
{
  if (malml_obj_int(pe, "is_pe") != 1)
    return 0;
  out->machine = malml_obj_int(pe, "machine");
  out->characteristics = malml_obj_int(pe, "characteristics");
  out->dll_characteristics = malml_obj_int(pe, "dll_characteristics");
  out->subsystem = malml_obj_int(pe, "subsystem");
  out->timestamp = malml_obj_int(pe, "timestamp");
  out->opthdr_magic = malml_obj_int(pe, "opthdr_magic");
  out->size_of_optional_header = malml_obj_int(pe, "size_of_optional_header");
  out->number_of_rva_and_sizes = malml_obj_int(pe, "number_of_rva_and_sizes");
  out->size_of_code = malml_obj_int(pe, "size_of_code");
  out->size_of_initialized_data = malml_obj_int(pe, "size_of_initialized_data");
  out->size_of_uninitialized_data = malml_obj_int(pe, "size_of_uninitialized_data");
  out->size_of_image = malml_obj_int(pe, "size_of_image");
  out->size_of_headers = malml_obj_int(pe, "size_of_headers");
  out->image_base = malml_obj_int(pe, "image_base");
  out->section_alignment = malml_obj_int(pe, "section_alignment");
  out->file_alignment = malml_obj_int(pe, "file_alignment");
  out->checksum = malml_obj_int(pe, "checksum");
  out->size_of_stack_reserve = malml_obj_int(pe, "size_of_stack_reserve");
  out->size_of_stack_commit = malml_obj_int(pe, "size_of_stack_commit");
  out->size_of_heap_reserve = malml_obj_int(pe, "size_of_heap_reserve");
  out->size_of_heap_commit = malml_obj_int(pe, "size_of_heap_commit");
  out->linker_major = malml_obj_int(pe, "linker_version.major");
  out->linker_minor = malml_obj_int(pe, "linker_version.minor");
  out->os_major = malml_obj_int(pe, "os_version.major");
  out->subsystem_major = malml_obj_int(pe, "subsystem_version.major");
  out->entry_point = malml_obj_int(pe, "entry_point");
  out->entry_point_rva = malml_obj_int(pe, "entry_point_raw");
  out->overlay_offset = malml_obj_int(pe, "overlay.offset");
  out->overlay_size = malml_obj_int(pe, "overlay.size");
  out->number_of_resources = malml_obj_int(pe, "number_of_resources");
  out->number_of_signatures = malml_obj_int(pe, "number_of_signatures");
  out->rich_length = malml_obj_int(pe, "rich_signature.length");
  out->number_of_exports = malml_obj_int(pe, "number_of_exports");
  out->number_of_imported_functions =
      malml_obj_int(pe, "number_of_imported_functions");
  out->number_of_imports = malml_obj_int(pe, "number_of_imports");
  out->number_of_delayed_imported_functions =
      malml_obj_int(pe, "number_of_delayed_imported_functions");
  out->number_of_delayed_imports = malml_obj_int(pe, "number_of_delayed_imports");
  int64_t ns = malml_obj_int(pe, "number_of_sections");
  out->number_of_sections = ns == MALML_PE_MISSING ? 0 : (int) ns;
  read_directories(pe, out);
  read_sections(pe, out);
  return 1;
}

int malml_pe_has_clr_directory(const uint8_t* data, size_t size)
{
  if (data == NULL || size < 0x40)
    return 0;
  uint64_t nt = malml_le32(data + 0x3c); /* e_lfanew */
  /* Signature, file header (20 bytes), then the optional header, whose
   * data directories start at 96 (PE32) or 112 (PE32+). */
  if (nt + 24 + 2 > size)
    return 0;
  uint16_t magic = malml_le16(data + nt + 24);
  uint64_t entry = nt + 24 + (magic == 0x20b ? 112 : 96) + 8 * MALML_PE_DIR_CLR;
  return entry + 8 <= size && malml_le32(data + entry) != 0;
}

static void foreach_in(
    YR_OBJECT* pe,
    const char* field,
    int delayed,
    malml_import_fn fn,
    void* ctx)
{
  YR_OBJECT* dlls;
  int ndlls = malml_obj_array(pe, field, &dlls);
  for (int d = 0; d < ndlls; d++)
  {
    YR_OBJECT* dll = yr_object_array_get_item(dlls, 0, d);
    SIZED_STRING* name = malml_obj_member_str(dll, "library_name");
    YR_OBJECT* funcs;
    int nfuncs = malml_obj_array(dll, "functions", &funcs);
    if (name == NULL)
      continue;
    for (int f = 0; f < nfuncs; f++)
    {
      YR_OBJECT* st = yr_object_array_get_item(funcs, 0, f);
      int64_t ordinal = malml_obj_member_int(st, "ordinal");
      SIZED_STRING* fname = malml_obj_member_str(st, "name");
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
