/*
 * Module-internal header (programs include modules/malml/malml.h): what malml
 * reads from the `pe` module's parse, copied into plain C values so feature
 * code never touches YARA objects and nothing points into `pe` after
 * module_load returns.
 */
#ifndef MALML_PE_VIEW_H
#define MALML_PE_VIEW_H

#include <stddef.h>
#include <stdint.h>
#include <yara/object.h>

#include "modules/malml/features/object_read.h"

/* As the pe module (MAX_PE_SECTIONS). */
#define MALML_PE_MAX_SECTIONS 96

/* The CLR (.NET) header's data directory (IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR). */
#define MALML_PE_DIR_CLR 14

/* An integer the pe module left undefined (YARA's own sentinel). */
#define MALML_PE_MISSING MALML_MISSING

typedef struct
{
  char name[9]; /* section name as pe gives it, cut to 8 bytes */
  size_t name_len;
  int64_t raw_offset;
  int64_t raw_size;
  int64_t virtual_address;
  int64_t virtual_size;
  int64_t characteristics;
} malml_pe_section;

typedef struct
{
  int64_t machine, characteristics, dll_characteristics, subsystem, timestamp;
  int64_t opthdr_magic, size_of_optional_header, number_of_rva_and_sizes;
  int64_t size_of_code, size_of_initialized_data, size_of_uninitialized_data;
  int64_t size_of_image, size_of_headers, image_base;
  int64_t section_alignment, file_alignment, checksum;
  int64_t size_of_stack_reserve, size_of_stack_commit;
  int64_t size_of_heap_reserve, size_of_heap_commit;
  int64_t linker_major, linker_minor, os_major, subsystem_major;
  int64_t entry_point; /* file offset of the entry point */
  int64_t entry_point_rva;
  int64_t overlay_offset, overlay_size;
  int64_t number_of_resources, number_of_signatures, rich_length;
  int64_t number_of_exports, number_of_imported_functions;
  int64_t number_of_imports, number_of_delayed_imported_functions;
  int64_t number_of_delayed_imports;
  int64_t dir_size[16];
  int64_t dir_rva[16];
  int number_of_sections; /* as in the header */
  int nsections;          /* sections pe parsed (<= MALML_PE_MAX_SECTIONS) */
  malml_pe_section sections[MALML_PE_MAX_SECTIONS];
} malml_pe;

/* Fills `out` from the pe module object.  Returns 1 when pe says the data is
 * a PE (pe.is_pe), 0 otherwise (and `out` is then unspecified). */
int malml_pe_read(YR_OBJECT* pe, malml_pe* out);

/* Whether the file's optional header holds a CLR (.NET) directory with a
 * nonzero virtual address: DataDirectory[MALML_PE_DIR_CLR] read from the
 * bytes, whatever NumberOfRvaAndSizes says (malware lowers it to hide the
 * directory from `pe`; YARA's dotnet module reads the entry regardless).
 * malml reads .NET features only then.  data[0..size) is the file. */
int malml_pe_has_clr_directory(const uint8_t* data, size_t size);

/* Called for each imported function (ordinary, then delayed): `function` is
 * NULL for an import by ordinal.  Strings are not NUL-terminated. */
typedef void (*malml_import_fn)(
    void* ctx,
    const char* dll,
    size_t dll_len,
    const char* function,
    size_t function_len,
    int64_t ordinal,
    int delayed);

void malml_pe_foreach_import(YR_OBJECT* pe, malml_import_fn fn, void* ctx);

#endif
