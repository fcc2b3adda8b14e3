#include "cli/malml/pe_exact.h"

#include <math.h>

#include "modules/malml/features/features.h"
#include "modules/malml/features/object_read.h"

/* Header features that are pe's integer fields, by pe's field name. */
static const struct
{
  int feature;
  const char* field;
} fields[] = {
    {MALML_F_size_of_code, "size_of_code"},
    {MALML_F_size_of_initialized_data, "size_of_initialized_data"},
    {MALML_F_size_of_uninitialized_data, "size_of_uninitialized_data"},
    {MALML_F_size_of_image, "size_of_image"},
    {MALML_F_size_of_headers, "size_of_headers"},
    {MALML_F_size_of_stack_reserve, "size_of_stack_reserve"},
    {MALML_F_size_of_stack_commit, "size_of_stack_commit"},
    {MALML_F_size_of_heap_reserve, "size_of_heap_reserve"},
    {MALML_F_size_of_heap_commit, "size_of_heap_commit"},
    {MALML_F_number_of_sections, "number_of_sections"},
    {MALML_F_machine, "machine"},
    {MALML_F_characteristics, "characteristics"},
    {MALML_F_dll_characteristics, "dll_characteristics"},
    {MALML_F_subsystem, "subsystem"},
    {MALML_F_timestamp, "timestamp"},
    {MALML_F_image_base, "image_base"},
    {MALML_F_section_alignment, "section_alignment"},
    {MALML_F_file_alignment, "file_alignment"},
    {MALML_F_linker_version_major, "linker_version.major"},
    {MALML_F_linker_version_minor, "linker_version.minor"},
    {MALML_F_os_version_major, "os_version.major"},
    {MALML_F_subsystem_version_major, "subsystem_version.major"},
    {MALML_F_checksum, "checksum"},
    {MALML_F_size_of_optional_header, "size_of_optional_header"},
    {MALML_F_number_of_rva_and_sizes, "number_of_rva_and_sizes"},
    {MALML_F_number_of_resources, "number_of_resources"},
    {MALML_F_number_of_signatures, "number_of_signatures"},
};

void pe_exact_clear(double exact[MALML_HEADER_END])
{
  for (int f = 0; f < MALML_HEADER_END; f++) exact[f] = NAN;
}

void pe_exact_read(YR_OBJECT* pe, double exact[MALML_HEADER_END])
{
  pe_exact_clear(exact);
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
  {
    /* malml_obj_int walks the path ("linker_version.major"): YARA's own
     * lookup parses its format itself, so no "%s" (object_read.h). */
    int64_t v = malml_obj_int(pe, fields[i].field);
    if (v != MALML_MISSING)
      exact[fields[i].feature] = (double) v;
  }
}

void pe_exact_read_int(YR_OBJECT* pe, features_exact* exact)
{
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
  {
    int64_t v = malml_obj_int(pe, fields[i].field);
    exact->value[fields[i].feature] = v;
    exact->known[fields[i].feature] = v != MALML_MISSING;
  }
  /* A hostile header's directory size reaches 2^32 - 1, which float32
   * rounds (3 corpus files have one past 2^24). */
  YR_OBJECT* array;
  int n = malml_obj_array(pe, "data_directories", &array);
  for (int d = 0; d < 16; d++)
  {
    int feature = malml_dir_size_feature(d);
    if (feature < 0)
      continue;
    YR_OBJECT* item = d < n ? yr_object_array_get_item(array, 0, d) : NULL;
    int64_t v = malml_obj_member_int(item, "size");
    exact->value[feature] = v;
    exact->known[feature] = v != MALML_MISSING;
  }
}

int pe_exact_read_sections(
    YR_OBJECT* pe,
    int64_t raw[MALML_PE_MAX_SECTIONS],
    int64_t virt[MALML_PE_MAX_SECTIONS])
{
  YR_OBJECT* array;
  int n = malml_obj_array(pe, "sections", &array), k = 0;
  for (int i = 0; i < n && k < MALML_PE_MAX_SECTIONS; i++)
  {
    YR_OBJECT* st = yr_object_array_get_item(array, 0, i);
    if (st == NULL)
      continue;
    raw[k] = malml_obj_member_int(st, "raw_data_size");
    virt[k++] = malml_obj_member_int(st, "virtual_size");
  }
  return k;
}

static void
set(features_exact* exact, int feature, int64_t v, const float* vector)
{
  exact->value[feature] = v;
  exact->known[feature] = v != MALML_MISSING && !isnan(vector[feature]);
}

void pe_exact_from_features(const malml_features* f, features_exact* exact)
{
  const float* v = f->vector;
  set(exact, MALML_F_size_dif, f->size_dif, v);
  set(exact, MALML_F_stack_dif, f->stack_dif, v);
  set(exact, MALML_F_heap_dif, f->heap_dif, v);
  set(exact, MALML_F_overlay_size, f->overlay_size, v);
  if (!f->dotnet.is_dotnet)
    return; /* a native file's .NET integers are zeros, not dotnet's */
#define EXACT(name) set(exact, MALML_F_##name, f->dotnet.name, v);
  MALML_DOTNET_SCALARS(EXACT)
#undef EXACT
  exact->known[MALML_F_resources_ratio] = 0; /* the one that is no integer */
}
