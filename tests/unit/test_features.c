/*
 * Each feature group on the PE files tests/make-fixtures.sh builds, and the
 * rule-visible fields against what the pe and math modules say.
 */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "modules/malml/features/pe_view.h"
#include "modules/malml/features/tokens.h"
#include "tests/unit/scan_helpers.h"

static malml_features f;

static void setup(void)
{
  cr_assert_eq(yr_initialize(), ERROR_SUCCESS);
}

static void teardown(void)
{
  yr_finalize();
}

TestSuite(features, .init = setup, .fini = teardown);
TestSuite(fields, .init = setup, .fini = teardown);

static float feat(const char* path, int index)
{
  scan_features(fixture(path), &f);
  cr_assert(f.is_pe, "%s should be a PE", path);
  return f.vector[index];
}

Test(features, header_group)
{
  scan_features(fixture("pe/netclient-x86_64.exe"), &f);
  cr_assert(f.is_pe);
  cr_assert_eq(f.vector[MALML_F_machine], 0x8664);
  cr_assert_gt(f.vector[MALML_F_number_of_imports], 3);
  cr_assert_eq(
      f.vector[MALML_F_stack_dif],
      f.vector[MALML_F_size_of_stack_reserve] -
          f.vector[MALML_F_size_of_stack_commit]);
  cr_assert_eq(
      f.vector[MALML_F_size_dif],
      f.vector[MALML_F_size_of_image] - f.vector[MALML_F_file_size]);
  float sum = 0;
  for (int b = 0; b < MALML_BYTE_HIST_BINS; b++)
    sum += f.vector[MALML_F_byte_hist + b];
  cr_assert(epsilon_eq(flt, sum, 1.0f, 1e-4f), "histogram sums to 1: %f", sum);
  cr_assert_eq(feat("pe/overlay-x86_64.exe", MALML_F_overlay_size), 3000);
}

Test(features, imports_group)
{
  scan_features(fixture("pe/plugin-i686.dll"), &f);
  cr_assert_eq(f.vector[MALML_F_ordinal_imports], 2, "ws2_32 #115 and #116");
  cr_assert_eq(f.vector[MALML_F_exported_functions], 2);
  /* Buckets from `openssl dgst -md5` (test_tokens.c): ws2_32!#115 -> 218,
   * kernel32 -> dll bucket 67. */
  cr_assert_geq(f.vector[MALML_F_import_bucket + 218], 1);
  cr_assert_geq(f.vector[MALML_F_dll_bucket + 67], 1);
  scan_features(fixture("pe/netclient-x86_64.exe"), &f);
  cr_assert_geq(
      f.vector[MALML_F_import_bucket + 951], 1, "kernel32!VirtualAlloc");
  cr_assert_eq(f.vector[MALML_F_ordinal_imports], 0);
}

Test(features, sections_group)
{
  scan_features(fixture("pe/rwx-i686.exe"), &f);
  cr_assert_eq(f.vector[MALML_F_wx_sections], 1, "the .wxcode section");
  cr_assert_geq(f.vector[MALML_F_nonstandard_names], 1);
  cr_assert_eq(f.vector[MALML_F_entry_outside_sections], 0);
  cr_assert_eq(f.vector[MALML_F_entry_section_exec], 1);
  cr_assert_eq(f.vector[MALML_F_truncated_sections], 0);
  cr_assert_eq(isnan(f.vector[MALML_SLOT_INDEX(0, entropy)]), 0);
  cr_assert_eq(
      f.vector[MALML_SLOT_INDEX(0, name_bucket)], 17, ".text, via openssl");
  scan_features(fixture("pe/gui-x86_64.exe"), &f);
  cr_assert_eq(f.vector[MALML_F_wx_sections], 0);
}

Test(features, filetype_group)
{
  cr_assert_eq(feat("pe/plugin-i686.dll", MALML_F_dll), 1);
  cr_assert_eq(f.vector[MALML_F_pe32], 1);
  cr_assert_eq(f.vector[MALML_F_machine_i386], 1);
  cr_assert_eq(feat("pe/gui-x86_64.exe", MALML_F_gui), 1);
  cr_assert_eq(f.vector[MALML_F_pe32plus], 1);
  cr_assert_eq(f.vector[MALML_F_exe], 1);
  cr_assert_eq(f.vector[MALML_F_overlay], 0);
  cr_assert_eq(feat("pe/netclient-i686.exe", MALML_F_console), 1);
  cr_assert_eq(f.vector[MALML_F_mingw], 1, "MinGW's runtime strings");
  cr_assert_eq(feat("pe/overlay-x86_64.exe", MALML_F_overlay), 1);
}

Test(features, strings_group)
{
  scan_features(fixture("pe/netclient-i686.exe"), &f);
  cr_assert_eq(f.vector[MALML_F_urls], 1);
  cr_assert_eq(f.vector[MALML_F_run_keys], 1);
  cr_assert_geq(f.vector[MALML_F_paths], 1);
  cr_assert_geq(f.vector[MALML_F_shell_commands], 1);
  cr_assert_eq(f.vector[MALML_F_base64_runs], 1);
  cr_assert_geq(
      f.vector[MALML_F_api_names],
      3,
      "VirtualAlloc, LoadLibraryA, GetProcAddress");
  scan_features(fixture("pe/gui-i686.exe"), &f);
  cr_assert_eq(f.vector[MALML_F_urls], 0);
  cr_assert_eq(f.vector[MALML_F_run_keys], 0);
}

/* Schema 2's additions to the header, imports and sections groups; the
 * hostile suite's exact.yar checks the DOS header, dir_present and the
 * overlay's entropy against pe/math on every hostile file. */
Test(features, schema2_additions)
{
  scan_features(fixture("pe/plugin-x86_64.dll"), &f);
  uint32_t add = malml_bucket("plugin_add", 10, MALML_EXPORT_BUCKETS);
  uint32_t ver = malml_bucket("plugin_version", 14, MALML_EXPORT_BUCKETS);
  float named = 0;
  for (int i = 0; i < MALML_EXPORT_BUCKETS; i++)
    named += f.vector[MALML_F_export_bucket + i];
  cr_assert_eq(named, 2, "plugin_add, plugin_version");
  cr_assert_geq(f.vector[MALML_F_export_bucket + add], 1);
  cr_assert_geq(f.vector[MALML_F_export_bucket + ver], 1);
  cr_assert_eq(f.vector[MALML_F_exports_by_ordinal_only], 0);
  cr_assert_eq(f.vector[MALML_F_dir_present + 0], 1, "an export directory");
  cr_assert_eq(f.vector[MALML_F_dos_e_lfanew], 128);
  cr_assert_eq(f.vector[MALML_F_dos_reserved_nonzero], 0);
  cr_assert_eq(f.vector[MALML_F_headers_size_mismatch], 0, "ld's headers");
  cr_assert_eq(f.vector[MALML_F_image_size_mismatch], 0);
  cr_assert(isnan(f.vector[MALML_F_overlay_entropy]), "no overlay");
  cr_assert(isnan(f.vector[MALML_F_timestamp_in_certificate_validity]));
  cr_assert_not(isnan(f.vector[MALML_F_entry_section_name_bucket]));

  /* make-fixtures.sh appends 3000 'A' bytes: entropy 0. */
  scan_features(fixture("pe/overlay-x86_64.exe"), &f);
  cr_assert_eq(f.vector[MALML_F_overlay_entropy], 0);
  cr_assert_eq(f.vector[MALML_F_dir_present + 0], 0, "no exports");
  int text = 0;
  for (int i = 0; i < MALML_SECTION_SLOTS; i++)
    text += f.vector[MALML_SLOT_INDEX(i, exec)] == 1 &&
            f.vector[MALML_SLOT_INDEX(i, read)] == 1 &&
            f.vector[MALML_SLOT_INDEX(i, shared)] == 0;
  cr_assert_geq(text, 1, "an executable, readable, unshared section");
}

/* tests/fixtures/src/dotnet.cs, compiled by Mono's mcs. */
Test(features, dotnet_group)
{
  scan_features(fixture("pe/dotnet-anycpu.exe"), &f);
  cr_assert_eq(f.vector[MALML_F_is_dotnet], 1);
  cr_assert_eq(f.vector[MALML_F_assembly_refs], 2, "mscorlib, System");
  cr_assert_eq(f.vector[MALML_F_modulerefs], 1, "KERNEL32.dll");
  cr_assert_eq(f.vector[MALML_F_resources], 1, "fixture.cs");
  cr_assert_eq(f.vector[MALML_F_user_strings], 2);
  cr_assert_eq(f.vector[MALML_F_nonascii_user_strings], 1, "\u00e9t\u00e9");
  cr_assert_eq(f.vector[MALML_F_assembly_version_major], 3);
  cr_assert_eq(f.vector[MALML_F_module_name_mismatch], 0);
  cr_assert_eq(f.vector[MALML_F_runtime_version_major], 4);
  cr_assert_eq(f.vector[MALML_F_streams], 5);
  cr_assert_eq(f.vector[MALML_F_nonstandard_streams], 0);
  cr_assert_eq(f.dotnet.max_user_string_length, 32, "the ASCII string");
  /* Each bag holds as many tokens as dotnet lists, kernel32 where the
   * import bags' rule puts it. */
  float refs = 0, strs = 0;
  for (int i = 0; i < MALML_ASSEMBLY_REF_BUCKETS; i++)
    refs += f.vector[MALML_F_assembly_ref_bucket + i];
  for (int i = 0; i < MALML_USER_STRING_BUCKETS; i++)
    strs += f.vector[MALML_F_user_string_bucket + i];
  cr_assert_eq(refs, 2);
  cr_assert_eq(strs, 2);
  uint32_t k = malml_bucket("kernel32", 8, MALML_MODULEREF_BUCKETS);
  cr_assert_eq(f.vector[MALML_F_moduleref_bucket + k], 1);

  scan_features(fixture("pe/gui-x86_64.exe"), &f);
  cr_assert_eq(f.vector[MALML_F_is_dotnet], 0);
  cr_assert_eq(f.vector[MALML_F_user_strings], 0);
  cr_assert(isnan(f.vector[MALML_F_runtime_version_major]));
}

Test(fields, dotnet_fields)
{
  const char* imports = "import \"malml\" import \"dotnet\"";
  cr_assert(condition_holds(
      imports,
      "malml.feature(\"dotnet.assembly_refs\") == "
      "dotnet.number_of_assembly_refs and "
      "malml.feature(\"dotnet.resources\") == dotnet.number_of_resources and "
      "malml.feature(\"dotnet.user_strings\") == "
      "dotnet.number_of_user_strings and "
      "malml.dotnet.resources_size == dotnet.resources[0].length and "
      "malml.dotnet.max_resource_size == dotnet.resources[0].length and "
      "malml.dotnet.number_of_nonascii_user_strings == 1 and "
      "malml.dotnet.module_name_mismatch == 0 and "
      "malml.dotnet.uncompressed_tables == 0 and "
      "for any i in (0..dotnet.number_of_streams - 1): ("
      "  dotnet.streams[i].name == \"#US\" and "
      "  malml.dotnet.us_heap_size == dotnet.streams[i].size) and "
      "for any i in (0..dotnet.number_of_streams - 1): ("
      "  dotnet.streams[i].name == \"#~\" and "
      "  malml.dotnet.tables_size == dotnet.streams[i].size)",
      fixture("pe/dotnet-anycpu.exe")));
  /* Native code: the .NET fields and dotnet_score are undefined. */
  cr_assert(condition_holds(
      imports,
      "malml.feature(\"dotnet.is_dotnet\") == 0 and "
      "not (malml.dotnet.tables_size == malml.dotnet.tables_size or false) "
      "and not (malml.dotnet_score == malml.dotnet_score or false) and "
      "malml.score == malml.score",
      fixture("pe/gui-x86_64.exe")));
}

/* Non-PE and broken input.  YARA 4.2 has no `defined`, and `not` of an
 * undefined value is undefined (false); but `or` takes undefined as false,
 * so `not (x == x or false)` is true exactly when x is undefined. */

/* Parameters are copied into each test process: no pointers in them. */
typedef struct
{
  char path[64];
} fixture_name;

ParameterizedTestParameters(fields, not_pe)
{
  static fixture_name files[] = {
      {"notpe/elf"}, {"notpe/empty"}, {"notpe/mz2"}, {"notpe/text.txt"}};
  return cr_make_param_array(fixture_name, files, 4);
}

ParameterizedTest(fixture_name* file, fields, not_pe)
{
  const char* p = fixture(file->path);
  cr_assert(condition_holds("import \"malml\"", "malml.is_pe == 0", p));
  cr_assert(condition_holds(
      "import \"malml\"",
      "not (malml.entropy == malml.entropy or false) and not "
      "(malml.number_of_sections == malml.number_of_sections or false) and "
      "not (malml.schema_version == malml.schema_version or false) and not "
      "(malml.string_stats.count == malml.string_stats.count or false) and "
      "not (malml.feature(0) == malml.feature(0) or false) and not "
      "(malml.filetype(\"dll\") == malml.filetype(\"dll\") or false) and "
      "not (malml.import_bucket(\"kernel32.dll\", \"Sleep\") == "
      "malml.import_bucket(\"kernel32.dll\", \"Sleep\") or false)",
      p));
}

Test(fields, truncated_section_table)
{
  const char* p = fixture("broken/truncated-section-table.exe");
  /* pe accepts the headers; malml follows pe and marks what is missing. */
  cr_assert(condition_holds(
      "import \"malml\" import \"pe\"", "malml.is_pe == pe.is_pe", p));
  cr_assert(condition_holds(
      "import \"malml\" import \"pe\"",
      "malml.number_of_sections == pe.number_of_sections and "
      "malml.feature(\"sections.truncated_sections\") > 0 and "
      "not (malml.sections[0].entropy == malml.sections[0].entropy or false) "
      "and "
      "not (malml.feature(\"sections.max_entropy\") == "
      "malml.feature(\"sections.max_entropy\") or false)",
      p));
}

/* Rule-visible fields agree with pe and math on every fixture. */

ParameterizedTestParameters(fields, agree_with_pe_and_math)
{
  static fixture_name files[] = {
      {"pe/netclient-i686.exe"},
      {"pe/netclient-x86_64.exe"},
      {"pe/gui-i686.exe"},
      {"pe/gui-x86_64.exe"},
      {"pe/plugin-i686.dll"},
      {"pe/plugin-x86_64.dll"},
      {"pe/rwx-i686.exe"},
      {"pe/rwx-x86_64.exe"},
      {"pe/overlay-x86_64.exe"}};
  return cr_make_param_array(
      fixture_name, files, sizeof(files) / sizeof(files[0]));
}

ParameterizedTest(fixture_name* file, fields, agree_with_pe_and_math)
{
  const char* imports = "import \"malml\" import \"pe\" import \"math\"";
  const char* p = fixture(file->path);
  cr_assert(condition_holds(imports, "malml.is_pe == 1 and pe.is_pe == 1", p));
  cr_assert(condition_holds(
      imports, "malml.entropy == math.entropy(0, filesize)", p));
  cr_assert(condition_holds(
      imports, "malml.number_of_sections == pe.number_of_sections", p));
  cr_assert(
      condition_holds(imports, "malml.overlay_size == pe.overlay.size", p));
  cr_assert(condition_holds(
      imports, "malml.number_of_exports == pe.number_of_exports", p));
  cr_assert(condition_holds(
      imports,
      "for all i in (0..pe.number_of_sections - 1): ("
      "  pe.sections[i].raw_data_offset + pe.sections[i].raw_data_size > "
      "filesize or"
      "  pe.sections[i].raw_data_size == 0 or"
      "  malml.sections[i].entropy == "
      "math.entropy(pe.sections[i].raw_data_offset,"
      "                                            "
      "pe.sections[i].raw_data_size))",
      p));
  cr_assert(condition_holds(
      imports,
      "malml.size_dif == pe.size_of_image - filesize and "
      "malml.stack_dif == pe.size_of_stack_reserve - pe.size_of_stack_commit",
      p));
}

Test(fields, functions_find_buckets_and_tokens)
{
  const char* imports = "import \"malml\"";
  cr_assert(condition_holds(
      imports,
      "malml.import_bucket(\"KERNEL32.dll\", \"VirtualAlloc\") >= 1 and "
      "malml.dll_bucket(\"kernel32.dll\") >= 1 and "
      "malml.section_bucket(\".text\") >= 1 and "
      "malml.filetype(\"console\") == 1 and malml.filetype(\"dll\") == 0 and "
      "not (malml.filetype(\"no-such-token\") == "
      "malml.filetype(\"no-such-token\") or false) and "
      "malml.feature(\"strings.urls\") == 1 and malml.string_stats.urls == 1 "
      "and "
      "malml.feature(0) == filesize",
      fixture("pe/netclient-x86_64.exe")));
  cr_assert(condition_holds(
      imports,
      "malml.import_bucket(\"ws2_32.dll\", 115) >= 1 and "
      "malml.filetype(\"dll\") == 1",
      fixture("pe/plugin-x86_64.dll")));
  cr_assert_eq(
      condition_holds(
          imports,
          "malml.import_bucket(\"ws2_32.dll\", 115) >= 1",
          fixture("pe/gui-x86_64.exe")),
      0);
  cr_assert(condition_holds(
      imports,
      "malml.number_of_wx_sections == 1",
      fixture("pe/rwx-x86_64.exe")));
}

static void put_le(uint8_t* p, uint64_t v, int bytes)
{
  for (int i = 0; i < bytes; i++) p[i] = (uint8_t) (v >> (8 * i));
}

/* Integers past float32's 2^24: the rule-visible value is pe's arithmetic
 * to the unit, not the vector's rounded float. */
Test(fields, large_integers_are_exact)
{
  FILE* f = fopen(fixture("pe/gui-x86_64.exe"), "rb");
  cr_assert_not_null(f);
  static uint8_t buf[4 << 20];
  size_t n = fread(buf, 1, sizeof(buf), f);
  fclose(f);
  uint32_t lfanew = buf[0x3c] | buf[0x3d] << 8 | buf[0x3e] << 16;
  uint8_t* opt = buf + lfanew + 24;
  cr_assert_eq(opt[0] | opt[1] << 8, 0x20b, "a PE32+ fixture");
  put_le(opt + 56, 0x10000011, 4);       /* SizeOfImage */
  put_le(opt + 72, 0x123456789ULL, 8);   /* SizeOfStackReserve */
  put_le(opt + 88, (1ULL << 40) + 1, 8); /* SizeOfHeapReserve */
  char cond[1024];
  snprintf(
      cond,
      sizeof(cond),
      "import \"malml\" import \"pe\" rule r { condition: "
      "malml.size_dif == 268435473 - %zu and "
      "malml.size_dif == pe.size_of_image - filesize and "
      "malml.stack_dif == 4886718345 - pe.size_of_stack_commit and "
      "malml.stack_dif == pe.size_of_stack_reserve - pe.size_of_stack_commit "
      "and malml.heap_dif == 1099511627777 - pe.size_of_heap_commit }",
      n);
  YR_RULES* rules = compile_rules(cond);
  cr_assert(rule_matches_mem(rules, "r", buf, n));
  yr_rules_destroy(rules);
}

/* The bytes of a fixture, with `patch` applied to them, in a temporary file
 * (its path in `path`, which the caller unlinks). */
static void patched_fixture(
    const char* name,
    void (*patch)(uint8_t* data, size_t size),
    char path[64])
{
  FILE* in = fopen(fixture(name), "rb");
  cr_assert_not_null(in);
  static uint8_t data[1 << 20];
  size_t size = fread(data, 1, sizeof(data), in);
  fclose(in);
  patch(data, size);
  strcpy(path, "/tmp/malml-test-XXXXXX");
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, data, size), (ssize_t) size);
  close(fd);
}

/* Where the optional header of the fixture starts. */
static size_t optional_header(const uint8_t* data)
{
  return (size_t) (data[0x3c] | data[0x3d] << 8) + 24;
}

/* NumberOfRvaAndSizes lowered to 12, as some .NET malware does to hide
 * its CLR directory from tools that trust the count. */
static void hide_clr_directory(uint8_t* data, size_t size)
{
  size_t oh = optional_header(data);
  int pe32plus = (data[oh] | data[oh + 1] << 8) == 0x20b;
  data[oh + (pe32plus ? 108 : 92)] = 12;
}

/* The CLR directory's entry zeroed: a native program. */
static void drop_clr_directory(uint8_t* data, size_t size)
{
  size_t oh = optional_header(data);
  int pe32plus = (data[oh] | data[oh + 1] << 8) == 0x20b;
  memset(data + oh + (pe32plus ? 112 : 96) + 8 * MALML_PE_DIR_CLR, 0, 8);
}

/* malml loads dotnet only for a file with a CLR directory (a tenth of its
 * cost otherwise); it reads the entry from the bytes, as dotnet does, so a
 * lowered NumberOfRvaAndSizes hides nothing. */
Test(features, dotnet_group_when_a_clr_directory_is_there)
{
  char path[64];
  patched_fixture("pe/dotnet-anycpu.exe", hide_clr_directory, path);
  cr_assert(condition_holds(
      "import \"pe\" import \"dotnet\"",
      "pe.number_of_rva_and_sizes == 12 and dotnet.is_dotnet == 1",
      path));
  scan_features(path, &f);
  cr_assert_eq(f.vector[MALML_F_is_dotnet], 1, "hidden from pe, not dotnet");
  cr_assert_eq(f.vector[MALML_F_assembly_refs], 2);
  unlink(path);

  patched_fixture("pe/dotnet-anycpu.exe", drop_clr_directory, path);
  scan_features(path, &f);
  cr_assert_eq(f.vector[MALML_F_is_dotnet], 0);
  cr_assert(isnan(f.vector[MALML_F_runtime_version_major]));
  unlink(path);
}
