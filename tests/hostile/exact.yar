/*
 * test-hostile.sh scans every hostile file with these rules.  `reads_all`
 * touches every rule-visible malml field and function (so each is computed
 * and read); each `eq_*` rule is one equality from docs/features.md between
 * a malml value and what `pe`/`math` give on the same file, so a failure
 * names the field.  For a PE every eq_* rule must match; for anything else
 * `not_pe` must.  YARA 4.2 has no `defined`: `(x == x or false)` is true
 * exactly when x is defined, and `x or true` reads x and is always true.
 */
import "malml"
import "pe"
import "math"

rule is_pe_file { condition: pe.is_pe == 1 }

rule reads_all
{
  condition:
    (malml.is_pe >= 0 or true) and (malml.schema_version > 0 or true) and
    (malml.schema_hash != "" or true) and (malml.number_of_features > 0 or true) and
    (malml.entropy >= 0 or true) and (malml.size_dif >= 0 or true) and
    (malml.stack_dif >= 0 or true) and (malml.heap_dif >= 0 or true) and
    (malml.overlay_size >= 0 or true) and (malml.number_of_imports >= 0 or true) and
    (malml.number_of_imported_dlls >= 0 or true) and
    (malml.number_of_exports >= 0 or true) and (malml.number_of_sections >= 0 or true) and
    (malml.number_of_wx_sections >= 0 or true) and
    (malml.number_of_exec_sections >= 0 or true) and
    (malml.number_of_zero_raw_sections >= 0 or true) and
    (malml.number_of_unnamed_sections >= 0 or true) and
    (for any i in (0..95): (malml.sections[i].name != "" or malml.sections[i].entropy >= 0) or true) and
    (malml.string_stats.count >= 0 or true) and (malml.string_stats.wide_count >= 0 or true) and
    (malml.string_stats.max_length >= 0 or true) and (malml.string_stats.urls >= 0 or true) and
    (malml.string_stats.ipv4 >= 0 or true) and (malml.string_stats.registry >= 0 or true) and
    (malml.string_stats.run_keys >= 0 or true) and (malml.string_stats.paths >= 0 or true) and
    (malml.string_stats.exe_names >= 0 or true) and
    (malml.string_stats.shell_commands >= 0 or true) and
    (malml.string_stats.user_agents >= 0 or true) and
    (malml.string_stats.api_names >= 0 or true) and (malml.string_stats.pdb_paths >= 0 or true) and
    (malml.string_stats.embedded_pe >= 0 or true) and (malml.string_stats.dos_stubs >= 0 or true) and
    (malml.string_stats.base64_runs >= 0 or true) and (malml.string_stats.hex_runs >= 0 or true) and
    (for any i in (0..malml.number_of_features - 1): (malml.feature(i) != 0) or true) and
    (malml.dotnet.number_of_nonstandard_streams >= 0 or true) and
    (malml.dotnet.uncompressed_tables >= 0 or true) and (malml.dotnet.tables_size >= 0 or true) and
    (malml.dotnet.strings_heap_size >= 0 or true) and (malml.dotnet.us_heap_size >= 0 or true) and
    (malml.dotnet.blob_heap_size >= 0 or true) and
    (malml.dotnet.module_name_mismatch >= 0 or true) and
    (malml.dotnet.resources_size >= 0 or true) and (malml.dotnet.max_resource_size >= 0 or true) and
    (malml.dotnet.user_strings_size >= 0 or true) and
    (malml.dotnet.max_user_string_length >= 0 or true) and
    (malml.dotnet.number_of_nonascii_user_strings >= 0 or true) and
    (malml.dotnet_refused >= 0 or true) and (malml.dotnet_refused_reason != "" or true) and
    (malml.dotnet_score >= 0 or true) and (malml.threshold.dotnet_high >= 0 or true) and
    (malml.feature("sections.max_entropy") >= 0 or true) and
    (malml.import_bucket("kernel32.dll", "VirtualAlloc") >= 0 or true) and
    (malml.import_bucket("ws2_32.dll", 115) >= 0 or true) and
    (malml.dll_bucket("kernel32.dll") >= 0 or true) and
    (malml.section_bucket(".text") >= 0 or true) and (malml.filetype("upx") >= 0 or true) and
    (malml.score >= 0 or true) and (malml.header_score >= 0 or true) and
    (malml.imports_score >= 0 or true) and (malml.sections_score >= 0 or true) and
    (malml.filetype_score >= 0 or true) and (malml.strings_score >= 0 or true) and
    (malml.threshold.high >= 0 or true) and (malml.threshold.medium >= 0 or true) and
    (malml.threshold.low >= 0 or true) and (malml.threshold.count >= 0 or true) and
    (malml.model.version != "" or true) and (malml.model.sha256 != "" or true)
}

rule not_pe
{
  condition:
    not (pe.is_pe == 1) and malml.is_pe == 0 and
    not (malml.entropy == malml.entropy or false) and
    not (malml.size_dif == malml.size_dif or false) and
    not (malml.number_of_sections == malml.number_of_sections or false) and
    not (malml.score == malml.score or false)
}

rule eq_is_pe { condition: malml.is_pe == pe.is_pe }

// Schema 2: the DOS header's words as the file holds them (a PE is at
// least 64 bytes long, so every one is defined).
rule eq_dos_header
{
  condition:
    malml.feature("header.dos_e_cblp") == uint16(2) and
    malml.feature("header.dos_e_cp") == uint16(4) and
    malml.feature("header.dos_e_cparhdr") == uint16(8) and
    malml.feature("header.dos_e_maxalloc") == uint16(12) and
    malml.feature("header.dos_e_sp") == uint16(16) and
    malml.feature("header.dos_e_lfarlc") == uint16(24) and
    malml.feature("header.dos_e_ovno") == uint16(26) and
    malml.feature("header.dos_e_oeminfo") == uint16(38) and
    malml.feature("header.dos_e_lfanew") == uint32(60)
}
// The overlay's entropy is math.entropy over pe.overlay (float32 in the
// vector, so within 1e-5), missing without an overlay.
rule eq_overlay_entropy
{
  condition:
    (pe.overlay.size > 0 and
     malml.feature("header.overlay_entropy") - math.entropy(pe.overlay.offset, pe.overlay.size) < 0.00001 and
     math.entropy(pe.overlay.offset, pe.overlay.size) - malml.feature("header.overlay_entropy") < 0.00001) or
    (not (pe.overlay.size > 0 or false) and
     not (malml.feature("header.overlay_entropy") >= 0 or false))
}
// dir_present[i]: pe.data_directories[i].virtual_address is nonzero.
rule eq_dir_present
{
  condition:
    ((malml.feature("header.dir_present[0]") == 1 and pe.data_directories[0].virtual_address != 0) or
     (malml.feature("header.dir_present[0]") == 0 and not (pe.data_directories[0].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[1]") == 1 and pe.data_directories[1].virtual_address != 0) or
     (malml.feature("header.dir_present[1]") == 0 and not (pe.data_directories[1].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[2]") == 1 and pe.data_directories[2].virtual_address != 0) or
     (malml.feature("header.dir_present[2]") == 0 and not (pe.data_directories[2].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[3]") == 1 and pe.data_directories[3].virtual_address != 0) or
     (malml.feature("header.dir_present[3]") == 0 and not (pe.data_directories[3].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[4]") == 1 and pe.data_directories[4].virtual_address != 0) or
     (malml.feature("header.dir_present[4]") == 0 and not (pe.data_directories[4].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[5]") == 1 and pe.data_directories[5].virtual_address != 0) or
     (malml.feature("header.dir_present[5]") == 0 and not (pe.data_directories[5].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[6]") == 1 and pe.data_directories[6].virtual_address != 0) or
     (malml.feature("header.dir_present[6]") == 0 and not (pe.data_directories[6].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[7]") == 1 and pe.data_directories[7].virtual_address != 0) or
     (malml.feature("header.dir_present[7]") == 0 and not (pe.data_directories[7].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[8]") == 1 and pe.data_directories[8].virtual_address != 0) or
     (malml.feature("header.dir_present[8]") == 0 and not (pe.data_directories[8].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[9]") == 1 and pe.data_directories[9].virtual_address != 0) or
     (malml.feature("header.dir_present[9]") == 0 and not (pe.data_directories[9].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[10]") == 1 and pe.data_directories[10].virtual_address != 0) or
     (malml.feature("header.dir_present[10]") == 0 and not (pe.data_directories[10].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[11]") == 1 and pe.data_directories[11].virtual_address != 0) or
     (malml.feature("header.dir_present[11]") == 0 and not (pe.data_directories[11].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[12]") == 1 and pe.data_directories[12].virtual_address != 0) or
     (malml.feature("header.dir_present[12]") == 0 and not (pe.data_directories[12].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[13]") == 1 and pe.data_directories[13].virtual_address != 0) or
     (malml.feature("header.dir_present[13]") == 0 and not (pe.data_directories[13].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[14]") == 1 and pe.data_directories[14].virtual_address != 0) or
     (malml.feature("header.dir_present[14]") == 0 and not (pe.data_directories[14].virtual_address != 0 or false))) and
    ((malml.feature("header.dir_present[15]") == 1 and pe.data_directories[15].virtual_address != 0) or
     (malml.feature("header.dir_present[15]") == 0 and not (pe.data_directories[15].virtual_address != 0 or false)))
}
rule eq_entropy { condition: malml.entropy == math.entropy(0, filesize) }
rule eq_size_dif { condition: malml.size_dif == pe.size_of_image - filesize }
rule eq_stack_dif
{
  condition: malml.stack_dif == pe.size_of_stack_reserve - pe.size_of_stack_commit
}
rule eq_heap_dif
{
  condition: malml.heap_dif == pe.size_of_heap_reserve - pe.size_of_heap_commit
}
// "0 when none": pe leaves the overlay undefined on some broken files.
rule eq_overlay_size
{
  condition:
    malml.overlay_size == pe.overlay.size or
    (not (pe.overlay.size == pe.overlay.size or false) and malml.overlay_size == 0)
}
// malml.number_of_imports (functions malml tokenised) is checked by
// test-hostile.sh against the functions Debian's pe lists: pe's own
// number_of_imported_functions also counts entries it then drops.
rule eq_number_of_imported_dlls
{
  condition: malml.number_of_imported_dlls == pe.number_of_imports
}
rule eq_number_of_exports { condition: malml.number_of_exports == pe.number_of_exports }
rule eq_number_of_sections
{
  condition: malml.number_of_sections == pe.number_of_sections
}

// Exact counts over the sections pe parsed (at most 96): `for N` is "at
// least N", so "exactly N" is that and not N + 1.
rule eq_number_of_wx_sections
{
  condition:
    for malml.number_of_wx_sections i in (0..95):
      (pe.sections[i].characteristics & 0xA0000000 == 0xA0000000) and
    not for (malml.number_of_wx_sections + 1) i in (0..95):
      (pe.sections[i].characteristics & 0xA0000000 == 0xA0000000)
}
rule eq_number_of_exec_sections
{
  condition:
    for malml.number_of_exec_sections i in (0..95):
      (pe.sections[i].characteristics & 0x20000000 != 0) and
    not for (malml.number_of_exec_sections + 1) i in (0..95):
      (pe.sections[i].characteristics & 0x20000000 != 0)
}
rule eq_number_of_zero_raw_sections
{
  condition:
    for malml.number_of_zero_raw_sections i in (0..95):
      (pe.sections[i].raw_data_size == 0) and
    not for (malml.number_of_zero_raw_sections + 1) i in (0..95):
      (pe.sections[i].raw_data_size == 0)
}
rule eq_number_of_unnamed_sections
{
  condition:
    for malml.number_of_unnamed_sections i in (0..95):
      (pe.sections[i].name == "" or not (pe.sections[i].name matches /^[\x21-\x7e]+$/)) and
    not for (malml.number_of_unnamed_sections + 1) i in (0..95):
      (pe.sections[i].name == "" or not (pe.sections[i].name matches /^[\x21-\x7e]+$/))
}

// Per section: the same name, both undefined together; the entropy of the
// raw data clamped to the file (math.entropy clamps the same way), and
// undefined when no raw byte is in the file (math.entropy gives 0 there).
rule eq_sections
{
  condition:
    for all i in (0..95):
      (malml.sections[i].name == pe.sections[i].name or
       (not (malml.sections[i].name == malml.sections[i].name or false) and
        not (pe.sections[i].name == pe.sections[i].name or false))) and
    for all i in (0..95):
      ((pe.sections[i].raw_data_size > 0 and pe.sections[i].raw_data_offset < filesize and
        malml.sections[i].entropy ==
          math.entropy(pe.sections[i].raw_data_offset, pe.sections[i].raw_data_size)) or
       ((pe.sections[i].raw_data_size == 0 or pe.sections[i].raw_data_offset >= filesize or
         not (pe.sections[i].raw_data_size >= 0 or false)) and
        not (malml.sections[i].entropy == malml.sections[i].entropy or false)))
}

rule eq_filetype
{
  condition:
    malml.filetype("pe32plus") == pe.is_64bit() and
    malml.filetype("dll") == (pe.characteristics & 0x2000) \ 0x2000
}
