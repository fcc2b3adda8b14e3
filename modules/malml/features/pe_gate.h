/*
 * Module-internal header (programs include modules/malml/malml.h): what
 * malml checks in a file's bytes before it loads `pe` itself.
 *
 * YARA 4.2.3's pe walks the resource directory three levels deep, up to
 * 65536 entries a directory, and follows subdirectory offsets with no check
 * for cycles and no timeout: a root whose entries point back at the root
 * costs it N^3 steps (N = 32768: days, at some 150 million a second) inside
 * yr_modules_load, where neither YARA's -a nor yara-python's timeout can
 * stop it.  Where
 * malml is what loads pe for a file, it walks the same tree first, from the
 * same checks pe makes, counting the directory entries pe would visit and
 * stopping at a budget, and refuses the file when the budget is exceeded.
 */
#ifndef MALML_PE_GATE_H
#define MALML_PE_GATE_H

#include <stddef.h>
#include <stdint.h>

/* Directory entries pe may visit in a file's resource tree.  Real files
 * visit a few thousand at most (2,641 over the corpus: docs/features.md);
 * pe walks a million in a quarter of a second, and the gate in about a
 * millisecond.  Past it pe may still finish (a loop of 512 entries,
 * 134 million steps: under a second) but no real file is there. */
#define MALML_PE_GATE_BUDGET 1048576
#define MALML_PE_GATE_BUDGET_TEXT "1048576"

/* What pe's resource walk would do in a file. */
typedef struct
{
  uint64_t entries; /* directory entries visited, counted up to budget + 1 */
  uint64_t leaves;  /* of them, those pe's callback is given: its
                       number_of_resources is min(leaves, 65537) */
  /* pe_parse_version_info runs on every RT_VERSION leaf of the first
     65537, and records every string of the blob each time (nothing caps
     version_info_list): a tree of 32,768 leaves over one blob of 8,000
     strings makes pe allocate some 100 GB.  Counted up to the budgets
     below, so the gate's own work stays bounded. */
  uint64_t version_strings; /* strings pe would record */
  uint64_t version_bytes;   /* bytes its wide-string scans would read */
} malml_pe_gate_walk;

/* Version strings pe may record, and bytes its scans may read, for a file.
 * A real file has one version blob of a few dozen strings and reads a few
 * KB; 65536 strings are some 20 MB of pe's objects. */
#define MALML_PE_GATE_VERSION_STRINGS 65536
#define MALML_PE_GATE_VERSION_STRINGS_TEXT "65536"
#define MALML_PE_GATE_VERSION_BYTES (64u << 20)

/* How pe 4.2.3 would treat the block `data` of `size` bytes: 0 when it is
 * not the block pe parses (no PE header as pe_get_header reads one, or a
 * DLL in a process scan, `process_memory` set); else 1, with `*walk` filled.
 * The walk stops at `budget` + 1 entries (more than `budget` means "at
 * least that many"), so the gate's own work is bounded too. */
int malml_pe_gate_resources(
    const uint8_t* data,
    size_t size,
    int process_memory,
    uint64_t budget,
    malml_pe_gate_walk* walk);

#endif
