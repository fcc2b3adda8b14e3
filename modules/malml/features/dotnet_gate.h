/*
 * Module-internal header: whether YARA's `dotnet` module may parse a file
 * (issue 20).  dotnet trusts the counts in a file's CLR metadata: YARA
 * 4.2.3 copies a blob once for every Constant or AssemblyRef row that names
 * it, so 10,000 rows naming one 100 KB blob cost 1 GB for a 166 KB file,
 * it makes an object for every user string, and it reads to the end of a
 * run without NUL for every row whose name starts in it.  The gate reads
 * the same headers dotnet reads, from the file's bytes (bounds-checked, no
 * allocation), and refuses a file whose metadata claims more than the file
 * holds or would make dotnet allocate, or read, far more than the file's
 * size.
 */
#ifndef MALML_DOTNET_GATE_H
#define MALML_DOTNET_GATE_H

#include <stddef.h>
#include <stdint.h>

/* What dotnet is allowed to cost: this many bytes, plus this many times the
 * file's size (real assemblies stay far below; see docs/features.md). */
#define MALML_DOTNET_GATE_FLOOR (64u << 20)
#define MALML_DOTNET_GATE_TIMES 8u
/* What dotnet may read looking for the NULs that end names: 10,000
 * ModuleRef and 10,000 AssemblyRef rows naming an 8 MB run without NUL
 * cost Debian's yara 1.8 s of CPU; real assemblies read under a third of
 * their size.  The gate reads as much before it refuses. */
#define MALML_DOTNET_GATE_WORK_FLOOR (16u << 20)
#define MALML_DOTNET_GATE_WORK_TIMES 4u

typedef struct
{
  /* Bytes dotnet would allocate for the file by the gate's count (0 where
   * dotnet parses no metadata; a lower bound when refused). */
  uint64_t estimate;
  /* Why the file was refused, naming the table or stream and its count;
   * "" when it was not. */
  char reason[160];
} malml_dotnet_gate_result;

/* 1: dotnet may parse data[0..size); 0: it may not, r->reason says why. */
int malml_dotnet_gate(
    const uint8_t* data,
    size_t size,
    malml_dotnet_gate_result* r);

#endif
