/*
 * The gate in front of YARA's `dotnet` module (dotnet_gate.h).  It follows
 * YARA 4.2.3's dotnet over the same bytes (pe_get_header, pe_rva_to_offset,
 * dotnet_is_dotnet, the stream headers, the two passes over the #~ tables)
 * and stops only where dotnet stops too, so a file cannot show the gate
 * one metadata and dotnet another.  It then refuses a file when
 *   - a stream dotnet reads claims bytes past the end of the file;
 *   - the #~ stream's row counts need more bytes (at two bytes an index,
 *     the least any table can take) than the stream holds: no assembly a
 *     compiler wrote does, and newer dotnet modules allocate per row;
 *   - what dotnet would allocate for it (blob copies per Constant and
 *     AssemblyRef row, objects per user string and per row of the tables
 *     it lists) passes MALML_DOTNET_GATE_FLOOR plus
 *     MALML_DOTNET_GATE_TIMES times the file's size;
 *   - what dotnet would read looking for the ends of names (a memmem to
 *     the end of the file for each of up to 10,000 rows a table) passes
 *     MALML_DOTNET_GATE_WORK_FLOOR plus MALML_DOTNET_GATE_WORK_TIMES times
 *     the file's size.
 */
#include "modules/malml/features/dotnet_gate.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "modules/malml/le.h"

#define ROW_LIMIT 10000 /* dotnet stops at a table with more rows */
/* One YARA object (an array item, its string header, the array's share):
 * Debian's yara grows by about 124 bytes per one-character user string. */
#define OBJECT_COST 128
#define NAME_COST 1025 /* the longest #Strings name dotnet copies, and NUL */
#define MAX_SECTIONS 96 /* pe_rva_to_offset looks at no more */
#define CLI_HEADER_SIZE 72
#define METADATA_MAGIC 0x424a5342 /* "BSJB" */

enum /* the tables the walk reads, by their bit in Valid */
{
  T_MODULE = 0x00,
  T_TYPEREF = 0x01,
  T_MEMBERREF = 0x0A,
  T_CONSTANT = 0x0B,
  T_CUSTOMATTRIBUTE = 0x0C,
  T_MODULEREF = 0x1A,
  T_FIELDRVA = 0x1D,
  T_ASSEMBLY = 0x20,
  T_ASSEMBLYREF = 0x23,
  T_MANIFESTRESOURCE = 0x28,
};

typedef struct
{
  const uint8_t* data;
  uint64_t size;
  uint64_t nt;  /* the NT headers */
  uint64_t opt; /* the optional header */
  int pe64;
} image;

typedef struct
{
  uint64_t at; /* file offset: the metadata root plus the header's offset */
  uint32_t size;
  int present;
} stream;

typedef struct
{
  stream tilde, strings, blob, us, guid;
  unsigned count; /* stream headers dotnet read */
} streams;

typedef struct
{
  uint64_t valid;
  uint64_t counts_at; /* file offset of the row counts */
  uint32_t rows[64];  /* 0 where the count is not in the file, as dotnet */
  uint8_t str, guid, blob;
} tables;

typedef struct
{
  uint64_t constants, assemblyrefs, user_strings, other; /* bytes */
  uint64_t constant_rows, assemblyref_rows, strings;
  uint64_t work; /* bytes dotnet reads looking for names' NULs */
  int work_table;
  uint32_t work_rows;
} cost;

static int fits(const image* im, uint64_t off, uint64_t n)
{
  return n <= im->size && off <= im->size - n;
}

static uint32_t le32_at(const image* im, uint64_t off)
{
  return malml_le32(im->data + off);
}

/* pe_get_header's checks. */
static int read_headers(image* im)
{
  if (im->size < 64 || im->data[0] != 'M' || im->data[1] != 'Z')
    return 0;
  int32_t lfanew = (int32_t) le32_at(im, 0x3c);
  if (lfanew < 0)
    return 0;
  uint64_t opt = (uint64_t) lfanew + 24;
  if (im->size < opt + 224 || memcmp(im->data + lfanew, "PE\0\0", 4) != 0)
    return 0;
  im->nt = (uint64_t) lfanew;
  im->opt = opt;
  im->pe64 = malml_le16(im->data + opt) == 0x20b;
  return im->size >= opt + (im->pe64 ? 240 : 224);
}

/* pe_rva_to_offset, quirks included: the last matching section wins unless
 * an earlier one starts higher, raw offsets round down to FileAlignment up
 * to 0x200, and RVAs below every section map to themselves. */
static int64_t rva_to_offset(const image* im, uint64_t rva)
{
  uint64_t sec = im->opt + malml_le16(im->data + im->nt + 20);
  unsigned n = malml_le16(im->data + im->nt + 6);
  uint32_t align = le32_at(im, im->opt + 36);
  uint32_t lowest = 0xffffffff, s_rva = 0, s_off = 0, s_raw = 0;
  align = align < 0x200 ? align : 0x200;
  for (unsigned i = 0; i < n && i < MAX_SECTIONS; i++, sec += 40)
  {
    if (!fits(im, sec, 40))
      return -1;
    uint32_t va = le32_at(im, sec + 12);
    if (lowest > va)
      lowest = va;
    if (rva >= va && rva - va < le32_at(im, sec + 8) && s_rva <= va)
    {
      s_rva = va;
      s_off = le32_at(im, sec + 20);
      s_raw = le32_at(im, sec + 16);
      if (align)
        s_off -= s_off % align;
    }
  }
  if (rva < lowest)
  {
    s_rva = 0;
    s_off = 0;
    s_raw = (uint32_t) im->size;
  }
  if (rva - s_rva >= s_raw)
    return -1;
  uint64_t off = (uint64_t) s_off + (rva - s_rva);
  return off >= im->size ? -1 : (int64_t) off;
}

/* dotnet_is_dotnet's last test: a PE32 program's entry point is jmp [x]. */
static int entry_jumps(const image* im)
{
  if (im->pe64 || (malml_le16(im->data + im->nt + 22) & 0x2000))
    return 1;
  int64_t e = rva_to_offset(im, le32_at(im, im->opt + 16));
  return e >= 0 && fits(im, (uint64_t) e, 2) && im->data[e] == 0xFF &&
         im->data[e + 1] == 0x25;
}

/* The metadata root's file offset as dotnet finds it, or -1 where dotnet
 * says is_dotnet = 0 and parses nothing. */
static int64_t metadata_root(const image* im)
{
  uint32_t ndirs = le32_at(im, im->opt + (im->pe64 ? 108 : 92));
  uint64_t dir = im->opt + (im->pe64 ? 112 : 96) + 8 * 14;
  if ((im->pe64 && ndirs < 14) || !fits(im, dir, 8))
    return -1;
  int64_t cli = rva_to_offset(im, le32_at(im, dir));
  if (cli < 0 || !fits(im, (uint64_t) cli, CLI_HEADER_SIZE) ||
      le32_at(im, (uint64_t) cli) != CLI_HEADER_SIZE)
    return -1;
  int64_t root = rva_to_offset(im, le32_at(im, (uint64_t) cli + 8));
  if (root < 0 || !fits(im, (uint64_t) root, 16) ||
      le32_at(im, (uint64_t) root) != METADATA_MAGIC)
    return -1;
  uint32_t len = le32_at(im, (uint64_t) root + 12);
  if (len == 0 || len > 255 || len % 4 != 0 ||
      !fits(im, (uint64_t) root + 16, len))
    return -1;
  return entry_jumps(im) ? root : -1;
}

/* dotnet_parse_stream_headers: the first #~ (or #-), #Strings and #US and
 * the last #GUID and #Blob; the count is one byte of its two-byte field. */
static void read_streams(const image* im, uint64_t root, streams* st)
{
  uint64_t off = root + 16 + le32_at(im, root + 12) + 2;
  memset(st, 0, sizeof(*st));
  if (!fits(im, off, 2))
    return;
  unsigned n = im->data[off];
  off += 2;
  for (st->count = 0; st->count < n; st->count++)
  {
    if (!fits(im, off, 8 + 32))
      break;
    const char* name = (const char*) im->data + off + 8;
    const char* eos = memchr(name, 0, 32);
    if (eos == NULL)
      break;
    size_t len = (size_t) (eos - name);
    stream s = {root + le32_at(im, off), le32_at(im, off + 4), 1};
    if ((!strncmp(name, "#~", 2) || !strncmp(name, "#-", 2)) &&
        !st->tilde.present)
      st->tilde = s;
    else if (!strncmp(name, "#GUID", 5))
      st->guid = s;
    else if (!strncmp(name, "#Strings", 8) && !st->strings.present)
      st->strings = s;
    else if (!strncmp(name, "#Blob", 5))
      st->blob = s;
    else if (!strncmp(name, "#US", 3) && !st->us.present)
      st->us = s;
    off += 8 + len + 4 - len % 4;
  }
}

/* The tables' columns, one character each (ECMA-335 II.22, as dotnet
 * 4.2.3 sizes them): a digit is that many fixed bytes; s, g, b index the
 * #Strings, #GUID and #Blob heaps; a lower-case letter indexes one table,
 * an upper-case one is a coded index (codings below).  NULL: a table dotnet
 * does not know, where it stops. */
static const struct
{
  const char* name;
  const char* columns;
} table_spec[64] = {
    {"Module", "2sggg"},         {"TypeRef", "Rss"},
    {"TypeDef", "4ssTfm"},       {"FieldPtr", "f"},
    {"Field", "2sb"},            {"MethodPtr", "m"},
    {"MethodDef", "44sbp"},      {"ParamPtr", NULL},
    {"Param", "4s"},             {"InterfaceImpl", "tT"},
    {"MemberRef", "Psb"},        {"Constant", "2Cb"},
    {"CustomAttribute", "HAb"},  {"FieldMarshal", "Mb"},
    {"DeclSecurity", "2Db"},     {"ClassLayout", "24t"},
    {"FieldLayout", "4f"},       {"StandAloneSig", "b"},
    {"EventMap", "te"},          {"EventPtr", "e"},
    {"Event", "2sT"},            {"PropertyMap", "ty"},
    {"PropertyPtr", "y"},        {"Property", "2sb"},
    {"MethodSemantics", "2mS"},  {"MethodImpl", "tOO"},
    {"ModuleRef", "s"},          {"TypeSpec", "b"},
    {"ImplMap", "2Fso"},         {"FieldRVA", "4f"},
    {"EncLog", "44"},            {"EncMap", "4"},
    {"Assembly", "4444bss"},   {"AssemblyProcessor", "4"},
    {"AssemblyOS", "444"},       {"AssemblyRef", "444bbss"},
    {"AssemblyRefProcessor", "4q"}, {"AssemblyRefOS", "444a"},
    {"File", "4sb"},             {"ExportedType", "44ssI"},
    {"ManifestResource", "44sJ"}, {"NestedClass", "tt"},
    {"GenericParam", "4Gs"},     {"MethodSpec", "Ob"},
    {"GenericParamConstraint", "nT"},
};

#define B(t) (UINT64_C(1) << (t))

/* Coded indexes: the tables dotnet counts for each, and its tag bits. */
static const struct
{
  char letter;
  int tag_bits;
  uint64_t tables;
} coding[] = {
    {'R', 2, B(0x00) | B(0x1A) | B(0x23) | B(0x01)},
    {'T', 2, B(0x02) | B(0x01) | B(0x1B)},
    {'P', 3, B(0x06) | B(0x1A) | B(0x01) | B(0x1B)},
    {'C', 2, B(0x08) | B(0x04) | B(0x17)},
    {'H', 5, B(0x06) | B(0x04) | B(0x01) | B(0x02) | B(0x08) | B(0x09) |
                 B(0x0A) | B(0x00) | B(0x17) | B(0x14) | B(0x11) | B(0x1A) |
                 B(0x1B) | B(0x20) | B(0x23) | B(0x26) | B(0x27) | B(0x28) |
                 B(0x2A) | B(0x2C) | B(0x2B)},
    {'A', 3, B(0x06) | B(0x0A)},
    {'M', 1, B(0x04) | B(0x08)},
    {'D', 2, B(0x02) | B(0x06) | B(0x20)},
    {'S', 1, B(0x14) | B(0x17)},
    {'O', 1, B(0x06) | B(0x0A)},
    {'F', 1, B(0x04) | B(0x06)},
    {'I', 2, B(0x26) | B(0x23) | B(0x27)},
    {'J', 2, B(0x26) | B(0x23)},
    {'G', 1, B(0x02) | B(0x06)},
};

/* Simple indexes dotnet widens past 0xFFFF rows; any other stays 2. */
static const char simple_index[] = "fmptyeoaqn";
static const uint8_t simple_table[] = {
    0x04, 0x06, 0x08, 0x02, 0x17, 0x14, 0x1A, 0x23, 0x24, 0x2A};

static uint32_t column_size(const tables* t, char c)
{
  const char* simple = strchr(simple_index, c);
  if (c >= '1' && c <= '9')
    return (uint32_t) (c - '0');
  if (c == 's' || c == 'g' || c == 'b')
    return c == 's' ? t->str : c == 'g' ? t->guid : t->blob;
  if (simple != NULL)
    return t->rows[simple_table[simple - simple_index]] > 0xFFFF ? 4 : 2;
  for (size_t i = 0; i < sizeof(coding) / sizeof(coding[0]); i++)
  {
    if (coding[i].letter != c)
      continue;
    uint32_t most = 0;
    for (int bit = 0; bit < 64; bit++)
      if ((coding[i].tables >> bit & 1) && t->rows[bit] > most)
        most = t->rows[bit];
    return most > (0xFFFFu >> coding[i].tag_bits) ? 4 : 2;
  }
  return 0;
}

/* A row of table `bit` as dotnet sizes it, or with `least` the fewest bytes
 * it can take (every index two bytes); 0 for a table dotnet does not know. */
static uint32_t row_size(const tables* t, int bit, int least)
{
  const char* c = table_spec[bit].columns;
  uint32_t n = 0;
  for (; c != NULL && *c; c++)
  {
    int fixed = *c >= '1' && *c <= '9';
    n += least && !fixed ? 2 : column_size(t, *c);
  }
  return n;
}

/* dotnet's first pass: the heap index sizes and the row counts it can
 * read (a count past the end of the file stays 0). */
static int read_tables(const image* im, const stream* tilde, tables* t)
{
  memset(t, 0, sizeof(*t));
  if (!fits(im, tilde->at, 24))
    return 0;
  uint8_t heaps = im->data[tilde->at + 6];
  t->str = heaps & 1 ? 4 : 2;
  t->guid = heaps & 2 ? 4 : 2;
  t->blob = heaps & 4 ? 4 : 2;
  t->valid = (uint64_t) le32_at(im, tilde->at + 8) |
             (uint64_t) le32_at(im, tilde->at + 12) << 32;
  t->counts_at = tilde->at + 24;
  int matched = 0;
  for (int bit = 0; bit < 64; bit++)
  {
    if (!(t->valid >> bit & 1))
      continue;
    if (fits(im, t->counts_at, 4 * (uint64_t) (matched + 1)))
      t->rows[bit] = le32_at(im, t->counts_at + 4 * (uint64_t) matched);
    matched++;
  }
  return 1;
}

static int popcount64(uint64_t v)
{
  int n = 0;
  for (; v; v &= v - 1) n++;
  return n;
}

static int refuse(malml_dotnet_gate_result* r, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int refuse(malml_dotnet_gate_result* r, const char* fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
  va_end(ap);
  return 0;
}

/* A stream dotnet reads must lie inside the file. */
static int streams_fit(
    const image* im,
    const streams* st,
    malml_dotnet_gate_result* r)
{
  const stream* s[] = {&st->tilde, &st->strings, &st->us, &st->blob, &st->guid};
  const char* name[] = {"#~", "#Strings", "#US", "#Blob", "#GUID"};
  for (int i = 0; i < 5; i++)
  {
    if (s[i]->present && !fits(im, s[i]->at, s[i]->size))
      return refuse(
          r,
          "the %s stream claims %" PRIu32 " bytes at offset %" PRIu64
          "; the file holds %" PRIu64 " bytes",
          name[i],
          s[i]->size,
          s[i]->at,
          im->size);
  }
  return 1;
}

/* The row counts must fit the #~ stream, each row at its smallest. */
static int rows_fit(
    const stream* tilde,
    const tables* t,
    malml_dotnet_gate_result* r)
{
  uint64_t need = 24 + 4 * (uint64_t) popcount64(t->valid), most = 0;
  int worst = -1;
  for (int bit = 0; bit < 64; bit++)
  {
    uint64_t n = (uint64_t) t->rows[bit] * row_size(t, bit, 1);
    need += n;
    if (n > most)
    {
      most = n;
      worst = bit;
    }
  }
  if (need <= tilde->size)
    return 1;
  if (worst < 0)
    return refuse(
        r,
        "metadata claims %d tables; the #~ stream holds %" PRIu32 " bytes",
        popcount64(t->valid),
        tilde->size);
  return refuse(
      r,
      "metadata claims %" PRIu32 " %s rows; the #~ stream holds %" PRIu32
      " bytes",
      t->rows[worst],
      table_spec[worst].name,
      tilde->size);
}

typedef struct
{
  uint32_t length; /* less the terminal byte, as dotnet counts it */
  uint32_t size;   /* of the length prefix */
} blob;

/* dotnet_parse_blob_entry: 0 where it gives a zero size. */
static int blob_at(const image* im, uint64_t off, blob* e)
{
  if (!fits(im, off, 1))
    return 0;
  const uint8_t* p = im->data + off;
  if ((p[0] & 0x80) == 0)
    *e = (blob){p[0], 1};
  else if ((p[0] & 0xC0) == 0x80 && fits(im, off, 2))
    *e = (blob){(uint32_t) (p[0] & 0x3F) << 8 | p[1], 2};
  else if ((p[0] & 0xC0) != 0x80 && off + 4 < im->size && (p[0] & 0xE0) == 0xC0)
    *e = (blob){(uint32_t) (p[0] & 0x1F) << 24 | (uint32_t) p[1] << 16 |
                    (uint32_t) p[2] << 8 | p[3],
                4};
  else
    return 0;
  if (e->length > 0)
    e->length--;
  return 1;
}

static uint32_t index_at(const image* im, uint64_t off, uint8_t width)
{
  return width == 4 ? le32_at(im, off) : malml_le16(im->data + off);
}

/* What the walk over the tables reads and adds up. */
typedef struct
{
  const image* im;
  const tables* t;
  uint64_t blobs, strings;      /* the heaps' file offsets */
  uint64_t typeref, memberref;  /* where dotnet saw those tables start */
  int has_typeref, has_memberref;
  uint64_t work_cap;            /* past it, names are no longer scanned */
  cost c;
} walk;

/* pe_get_dotnet_string: memmem for the name's NUL, as far as the end of the
 * file: a name index into a long run without NUL costs the whole run. */
static void lookup(walk* w, uint32_t index)
{
  const image* im = w->im;
  uint64_t p = w->strings + index;
  if (p >= im->size || w->c.work > w->work_cap)
    return;
  const uint8_t* q = memchr(im->data + p, 0, im->size - p);
  w->c.work += q != NULL ? (uint64_t) (q - (im->data + p)) + 1 : im->size - p;
}

/* A string Constant row copies its blob: rows naming one big blob copy it
 * once each. */
static void constant_cost(walk* w, uint64_t row, uint32_t n, uint32_t size)
{
  const image* im = w->im;
  uint8_t width = w->t->blob;
  for (uint32_t i = 0; i < n; i++, row += size)
  {
    blob e;
    if (!fits(im, row, size))
      break;
    if (malml_le16(im->data + row) != 0x0E) /* ELEMENT_TYPE_STRING */
      continue;
    uint64_t off = w->blobs + index_at(im, row + size - width, width);
    if (!blob_at(im, off, &e) || off + e.size + e.length >= im->size)
      continue;
    w->c.constants += OBJECT_COST + e.length;
    w->c.constant_rows++;
  }
}

/* An AssemblyRef row: six objects, its name and a copy of its public key
 * (or token) blob. */
static void assemblyref_cost(walk* w, uint64_t row, uint32_t n, uint32_t size)
{
  const image* im = w->im;
  for (uint32_t i = 0; i < n; i++, row += size)
  {
    blob e;
    if (!fits(im, row, size))
      break;
    w->c.assemblyrefs += 7 * OBJECT_COST + NAME_COST;
    w->c.assemblyref_rows++;
    uint64_t off = w->blobs + index_at(im, row + 12, w->t->blob);
    if (blob_at(im, off, &e) && fits(im, off + e.size, e.length))
      w->c.assemblyrefs += e.length;
    lookup(w, index_at(im, row + 12 + w->t->blob, w->t->str));
  }
}

/* Rows whose name dotnet looks up at column `at`; `fit` bytes of the row
 * must be in the file (ModuleRef rows are two bytes but read as four). */
static void names_work(
    walk* w,
    uint64_t row,
    uint32_t n,
    uint32_t size,
    uint32_t at,
    uint32_t fit)
{
  for (uint32_t i = 0; i < n && fits(w->im, row, fit); i++, row += size)
    lookup(w, index_at(w->im, row + at, w->t->str));
}

/* dotnet follows each CustomAttribute row on the Assembly through its
 * MemberRef to a TypeRef and looks up its name (for GuidAttribute); a
 * MemberRef or TypeRef row past the file ends the table, as in dotnet,
 * whose row arithmetic is 32-bit. */
static void customattribute_work(
    walk* w,
    uint64_t row,
    uint32_t n,
    uint32_t size)
{
  const image* im = w->im;
  const tables* t = w->t;
  uint32_t parent = column_size(t, 'H'), type = column_size(t, 'A');
  /* dotnet reads a MemberRef's Class as wide as an index into MemberRef,
   * not as its MemberRefParent coding. */
  uint32_t class_width = t->rows[T_MEMBERREF] > 0xFFFF ? 4 : 2;
  uint32_t mr_size = row_size(t, T_MEMBERREF, 0);
  uint32_t tr_size = row_size(t, T_TYPEREF, 0);
  if (!w->has_typeref || !w->has_memberref)
    return;
  for (uint32_t i = 0; i < n; i++, row += size)
  {
    if (!fits(im, row, size))
      break;
    uint32_t ty = index_at(im, row + parent, type);
    if ((index_at(im, row, parent) & 0x1F) != 0x0E || (ty & 7) != 3)
      continue;
    uint32_t k = ty >> 3 ? (ty >> 3) - 1 : 0;
    uint64_t mr = w->memberref + (uint32_t) (mr_size * k);
    if (!fits(im, mr, mr_size))
      break;
    uint32_t cls = index_at(im, mr, class_width);
    if ((cls & 7) != 1)
      continue;
    k = cls >> 3 ? (cls >> 3) - 1 : 0;
    uint64_t tr = w->typeref + (uint32_t) (tr_size * k);
    if (!fits(im, tr, tr_size))
      break;
    lookup(w, index_at(im, tr + column_size(t, 'R'), t->str));
  }
}

/* What dotnet allocates and scans for the `n` rows of table `bit`. */
static void rows_cost(walk* w, int bit, uint64_t row, uint32_t n)
{
  uint32_t size = row_size(w->t, bit, 0), s = w->t->str, b = w->t->blob;
  if (bit == T_TYPEREF || bit == T_MEMBERREF)
  {
    *(bit == T_TYPEREF ? &w->typeref : &w->memberref) = row;
    *(bit == T_TYPEREF ? &w->has_typeref : &w->has_memberref) = 1;
  }
  else if (bit == T_MODULE)
    lookup(w, index_at(w->im, row + 2, s));
  else if (bit == T_CONSTANT)
    constant_cost(w, row, n, size);
  else if (bit == T_CUSTOMATTRIBUTE)
    customattribute_work(w, row, n, size);
  else if (bit == T_ASSEMBLY)
    names_work(w, row + 16 + b, 2, s, 0, 0); /* Name and Culture */
  else if (bit == T_ASSEMBLYREF)
    assemblyref_cost(w, row, n, size);
  else if (bit == T_MODULEREF)
    names_work(w, row, n, s, 0, 4);
  else if (bit == T_MANIFESTRESOURCE)
    names_work(w, row, n, size, 8, size);
  if (bit == T_MODULEREF)
    w->c.other += (uint64_t) n * (OBJECT_COST + NAME_COST);
  else if (bit == T_MANIFESTRESOURCE)
    w->c.other += (uint64_t) n * (4 * OBJECT_COST + NAME_COST);
  else if (bit == T_FIELDRVA)
    w->c.other += (uint64_t) n * OBJECT_COST;
}

/* dotnet's second pass (dotnet_parse_tilde_2): it walks the tables in
 * order, stops at a count past the file, over ROW_LIMIT or of a table it
 * does not know, and does not step over a Module or Assembly table that
 * is cut short by the end of the file.  Notes the table whose names cost
 * the most to find. */
static void tables_cost(walk* w)
{
  const image* im = w->im;
  const tables* t = w->t;
  uint64_t table = t->counts_at + 4 * (uint64_t) popcount64(t->valid);
  uint64_t count = t->counts_at, most = 0;
  for (int bit = 0; bit < 64; bit++)
  {
    if (!(t->valid >> bit & 1))
      continue;
    if (!fits(im, count, 4))
      return;
    uint32_t n = le32_at(im, count);
    uint32_t size = row_size(t, bit, 0);
    count += 4;
    if (n > ROW_LIMIT || size == 0)
      return;
    if ((bit == T_MODULE && !fits(im, table, 18)) ||
        (bit == T_ASSEMBLY && !fits(im, table, size)))
      continue;
    uint64_t before = w->c.work;
    rows_cost(w, bit, table, n);
    if (w->c.work - before > most)
    {
      most = w->c.work - before;
      w->c.work_table = bit;
      w->c.work_rows = n;
    }
    table += (uint64_t) size * n;
  }
}

/* dotnet_parse_us: an object per non-empty user string.  The walk stops
 * once past `cap`: a heap of two-byte strings takes some 10 ns a string. */
static void user_strings_cost(
    const image* im,
    const stream* us,
    uint64_t cap,
    cost* c)
{
  if (!us->present || us->size == 0 || !fits(im, us->at, us->size) ||
      im->data[us->at] != 0)
    return;
  uint64_t off = us->at + 1, end = us->at + us->size;
  blob e = {0, 0};
  while (off < end && c->user_strings <= cap)
  {
    if (im->data[off] < 0x80) /* the one-byte length, inline */
      e = (blob){im->data[off] ? im->data[off] - 1u : 0, 1};
    else if (!blob_at(im, off, &e))
      break;
    off += e.size;
    if (e.length > 0 && fits(im, off, e.length))
    {
      c->user_strings += OBJECT_COST + e.length;
      c->strings++;
      off += e.length;
    }
  }
}

/* Refuses when the total passes the budget, naming the biggest part. */
static int cost_fits(
    const image* im,
    uint64_t limit,
    const cost* c,
    malml_dotnet_gate_result* r)
{
  if (r->estimate <= limit)
    return 1;
  if (c->constants >= c->assemblyrefs && c->constants >= c->user_strings)
    return refuse(
        r,
        "%" PRIu64 " string Constant rows would copy %" PRIu64
        " bytes of blobs; the file holds %" PRIu64 " bytes",
        c->constant_rows,
        c->constants,
        im->size);
  if (c->assemblyrefs >= c->user_strings)
    return refuse(
        r,
        "%" PRIu64 " AssemblyRef rows would copy %" PRIu64
        " bytes of blobs; the file holds %" PRIu64 " bytes",
        c->assemblyref_rows,
        c->assemblyrefs,
        im->size);
  return refuse(
      r,
      "user strings would take over %" PRIu64 " bytes (%" PRIu64
      " strings counted); the file holds %" PRIu64 " bytes",
      c->user_strings,
      c->strings,
      im->size);
}

/* dotnet's search for names' NULs must stay within its budget too. */
static int work_fits(
    const image* im,
    const cost* c,
    malml_dotnet_gate_result* r)
{
  uint64_t limit =
      MALML_DOTNET_GATE_WORK_FLOOR + MALML_DOTNET_GATE_WORK_TIMES * im->size;
  if (c->work <= limit)
    return 1;
  return refuse(
      r,
      "%" PRIu32 " %s rows would make dotnet read over %" PRIu64
      " bytes for names; the file holds %" PRIu64 " bytes",
      c->work_rows,
      table_spec[c->work_table].name,
      c->work,
      im->size);
}

int malml_dotnet_gate(
    const uint8_t* data,
    size_t size,
    malml_dotnet_gate_result* r)
{
  image im = {data, size, 0, 0, 0};
  streams st;
  tables t;
  walk w;
  memset(r, 0, sizeof(*r));
  memset(&w, 0, sizeof(w));
  int64_t root = data != NULL && read_headers(&im) ? metadata_root(&im) : -1;
  if (root < 0)
    return 1;
  read_streams(&im, (uint64_t) root, &st);
  if (!streams_fit(&im, &st, r))
    return 0;
  if (st.tilde.present && read_tables(&im, &st.tilde, &t) &&
      !rows_fit(&st.tilde, &t, r))
    return 0;
  w = (walk){.im = &im, .t = &t, .blobs = st.blob.at};
  w.strings = st.strings.at;
  w.work_cap =
      MALML_DOTNET_GATE_WORK_FLOOR + MALML_DOTNET_GATE_WORK_TIMES * im.size;
  w.c.other = 3 * OBJECT_COST * (uint64_t) st.count;
  if (st.tilde.present && st.strings.present && st.blob.present &&
      read_tables(&im, &st.tilde, &t))
    tables_cost(&w);
  uint64_t limit = MALML_DOTNET_GATE_FLOOR + MALML_DOTNET_GATE_TIMES * im.size;
  user_strings_cost(&im, &st.us, limit, &w.c);
  r->estimate = w.c.constants + w.c.assemblyrefs + w.c.user_strings + w.c.other;
  return cost_fits(&im, limit, &w.c, r) && work_fits(&im, &w.c, r);
}
