/*
 * The resource walk of YARA 4.2.3's pe (pe_iterate_resources in
 * libyara/modules/pe/pe.c), replayed on the bytes with a counter and no
 * callback.  The gate is only as good as its agreement with pe: every check
 * below is one pe makes (the file header as pe_get_header reads it, the
 * data directory as pe_get_directory_entry finds it, pe_rva_to_offset's
 * mapping, the per-directory sanity checks and the aborts), so the count is
 * the number of entries pe's loop runs over, until the budget.
 * Offsets stay offsets: pe's pointer tests (struct_fits_in_pe) become
 * "offset + size <= file size".
 */
#include "modules/malml/features/pe_gate.h"

#include <yara/libyara.h>

#include "modules/malml/le.h"

/* The walk is replayed as the linked libyara's pe makes it.  4.5.1 changed
 * it: a directory whose entries do not all fit is skipped whole (4.2.3
 * aborted at the first entry past the end), an entry with offset 0 ends its
 * directory (pe `continue`s without stepping on, so the rest of the loop
 * rereads it), a subdirectory or leaf that does not fit is skipped rather
 * than aborting the walk, and 65536 resources are collected, not 65537.
 * 4.5.2 also passes over leaves whose size is 0 or above 0x3FFFFFFF.
 * Finding the tree: 4.3 aligns a section's raw offset down to 512 bytes
 * when SectionAlignment is a page or more; 4.5.1 takes a section's size as
 * the larger of its virtual and raw sizes and reads the resource directory
 * entry whatever NumberOfRvaAndSizes says. */
#define PE_WALK_4_5_1 (YR_VERSION_HEX >= 0x040501)
#define PE_WALK_4_5_2 (YR_VERSION_HEX >= 0x040502)
#define PE_MAP_4_3 (YR_VERSION_HEX >= 0x040300)
#define PE_COLLECTED (PE_WALK_4_5_1 ? 65536 : 65537)
#define PE_UNFIT (PE_WALK_4_5_1 ? WALK_FINISHED : WALK_ABORTED)

#define IMAGE_FILE_DLL 0x2000
#define PE32PLUS_MAGIC 0x20b
#define OPTIONAL_HEADER32_SIZE 224
#define OPTIONAL_HEADER64_SIZE 240
#define SECTION_HEADER_SIZE 40
#define MAX_PE_SECTIONS 96 /* pe's cap on the sections it reads */
#define RESOURCE_DIRECTORY_SIZE 16
#define RESOURCE_ENTRY_SIZE 8
#define RESOURCE_DATA_ENTRY_SIZE 16
#define DIRECTORY_ENTRY_RESOURCE 2

/* What the walk needs of the headers pe_get_header accepted. */
typedef struct
{
  const uint8_t* data;
  size_t size;
  uint64_t nt;       /* e_lfanew */
  int pe32plus;      /* OptionalHeader.Magic == 0x20b */
  uint64_t rsrc;     /* the resource directory's file offset */
  uint64_t budget;   /* stop counting past this */
  malml_pe_gate_walk count;
  uint32_t type;     /* the level-0 entry's Name: pe's rsrc_type */
  uint64_t last_entry, last_strings, last_bytes; /* version cache */
} gate;

enum
{
  WALK_FINISHED, /* pe's RESOURCE_ITERATOR_FINISHED */
  WALK_ABORTED,  /* pe's RESOURCE_ITERATOR_ABORTED: the whole walk stops */
  WALK_OVER      /* past the budget: stop too */
};

static int fits(const gate* g, uint64_t offset, uint64_t n)
{
  return n <= g->size && offset <= g->size - n;
}

/* pe_get_header: 1 when pe would take `data` for a PE. */
static int read_header(gate* g)
{
  if (g->size < 64 || malml_le16(g->data) != 0x5a4d) /* "MZ" */
    return 0;
  int32_t lfanew = (int32_t) malml_le32(g->data + 0x3c);
  if (lfanew < 0)
    return 0;
  g->nt = (uint64_t) lfanew;
  uint64_t headers = g->nt + 4 + 20; /* Signature and FileHeader */
  if (g->size < headers || malml_le32(g->data + g->nt) != 0x00004550)
    return 0;
  if (g->size < headers + OPTIONAL_HEADER32_SIZE)
    return 0;
  g->pe32plus = malml_le16(g->data + g->nt + 24) == PE32PLUS_MAGIC;
  headers += g->pe32plus ? OPTIONAL_HEADER64_SIZE : OPTIONAL_HEADER32_SIZE;
  return g->size >= headers;
}

/* A field of the optional header (at the same offset in PE32 and PE32+
 * unless the caller picks by g->pe32plus). */
static uint32_t optional32(const gate* g, uint64_t field)
{
  return malml_le32(g->data + g->nt + 24 + field);
}

/* Where pe's section loop matched `rva`; the offsets of the section table
 * follow IMAGE_SECTION_HEADER. */
typedef struct
{
  uint32_t rva, offset, raw_size, lowest;
} mapping;

/* pe_rva_to_offset, as 4.2.3 computes it (the last matching section whose
 * address is not below the previous match's wins; raw offsets rounded down
 * to min(FileAlignment, 0x200)); -1 where pe gives -1. */
static int64_t rva_to_offset(const gate* g, uint64_t rva)
{
  uint64_t sec = g->nt + 24 + malml_le16(g->data + g->nt + 20);
  uint32_t nsec = malml_le16(g->data + g->nt + 6);
  uint32_t falign = optional32(g, 36);
  uint32_t alignment = falign < 0x200 ? falign : 0x200;
  int sector_aligned = PE_MAP_4_3 && optional32(g, 32) >= 0x1000;
  mapping m = {0, 0, 0, 0xffffffff};
  for (uint32_t i = 0; i < nsec && i < MAX_PE_SECTIONS; i++)
  {
    uint64_t s = sec + (uint64_t) i * SECTION_HEADER_SIZE;
    if (!fits(g, s, SECTION_HEADER_SIZE))
      return -1;
    uint32_t va = malml_le32(g->data + s + 12);
    uint32_t vsize = malml_le32(g->data + s + 8);
    if (PE_WALK_4_5_1 && vsize < malml_le32(g->data + s + 16))
      vsize = malml_le32(g->data + s + 16);
    if (m.lowest > va)
      m.lowest = va;
    if (rva >= va && rva - va < vsize && m.rva <= va)
    {
      m.rva = va;
      m.offset = malml_le32(g->data + s + 20);
      m.raw_size = malml_le32(g->data + s + 16);
      if (alignment != 0)
        m.offset -= m.offset % alignment;
      if (sector_aligned)
        m.offset &= ~(uint32_t) 0x1ff;
    }
  }
  if (rva < m.lowest)
  {
    m.rva = 0;
    m.offset = 0;
    m.raw_size = (uint32_t) g->size; /* pe's (DWORD) cast, kept */
  }
  if (rva - m.rva >= m.raw_size)
    return -1;
  uint64_t result = (uint64_t) m.offset + (rva - m.rva);
  return result >= g->size ? -1 : (int64_t) result;
}

/* pe_get_directory_entry(pe, IMAGE_DIRECTORY_ENTRY_RESOURCE), then
 * pe_iterate_resources' checks on the root: 1 with g->rsrc set when pe
 * walks a tree. */
static int find_root(gate* g)
{
  uint32_t nrva = optional32(g, g->pe32plus ? 108 : 92);
  if (!PE_WALK_4_5_1 && nrva < DIRECTORY_ENTRY_RESOURCE)
    return 0;
  uint64_t dir = g->nt + 24 + (g->pe32plus ? 112 : 96) +
                 8 * DIRECTORY_ENTRY_RESOURCE;
  if (!fits(g, dir, 8))
    return 0;
  uint32_t va = malml_le32(g->data + dir);
  if (va == 0)
    return 0;
  int64_t offset = rva_to_offset(g, va);
  if (offset < 0 || !fits(g, (uint64_t) offset, RESOURCE_DIRECTORY_SIZE))
    return 0;
  g->rsrc = (uint64_t) offset;
  return 1;
}

#define RESOURCE_TYPE_VERSION 16
#define VERSION_INFO_SIZE 6 /* Length, ValueLength, Type; then Key */

/* pe's ADD_OFFSET: `n` rounded up to 4 bytes, added to the offset. */
static uint64_t add_offset(uint64_t at, uint64_t n)
{
  return at + ((n + 3) & ~(uint64_t) 3);
}

/* wide_string_fits_in_pe: the UTF-16 string at `at` ends inside the file;
 * its length in characters in *len.  Every byte pe reads is counted. */
static int wide_fits(gate* g, uint64_t at, uint64_t* len)
{
  uint64_t i = 0;
  while (at < g->size && g->size - at - i >= 2)
  {
    g->count.version_bytes += 2;
    if (g->data[at + i] == 0 && g->data[at + i + 1] == 0)
    {
      *len = i / 2;
      return 1;
    }
    i += 2;
  }
  return 0;
}

/* strcmp_w(key at `at`, s) == 0, where pe checked `strlen(s) + 1` wide
 * characters fit. */
static int wide_equals(const gate* g, uint64_t at, const char* s)
{
  const uint8_t* w = g->data + at;
  while (*s != 0 && w[0] == (uint8_t) *s && w[1] == 0)
  {
    w += 2;
    s++;
  }
  return w[1] == 0 && w[0] == (uint8_t) *s;
}

/* The value loop of pe_parse_version_info over one string table; 0 when
 * the table's own key does not fit, which ends pe's loop over tables. */
static int version_table(gate* g, uint64_t table, uint64_t end)
{
  uint64_t n;
  if (!wide_fits(g, table + VERSION_INFO_SIZE, &n))
    return 0;
  uint64_t s = add_offset(table, VERSION_INFO_SIZE + 2 * (n + 1));
  while (fits(g, s, VERSION_INFO_SIZE) && malml_le16(g->data + s) != 0 &&
         s < end && wide_fits(g, s + VERSION_INFO_SIZE, &n))
  {
    uint64_t value = add_offset(s, VERSION_INFO_SIZE + 2 * (n + 1));
    if (wide_fits(g, value, &n))
      g->count.version_strings++;
    if (g->count.version_strings > MALML_PE_GATE_VERSION_STRINGS ||
        g->count.version_bytes > MALML_PE_GATE_VERSION_BYTES)
      return 1;
    s = add_offset(s, malml_le16(g->data + s));
  }
  return 1;
}

/* pe_parse_version_info on the data entry at `entry`, replayed on offsets;
 * adds what it records and reads to g->count. */
static void version_info(gate* g, uint64_t entry)
{
  int64_t at = rva_to_offset(g, malml_le32(g->data + entry));
  if (at < 0 || !fits(g, (uint64_t) at, VERSION_INFO_SIZE + 32) ||
      !wide_equals(g, (uint64_t) at + VERSION_INFO_SIZE, "VS_VERSION_INFO"))
    return;
  uint64_t v = add_offset((uint64_t) at, VERSION_INFO_SIZE + 86);
  while (fits(g, v + VERSION_INFO_SIZE, 24) &&
         wide_equals(g, v + VERSION_INFO_SIZE, "VarFileInfo") &&
         malml_le16(g->data + v) != 0)
    v = add_offset(v, malml_le16(g->data + v));
  while (fits(g, v + VERSION_INFO_SIZE, 30) &&
         wide_equals(g, v + VERSION_INFO_SIZE, "StringFileInfo") &&
         malml_le16(g->data + v) != 0)
  {
    uint64_t table = add_offset(v, VERSION_INFO_SIZE + 30);
    v = add_offset(v, malml_le16(g->data + v));
    while (fits(g, table, VERSION_INFO_SIZE) &&
           malml_le16(g->data + table) != 0 && table < v)
    {
      uint64_t next = add_offset(table, malml_le16(g->data + table));
      if (!version_table(g, table, next))
        return;
      if (g->count.version_strings > MALML_PE_GATE_VERSION_STRINGS ||
          g->count.version_bytes > MALML_PE_GATE_VERSION_BYTES)
        return;
      table = next;
    }
  }
}

/* A leaf pe's callback is given: RT_VERSION leaves among its first 65537
 * get their version information parsed, each time (the last entry's cost
 * is cached: a hostile tree repeats one). */
static int leaf(gate* g, uint64_t entry)
{
  if (g->type == RESOURCE_TYPE_VERSION && g->count.leaves < PE_COLLECTED)
  {
    if (entry != g->last_entry)
    {
      uint64_t s = g->count.version_strings, b = g->count.version_bytes;
      version_info(g, entry);
      g->last_entry = entry;
      g->last_strings = g->count.version_strings - s;
      g->last_bytes = g->count.version_bytes - b;
    }
    else
    {
      g->count.version_strings += g->last_strings;
      g->count.version_bytes += g->last_bytes;
    }
  }
  g->count.leaves++; /* pe's collecting callback never aborts */
  return g->count.version_strings > MALML_PE_GATE_VERSION_STRINGS ||
                 g->count.version_bytes > MALML_PE_GATE_VERSION_BYTES
             ? WALK_OVER
             : WALK_FINISHED;
}

/* _pe_iterate_resources on the directory at file offset `dir`. */
static int walk_directory(gate* g, uint64_t dir, int level)
{
  const uint8_t* d = g->data + dir;
  uint32_t named = malml_le16(d + 12), ids = malml_le16(d + 14);
  if (malml_le32(d) != 0 || named > 32768 || ids > 32768)
    return WALK_FINISHED; /* pe's sanity checks: skipped, not aborted */
  uint64_t entry = dir + RESOURCE_DIRECTORY_SIZE;
  if (PE_WALK_4_5_1 &&
      !fits(g, entry, (uint64_t) (named + ids) * RESOURCE_ENTRY_SIZE))
    return WALK_FINISHED;
  for (uint32_t i = 0; i < named + ids; i++, entry += RESOURCE_ENTRY_SIZE)
  {
    if (++g->count.entries > g->budget)
      return WALK_OVER;
    if (!fits(g, entry, RESOURCE_ENTRY_SIZE))
      return WALK_ABORTED;
    uint32_t to = malml_le32(g->data + entry + 4);
    if (PE_WALK_4_5_1 && to == 0)
      return WALK_FINISHED;
    if (level == 0)
      g->type = malml_le32(g->data + entry);
    uint64_t target = g->rsrc + (to & 0x7fffffff);
    int result = WALK_FINISHED;
    if ((to & 0x80000000) && level < 2)
      result = fits(g, target, RESOURCE_DIRECTORY_SIZE)
                   ? walk_directory(g, target, level + 1)
                   : PE_UNFIT;
    else if (!fits(g, target, RESOURCE_DATA_ENTRY_SIZE))
      result = PE_UNFIT;
    else if (PE_WALK_4_5_2 &&
             (malml_le32(g->data + target + 4) == 0 ||
              malml_le32(g->data + target + 4) > 0x3FFFFFFF))
      result = WALK_FINISHED; /* not given to the callback */
    else
      result = leaf(g, target);
    if (result != WALK_FINISHED)
      return result;
  }
  return WALK_FINISHED;
}

int malml_pe_gate_resources(
    const uint8_t* data,
    size_t size,
    int process_memory,
    uint64_t budget,
    malml_pe_gate_walk* walk)
{
  gate g = {data, size, 0, 0, 0, budget, {0, 0, 0, 0}, 0, UINT64_MAX, 0, 0};
  *walk = g.count;
  if (data == NULL || !read_header(&g))
    return 0;
  if (process_memory && (malml_le16(data + g.nt + 22) & IMAGE_FILE_DLL))
    return 0;
  if (find_root(&g))
    walk_directory(&g, g.rsrc, 0);
  *walk = g.count;
  return 1;
}
