/*
 * Module-internal header (programs include modules/malml/malml.h): the layout
 * of malml's feature vector (schema version 2).
 *
 * The vector is a fixed array of floats split into six groups.  Each group
 * starts with named scalar features (the X-macro lists below, in order), then
 * fixed-size hashed or positional blocks.  docs/features.md describes every
 * entry; the schema hash (SHA-256 of every feature name, one per line, in
 * order) changes whenever this layout does, and a model refuses to load
 * against another hash.  NaN marks a missing value.
 */
#ifndef MALML_SCHEMA_H
#define MALML_SCHEMA_H

#include <stddef.h>

#define MALML_SCHEMA_VERSION 2

#define MALML_BYTE_HIST_BINS       256
#define MALML_IMPORT_BUCKETS       1024
#define MALML_DLL_BUCKETS          128
#define MALML_SECTION_SLOTS        8
#define MALML_SECTION_NAME_BUCKETS 64
#define MALML_DATA_DIRECTORIES     16
#define MALML_RICH_BUCKETS         64
#define MALML_EXPORT_BUCKETS       128
#define MALML_ASSEMBLY_REF_BUCKETS 64
#define MALML_MODULEREF_BUCKETS    32
#define MALML_USER_STRING_BUCKETS  128
#define MALML_RESOURCE_NAME_BUCKETS 32

/* Header: sizes and fields of the PE headers, and the seed's differences. */
#define MALML_HEADER_SCALARS(X) \
  X(file_size)                  \
  X(file_entropy)               \
  X(size_of_code)               \
  X(size_of_initialized_data)   \
  X(size_of_uninitialized_data) \
  X(size_of_image)              \
  X(size_of_headers)            \
  X(size_of_stack_reserve)      \
  X(size_of_stack_commit)       \
  X(size_of_heap_reserve)       \
  X(size_of_heap_commit)        \
  X(number_of_sections)         \
  X(size_dif)                   \
  X(stack_dif)                  \
  X(heap_dif)                   \
  X(machine)                    \
  X(characteristics)            \
  X(dll_characteristics)        \
  X(subsystem)                  \
  X(timestamp)                  \
  X(overlay_size)               \
  X(overlay_ratio)              \
  X(number_of_imports)          \
  X(number_of_exports)          \
  X(entry_point_ratio)          \
  X(image_base)                 \
  X(section_alignment)          \
  X(file_alignment)             \
  X(linker_version_major)       \
  X(linker_version_minor)       \
  X(os_version_major)           \
  X(subsystem_version_major)    \
  X(checksum)                   \
  X(size_of_optional_header)    \
  X(number_of_rva_and_sizes)    \
  X(number_of_resources)        \
  X(number_of_signatures)       \
  X(rich_entries)               \
  X(dir_export_size)            \
  X(dir_import_size)            \
  X(dir_resource_size)          \
  X(dir_exception_size)         \
  X(dir_security_size)          \
  X(dir_reloc_size)             \
  X(dir_debug_size)             \
  X(dir_tls_size)               \
  X(dir_load_config_size)       \
  X(dir_iat_size)               \
  X(dir_delay_import_size)      \
  X(dir_clr_size)               \
  X(dos_e_cblp)                 \
  X(dos_e_cp)                   \
  X(dos_e_crlc)                 \
  X(dos_e_cparhdr)              \
  X(dos_e_minalloc)             \
  X(dos_e_maxalloc)             \
  X(dos_e_ss)                   \
  X(dos_e_sp)                   \
  X(dos_e_csum)                 \
  X(dos_e_ip)                   \
  X(dos_e_cs)                   \
  X(dos_e_lfarlc)               \
  X(dos_e_ovno)                 \
  X(dos_e_oemid)                \
  X(dos_e_oeminfo)              \
  X(dos_e_lfanew)               \
  X(dos_reserved_nonzero)       \
  X(overlay_entropy)            \
  X(headers_size_mismatch)      \
  X(image_size_mismatch)        \
  X(self_signed_certificates)   \
  X(timestamp_in_certificate_validity) \
  X(max_certificate_validity_days)

/* Imports: counts; then the dll!function and dll bags (hashed buckets). */
#define MALML_IMPORTS_SCALARS(X) \
  X(imported_functions)          \
  X(imported_dlls)               \
  X(ordinal_imports)             \
  X(delayed_imported_functions)  \
  X(delayed_imported_dlls)       \
  X(exported_functions)          \
  X(max_functions_per_dll)       \
  X(exports_by_ordinal_only)

/* Sections: counts and traits; then slots for the first sections, then the
 * bag of section names. */
#define MALML_SECTIONS_SCALARS(X) \
  X(sections)                     \
  X(wx_sections)                  \
  X(exec_sections)                \
  X(write_sections)               \
  X(zero_raw_sections)            \
  X(unnamed_sections)             \
  X(nonstandard_names)            \
  X(truncated_sections)           \
  X(max_entropy)                  \
  X(min_entropy)                  \
  X(mean_entropy)                 \
  X(max_virtual_raw_ratio)        \
  X(raw_coverage)                 \
  X(entry_section_index)          \
  X(entry_in_last_section)        \
  X(entry_outside_sections)       \
  X(entry_section_entropy)        \
  X(entry_section_raw_size)       \
  X(entry_section_virtual_size)   \
  X(entry_section_exec)           \
  X(entry_section_write)          \
  X(entry_section_name_bucket)    \
  X(header_entropy)

#define MALML_SECTION_SLOT_FIELDS(X) \
  X(name_bucket)                     \
  X(raw_size)                        \
  X(virtual_size)                    \
  X(entropy)                         \
  X(code)                            \
  X(exec)                            \
  X(write)                           \
  X(read)                            \
  X(initialized_data)                \
  X(discardable)                     \
  X(shared)

/* Filetype: 0/1 tokens standing in for the seed's libmagic words. */
#define MALML_FILETYPE_TOKENS(X) \
  X(pe32)                        \
  X(pe32plus)                    \
  X(dll)                         \
  X(exe)                         \
  X(driver)                      \
  X(gui)                         \
  X(console)                     \
  X(efi)                         \
  X(machine_i386)                \
  X(machine_amd64)               \
  X(machine_arm64)               \
  X(machine_arm)                 \
  X(machine_other)               \
  X(dotnet)                      \
  X(upx)                         \
  X(aspack)                      \
  X(mpress)                      \
  X(petite)                      \
  X(themida)                     \
  X(vmprotect)                   \
  X(enigma)                      \
  X(pecompact)                   \
  X(nspack)                      \
  X(nsis)                        \
  X(inno)                        \
  X(sfx_archive)                 \
  X(overlay)                     \
  X(signed)                      \
  X(rich_header)                 \
  X(go)                          \
  X(delphi)                      \
  X(visual_basic)                \
  X(mingw)                       \
  X(tls)                         \
  X(no_imports)                  \
  X(no_sections)                 \
  X(relocations_stripped)        \
  X(aslr)                        \
  X(dep)                         \
  X(cfg)                         \
  X(high_entropy_va)             \
  X(no_seh)

/* Strings: printable runs (ASCII and UTF-16LE) and what they name. */
#define MALML_STRINGS_SCALARS(X) \
  X(strings)                     \
  X(wide_strings)                \
  X(mean_string_length)          \
  X(max_string_length)           \
  X(printable_ratio)             \
  X(urls)                        \
  X(ipv4)                        \
  X(registry)                    \
  X(run_keys)                    \
  X(paths)                       \
  X(exe_names)                   \
  X(shell_commands)              \
  X(user_agents)                 \
  X(api_names)                   \
  X(pdb_paths)                   \
  X(embedded_pe)                 \
  X(dos_stubs)                   \
  X(base64_runs)                 \
  X(hex_runs)

/* .NET (schema 2): what YARA's dotnet module parsed from the CLR metadata;
 * all 0 (version fields missing) when the file is not .NET.  Then hashed
 * bags of assembly references, P/Invoke module references, user strings and
 * manifest resource names. */
#define MALML_DOTNET_SCALARS(X)   \
  X(is_dotnet)                    \
  X(runtime_version_major)        \
  X(runtime_version_minor)        \
  X(streams)                      \
  X(nonstandard_streams)          \
  X(uncompressed_tables)          \
  X(tables_size)                  \
  X(strings_heap_size)            \
  X(us_heap_size)                 \
  X(blob_heap_size)               \
  X(guids)                        \
  X(assembly_refs)                \
  X(assembly_version_major)       \
  X(module_name_mismatch)         \
  X(modulerefs)                   \
  X(resources)                    \
  X(resources_size)               \
  X(max_resource_size)            \
  X(resources_ratio)              \
  X(user_strings)                 \
  X(user_strings_size)            \
  X(max_user_string_length)       \
  X(nonascii_user_strings)        \
  X(constants)                    \
  X(field_offsets)                \
  X(typelib)

typedef enum
{
  MALML_GROUP_HEADER,
  MALML_GROUP_IMPORTS,
  MALML_GROUP_SECTIONS,
  MALML_GROUP_FILETYPE,
  MALML_GROUP_STRINGS,
  MALML_GROUP_DOTNET,
  MALML_GROUP_COUNT
} malml_group;

#define MALML_ENUM_ENTRY(name) MALML_F_##name,
#define MALML_SLOT_COUNT(name) +1
#define MALML_SLOT_FIELD_COUNT (0 MALML_SECTION_SLOT_FIELDS(MALML_SLOT_COUNT))

/* Index of every feature in the vector.  Group blocks are contiguous. */
enum
{
  MALML_HEADER_SCALARS(MALML_ENUM_ENTRY) MALML_F_byte_hist,
  MALML_F_dir_present = MALML_F_byte_hist + MALML_BYTE_HIST_BINS,
  MALML_F_rich_bucket = MALML_F_dir_present + MALML_DATA_DIRECTORIES,
  MALML_HEADER_END = MALML_F_rich_bucket + MALML_RICH_BUCKETS,

  MALML_IMPORTS_BEGIN = MALML_HEADER_END,
  MALML_IMPORTS_BEFORE = MALML_IMPORTS_BEGIN - 1,
  MALML_IMPORTS_SCALARS(MALML_ENUM_ENTRY) MALML_F_import_bucket,
  MALML_F_dll_bucket = MALML_F_import_bucket + MALML_IMPORT_BUCKETS,
  MALML_F_export_bucket = MALML_F_dll_bucket + MALML_DLL_BUCKETS,
  MALML_IMPORTS_END = MALML_F_export_bucket + MALML_EXPORT_BUCKETS,

  MALML_SECTIONS_BEGIN = MALML_IMPORTS_END,
  MALML_SECTIONS_BEFORE = MALML_SECTIONS_BEGIN - 1,
  MALML_SECTIONS_SCALARS(MALML_ENUM_ENTRY) MALML_F_section_slot,
  MALML_F_section_name_bucket =
      MALML_F_section_slot + MALML_SECTION_SLOTS * MALML_SLOT_FIELD_COUNT,
  MALML_SECTIONS_END = MALML_F_section_name_bucket + MALML_SECTION_NAME_BUCKETS,

  MALML_FILETYPE_BEGIN = MALML_SECTIONS_END,
  MALML_FILETYPE_BEFORE = MALML_FILETYPE_BEGIN - 1,
  MALML_FILETYPE_TOKENS(MALML_ENUM_ENTRY) MALML_FILETYPE_END,

  MALML_STRINGS_BEGIN = MALML_FILETYPE_END,
  MALML_STRINGS_BEFORE = MALML_STRINGS_BEGIN - 1,
  MALML_STRINGS_SCALARS(MALML_ENUM_ENTRY) MALML_STRINGS_END,

  MALML_DOTNET_BEGIN = MALML_STRINGS_END,
  MALML_DOTNET_BEFORE = MALML_DOTNET_BEGIN - 1,
  MALML_DOTNET_SCALARS(MALML_ENUM_ENTRY) MALML_F_assembly_ref_bucket,
  MALML_F_moduleref_bucket =
      MALML_F_assembly_ref_bucket + MALML_ASSEMBLY_REF_BUCKETS,
  MALML_F_user_string_bucket =
      MALML_F_moduleref_bucket + MALML_MODULEREF_BUCKETS,
  MALML_F_resource_name_bucket =
      MALML_F_user_string_bucket + MALML_USER_STRING_BUCKETS,
  MALML_DOTNET_END =
      MALML_F_resource_name_bucket + MALML_RESOURCE_NAME_BUCKETS,

  MALML_FEATURE_COUNT = MALML_DOTNET_END
};

/* Offset of field `f` (MALML_SLOT_<f>) in section slot `s`. */
enum
{
#define MALML_SLOT_ENUM(name) MALML_SLOT_##name,
  MALML_SECTION_SLOT_FIELDS(MALML_SLOT_ENUM)
#undef MALML_SLOT_ENUM
};
#define MALML_SLOT_INDEX(s, f) \
  (MALML_F_section_slot + (s) *MALML_SLOT_FIELD_COUNT + MALML_SLOT_##f)

typedef struct
{
  const char* name;
  int begin; /* first index of the group in the vector */
  int end;   /* one past the last */
} malml_group_info;

/* The group table; static, read-only. */
const malml_group_info* malml_schema_group(malml_group g);

/* Name of feature `index` (e.g. "imports.import_bucket[17]") written into
 * buf; returns buf.  Names are stable: they define the schema hash. */
const char* malml_schema_feature_name(int index, char* buf, size_t size);

/* The block holding feature `index`: features that mean something only
 * together (a histogram, a hashed bag, one section's slot).  Sets *first to
 * its first index and returns its length, or 1 for a feature of its own. */
int malml_schema_block_of(int index, int* first);

/* Group that holds feature `index`. */
malml_group malml_schema_group_of(int index);

/* Lower-case hex SHA-256 of the schema (64 chars + NUL), computed once by
 * malml_schema_init and constant afterwards. */
const char* malml_schema_hash(void);

/* Computes the schema hash; call once before any scan (module_initialize).
 * Returns 0 on success, -1 if OpenSSL fails. */
int malml_schema_init(void);

/* Index of filetype token `name`, or -1 when there is no such token. */
int malml_schema_filetype_index(const char* name);

#endif
