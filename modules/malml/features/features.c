/*
 * From a parsed PE and its bytes to the fixed-layout vector (schema.h).
 * Each group has its own filler; all read the same malml_pe and bytescan.
 */
#include "modules/malml/features/features.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "modules/malml/features/pe_extras.h"
#include "modules/malml/features/tokens.h"

#define SCN_CNT_CODE    0x00000020
#define SCN_MEM_EXECUTE 0x20000000
#define SCN_MEM_WRITE   0x80000000
#define SCN_MEM_READ    0x40000000
#define SCN_MEM_SHARED  0x10000000
#define SCN_MEM_DISCARDABLE 0x02000000
#define SCN_CNT_INITIALIZED_DATA 0x00000040

/* Work shared by the fillers of one file. */
typedef struct
{
  const malml_pe* pe;
  const malml_bytescan* scan;
  const uint8_t* data;
  size_t size;
  float* v;
  malml_features* out; /* also receives the exact rule-visible integers */
  int imports_vb;      /* imports from msvbvm50/60 */
  int nimports;        /* functions seen, ordinary and delayed */
} fill;

static float num(int64_t x)
{
  return x == MALML_PE_MISSING ? NAN : (float) x;
}

/* a - b, or MALML_PE_MISSING when either is. pe gives PE32+ reserves as
 * int64 read from uint64 fields, so a hostile header can make a - b
 * overflow; subtract modulo 2^64, which is what YARA's own `-` on the same
 * two pe fields gives, so a rule comparing the two still sees equal values
 * (signed overflow would be undefined behaviour). */
static int64_t exact_dif(int64_t a, int64_t b)
{
  if (a == MALML_PE_MISSING || b == MALML_PE_MISSING)
    return MALML_PE_MISSING;
  return (int64_t) ((uint64_t) a - (uint64_t) b);
}

static float ratio(double a, double b)
{
  return b > 0 ? (float) (a / b) : NAN;
}

static int has_flag(int64_t value, int64_t flag)
{
  return value != MALML_PE_MISSING && (value & flag) == flag;
}

/* ---- header ------------------------------------------------------------ */

/* The dir_*_size feature of each PE data directory, -1 for those with
 * none (architecture, global pointer, bound import, reserved). */
static const int dir_size_features[16] = {
    MALML_F_dir_export_size,
    MALML_F_dir_import_size,
    MALML_F_dir_resource_size,
    MALML_F_dir_exception_size,
    MALML_F_dir_security_size,
    MALML_F_dir_reloc_size,
    MALML_F_dir_debug_size,
    -1,
    -1,
    MALML_F_dir_tls_size,
    MALML_F_dir_load_config_size,
    -1,
    MALML_F_dir_iat_size,
    MALML_F_dir_delay_import_size,
    MALML_F_dir_clr_size,
    -1};

int malml_dir_size_feature(int directory)
{
  return directory >= 0 && directory < 16 ? dir_size_features[directory] : -1;
}

/* Long on purpose: one assignment per header feature, in schema order, so
 * the vector reads against docs/features.md line by line. */
static void fill_header(fill* f)
{
  const malml_pe* p = f->pe;
  float* v = f->v;
  int64_t overlay = p->overlay_size == MALML_PE_MISSING ? 0 : p->overlay_size;

  v[MALML_F_file_size] = (float) f->size;
  v[MALML_F_file_entropy] = (float) f->scan->entropy;
  v[MALML_F_size_of_code] = num(p->size_of_code);
  v[MALML_F_size_of_initialized_data] = num(p->size_of_initialized_data);
  v[MALML_F_size_of_uninitialized_data] = num(p->size_of_uninitialized_data);
  v[MALML_F_size_of_image] = num(p->size_of_image);
  v[MALML_F_size_of_headers] = num(p->size_of_headers);
  v[MALML_F_size_of_stack_reserve] = num(p->size_of_stack_reserve);
  v[MALML_F_size_of_stack_commit] = num(p->size_of_stack_commit);
  v[MALML_F_size_of_heap_reserve] = num(p->size_of_heap_reserve);
  v[MALML_F_size_of_heap_commit] = num(p->size_of_heap_commit);
  v[MALML_F_number_of_sections] = (float) p->number_of_sections;
  f->out->size_dif = exact_dif(p->size_of_image, (int64_t) f->size);
  f->out->stack_dif =
      exact_dif(p->size_of_stack_reserve, p->size_of_stack_commit);
  f->out->heap_dif = exact_dif(p->size_of_heap_reserve, p->size_of_heap_commit);
  f->out->overlay_size = overlay;
  v[MALML_F_size_dif] = num(f->out->size_dif);
  v[MALML_F_stack_dif] = num(f->out->stack_dif);
  v[MALML_F_heap_dif] = num(f->out->heap_dif);
  v[MALML_F_machine] = num(p->machine);
  v[MALML_F_characteristics] = num(p->characteristics);
  v[MALML_F_dll_characteristics] = num(p->dll_characteristics);
  v[MALML_F_subsystem] = num(p->subsystem);
  v[MALML_F_timestamp] = num(p->timestamp);
  v[MALML_F_overlay_size] = (float) overlay;
  v[MALML_F_overlay_ratio] = ratio((double) overlay, (double) f->size);
  v[MALML_F_number_of_imports] = (float) f->nimports;
  v[MALML_F_number_of_exports] = num(p->number_of_exports);
  /* pe gives -1 or leaves it undefined when the entry point maps nowhere. */
  v[MALML_F_entry_point_ratio] =
      (p->entry_point == MALML_PE_MISSING || p->entry_point < 0)
          ? NAN
          : ratio((double) p->entry_point, (double) f->size);
  v[MALML_F_image_base] = num(p->image_base);
  v[MALML_F_section_alignment] = num(p->section_alignment);
  v[MALML_F_file_alignment] = num(p->file_alignment);
  v[MALML_F_linker_version_major] = num(p->linker_major);
  v[MALML_F_linker_version_minor] = num(p->linker_minor);
  v[MALML_F_os_version_major] = num(p->os_major);
  v[MALML_F_subsystem_version_major] = num(p->subsystem_major);
  v[MALML_F_checksum] = num(p->checksum);
  v[MALML_F_size_of_optional_header] = num(p->size_of_optional_header);
  v[MALML_F_number_of_rva_and_sizes] = num(p->number_of_rva_and_sizes);
  v[MALML_F_number_of_resources] = num(p->number_of_resources);
  v[MALML_F_number_of_signatures] = num(p->number_of_signatures);
  /* Rich header: 16 bytes of marks and key, then 8 bytes per tool entry. */
  v[MALML_F_rich_entries] =
      (p->rich_length == MALML_PE_MISSING || p->rich_length < 16)
          ? 0.0f
          : (float) ((p->rich_length - 16) / 8);
  for (int d = 0; d < 16; d++)
    if (dir_size_features[d] >= 0)
      v[dir_size_features[d]] = num(p->dir_size[d]);
  for (int b = 0; b < MALML_BYTE_HIST_BINS; b++)
    v[MALML_F_byte_hist + b] =
        ratio((double) f->scan->histogram[b], (double) f->size);
  /* Schema 2 (pe_extras.c); the overlay is the range after the headers. */
  v[MALML_F_overlay_entropy] =
      overlay > 0 ? (float) f->scan->range_entropy[p->nsections + 1] : NAN;
  malml_fill_dos_header(f->data, f->size, v);
  malml_fill_directories(p, v);
  malml_fill_header_anomalies(p, f->data, f->size, v);
}

/* ---- imports ----------------------------------------------------------- */

/* The import walk shared with `malml score` (cli/malml/bucket_names.c), so the
 * tokens it names are by construction the ones counted here. */
typedef struct
{
  malml_token_fn fn;
  void* ctx;
  const char* last_dll; /* the dll whose functions are being visited */
} token_walk;

static void to_tokens(
    void* ctx,
    const char* dll,
    size_t dll_len,
    const char* function,
    size_t function_len,
    int64_t ordinal,
    int delayed)
{
  token_walk* w = ctx;
  char token[2 * MALML_TOKEN_MAX + 32];
  (void) delayed;
  if (dll != w->last_dll)
  {
    size_t n = malml_dll_token(dll, dll_len, token, sizeof(token));
    w->fn(
        w->ctx,
        MALML_F_dll_bucket + (int) malml_bucket(token, n, MALML_DLL_BUCKETS),
        token,
        n,
        0);
    w->last_dll = dll;
  }
  size_t n = malml_import_token(
      dll, dll_len, function, function_len, ordinal, token, sizeof(token));
  w->fn(
      w->ctx,
      MALML_F_import_bucket +
          (int) malml_bucket(token, n, MALML_IMPORT_BUCKETS),
      token,
      n,
      function == NULL);
}

void malml_import_tokens(YR_OBJECT* pe, malml_token_fn fn, void* ctx)
{
  token_walk w = {fn, ctx, NULL};
  malml_pe_foreach_import(pe, to_tokens, &w);
}

typedef struct
{
  fill* f;
  int in_dll; /* functions seen so far in the current dll */
  int max_in_dll;
  int ordinals;
} import_counts;

static void
count_token(void* ctx, int index, const char* token, size_t len, int by_ordinal)
{
  import_counts* c = ctx;
  c->f->v[index] += 1.0f;
  if (index >= MALML_F_dll_bucket) /* a new dll */
  {
    if (strcmp(token, "msvbvm60") == 0 || strcmp(token, "msvbvm50") == 0)
      c->f->imports_vb = 1;
    c->in_dll = 0;
    return;
  }
  c->ordinals += by_ordinal;
  if (++c->in_dll > c->max_in_dll)
    c->max_in_dll = c->in_dll;
  c->f->nimports++;
}

static void fill_imports(fill* f, YR_OBJECT* pe_obj)
{
  const malml_pe* p = f->pe;
  import_counts w = {f, 0, 0, 0};
  malml_import_tokens(pe_obj, count_token, &w);
  f->v[MALML_F_imported_functions] = num(p->number_of_imported_functions);
  f->v[MALML_F_imported_dlls] = num(p->number_of_imports);
  f->v[MALML_F_ordinal_imports] = (float) w.ordinals;
  f->v[MALML_F_delayed_imported_functions] =
      num(p->number_of_delayed_imported_functions);
  f->v[MALML_F_delayed_imported_dlls] = num(p->number_of_delayed_imports);
  f->v[MALML_F_exported_functions] = num(p->number_of_exports);
  f->v[MALML_F_max_functions_per_dll] = (float) w.max_in_dll;
}

/* ---- sections ---------------------------------------------------------- */

static int printable_name(const malml_pe_section* s)
{
  if (s->name_len == 0)
    return 0;
  for (size_t i = 0; i < s->name_len; i++)
    if (s->name[i] < 0x21 || s->name[i] > 0x7e)
      return 0;
  return 1;
}

static int standard_name(const char* name)
{
  static const char* const known[] = {
      ".text",  ".data",  ".rdata", ".bss",     ".idata", ".edata", ".rsrc",
      ".reloc", ".tls",   ".pdata", ".CRT",     ".didat", ".gfids", ".00cfg",
      ".xdata", ".debug", ".orpc",  ".textbss", ".sdata", NULL};
  for (int i = 0; known[i] != NULL; i++)
    if (strcmp(name, known[i]) == 0)
      return 1;
  return 0;
}

/* Index of the section whose virtual range holds the entry point, or -1. */
static int entry_section(const malml_pe* p)
{
  if (p->entry_point_rva == MALML_PE_MISSING)
    return -1;
  for (int i = 0; i < p->nsections; i++)
  {
    const malml_pe_section* s = &p->sections[i];
    int64_t span =
        s->virtual_size > s->raw_size ? s->virtual_size : s->raw_size;
    if (s->virtual_address != MALML_PE_MISSING && span > 0 &&
        p->entry_point_rva >= s->virtual_address &&
        p->entry_point_rva - s->virtual_address < span)
      return i;
  }
  return -1;
}

static void fill_section_slot(fill* f, int i, const malml_features* out)
{
  const malml_pe_section* s = &f->pe->sections[i];
  float* v = f->v;
  v[MALML_SLOT_INDEX(i, name_bucket)] =
      (float) malml_section_name_bucket(s->name, s->name_len);
  v[MALML_SLOT_INDEX(i, raw_size)] = num(s->raw_size);
  v[MALML_SLOT_INDEX(i, virtual_size)] = num(s->virtual_size);
  v[MALML_SLOT_INDEX(i, entropy)] = (float) out->section_entropy[i];
  v[MALML_SLOT_INDEX(i, code)] = has_flag(s->characteristics, SCN_CNT_CODE);
  v[MALML_SLOT_INDEX(i, exec)] = has_flag(s->characteristics, SCN_MEM_EXECUTE);
  v[MALML_SLOT_INDEX(i, write)] = has_flag(s->characteristics, SCN_MEM_WRITE);
  v[MALML_SLOT_INDEX(i, read)] = has_flag(s->characteristics, SCN_MEM_READ);
  v[MALML_SLOT_INDEX(i, initialized_data)] =
      has_flag(s->characteristics, SCN_CNT_INITIALIZED_DATA);
  v[MALML_SLOT_INDEX(i, discardable)] =
      has_flag(s->characteristics, SCN_MEM_DISCARDABLE);
  v[MALML_SLOT_INDEX(i, shared)] = has_flag(s->characteristics, SCN_MEM_SHARED);
}

static void fill_entry(fill* f, const malml_features* out)
{
  float* v = f->v;
  int e = entry_section(f->pe);
  v[MALML_F_entry_section_index] = e < 0 ? NAN : (float) e;
  v[MALML_F_entry_in_last_section] = e >= 0 && e == f->pe->nsections - 1;
  v[MALML_F_entry_outside_sections] = e < 0;
  if (e < 0)
  {
    v[MALML_F_entry_section_entropy] = v[MALML_F_entry_section_raw_size] =
        v[MALML_F_entry_section_virtual_size] = v[MALML_F_entry_section_exec] =
            v[MALML_F_entry_section_write] = v[MALML_F_entry_section_name_bucket] =
                NAN;
    return;
  }
  const malml_pe_section* s = &f->pe->sections[e];
  v[MALML_F_entry_section_name_bucket] =
      (float) malml_section_name_bucket(s->name, s->name_len);
  v[MALML_F_entry_section_entropy] = (float) out->section_entropy[e];
  v[MALML_F_entry_section_raw_size] = num(s->raw_size);
  v[MALML_F_entry_section_virtual_size] = num(s->virtual_size);
  v[MALML_F_entry_section_exec] = has_flag(s->characteristics, SCN_MEM_EXECUTE);
  v[MALML_F_entry_section_write] = has_flag(s->characteristics, SCN_MEM_WRITE);
}

/* Long on purpose: one pass over the sections gathers every count and
 * extreme at once (hostile files have up to 65,535 sections). */
static void fill_sections(fill* f, const malml_features* out)
{
  const malml_pe* p = f->pe;
  float* v = f->v;
  int wx = 0, ex = 0, wr = 0, zero = 0, unnamed = 0, odd = 0, with_bytes = 0;
  /* Sections the header announces but the file does not hold, in the table
   * or in raw data: cut downloads, carved files, corrupted droppers. */
  int truncated = p->number_of_sections > p->nsections
                      ? p->number_of_sections - p->nsections
                      : 0;
  double max_e = NAN, min_e = NAN, sum_e = 0, max_ratio = NAN, raw_total = 0;

  for (int i = 0; i < p->nsections; i++)
  {
    const malml_pe_section* s = &p->sections[i];
    int x = has_flag(s->characteristics, SCN_MEM_EXECUTE);
    int w = has_flag(s->characteristics, SCN_MEM_WRITE);
    double e = out->section_entropy[i];
    ex += x;
    wr += w;
    wx += x && w;
    zero += s->raw_size == 0;
    unnamed += !printable_name(s);
    odd += !standard_name(s->name);
    truncated += s->raw_size > 0 && s->raw_offset >= 0 &&
                 (uint64_t) s->raw_offset + (uint64_t) s->raw_size > f->size;
    if (!isnan(e))
    {
      max_e = (with_bytes == 0 || e > max_e) ? e : max_e;
      min_e = (with_bytes == 0 || e < min_e) ? e : min_e;
      sum_e += e;
      with_bytes++;
    }
    if (s->raw_size != MALML_PE_MISSING && s->virtual_size != MALML_PE_MISSING)
    {
      double r = (double) s->virtual_size /
                 (double) (s->raw_size > 0 ? s->raw_size : 1);
      max_ratio = (isnan(max_ratio) || r > max_ratio) ? r : max_ratio;
      raw_total += (double) s->raw_size;
    }
    if (i < MALML_SECTION_SLOTS)
      fill_section_slot(f, i, out);
    v[MALML_F_section_name_bucket +
      malml_section_name_bucket(s->name, s->name_len)] += 1.0f;
  }
  for (int i = p->nsections; i < MALML_SECTION_SLOTS; i++)
    for (int k = 0; k < MALML_SLOT_FIELD_COUNT; k++)
      v[MALML_SLOT_INDEX(i, name_bucket) + k] = NAN;

  v[MALML_F_sections] = (float) p->nsections;
  v[MALML_F_wx_sections] = (float) wx;
  v[MALML_F_exec_sections] = (float) ex;
  v[MALML_F_write_sections] = (float) wr;
  v[MALML_F_zero_raw_sections] = (float) zero;
  v[MALML_F_unnamed_sections] = (float) unnamed;
  v[MALML_F_nonstandard_names] = (float) odd;
  v[MALML_F_truncated_sections] = (float) truncated;
  v[MALML_F_max_entropy] = (float) max_e;
  v[MALML_F_min_entropy] = (float) min_e;
  v[MALML_F_mean_entropy] = with_bytes ? (float) (sum_e / with_bytes) : NAN;
  v[MALML_F_max_virtual_raw_ratio] = (float) max_ratio;
  v[MALML_F_raw_coverage] = ratio(raw_total, (double) f->size);
  v[MALML_F_header_entropy] = (float) f->scan->range_entropy[p->nsections];
  fill_entry(f, out);
}

/* ---- filetype ---------------------------------------------------------- */

/* Does any section name start with one of `prefixes`? */
static int section_prefix(const malml_pe* p, const char* const* prefixes)
{
  for (int i = 0; i < p->nsections; i++)
    for (const char* const* q = prefixes; *q != NULL; q++)
      if (strncmp(p->sections[i].name, *q, strlen(*q)) == 0)
        return 1;
  return 0;
}

#define ANY_SECTION(...) \
  section_prefix(p, (const char* const[]){__VA_ARGS__, NULL})

static int overlay_magic(const fill* f, const void* magic, size_t len)
{
  const malml_pe* p = f->pe;
  if (p->overlay_size == MALML_PE_MISSING || p->overlay_size < (int64_t) len ||
      p->overlay_offset < 0 || (uint64_t) p->overlay_offset > f->size - len)
    return 0;
  return memcmp(f->data + p->overlay_offset, magic, len) == 0;
}

/* MinGW's ld keeps long section names in the COFF string table: "/4". */
static int slash_names(const malml_pe* p)
{
  for (int i = 0; i < p->nsections; i++)
    if (p->sections[i].name[0] == '/' && p->sections[i].name[1] >= '0' &&
        p->sections[i].name[1] <= '9')
      return 1;
  return 0;
}

static void fill_filetype(fill* f)
{
  const malml_pe* p = f->pe;
  float* v = f->v;
  uint32_t marks = f->scan->strings.markers;
  int64_t m = p->machine, sub = p->subsystem, dc = p->dll_characteristics;
  int dll = has_flag(p->characteristics, 0x2000);

  v[MALML_F_pe32] = p->opthdr_magic == 0x10b;
  v[MALML_F_pe32plus] = p->opthdr_magic == 0x20b;
  v[MALML_F_dll] = dll;
  v[MALML_F_exe] = !dll;
  v[MALML_F_driver] = sub == 1;
  v[MALML_F_gui] = sub == 2;
  v[MALML_F_console] = sub == 3;
  v[MALML_F_efi] = sub >= 10 && sub <= 13;
  v[MALML_F_machine_i386] = m == 0x14c;
  v[MALML_F_machine_amd64] = m == 0x8664;
  v[MALML_F_machine_arm64] = m == 0xaa64;
  v[MALML_F_machine_arm] = m == 0x1c0 || m == 0x1c4;
  v[MALML_F_machine_other] =
      !(m == 0x14c || m == 0x8664 || m == 0xaa64 || m == 0x1c0 || m == 0x1c4);
  v[MALML_F_dotnet] = p->dir_size[MALML_PE_DIR_CLR] > 0;
  v[MALML_F_upx] = ANY_SECTION("UPX0", "UPX1", "UPX2", "UPX!");
  v[MALML_F_aspack] = ANY_SECTION(".aspack", ".adata");
  v[MALML_F_mpress] = ANY_SECTION(".MPRESS");
  v[MALML_F_petite] = ANY_SECTION(".petite");
  v[MALML_F_themida] = ANY_SECTION(".themida", ".winlice");
  v[MALML_F_vmprotect] = ANY_SECTION(".vmp0", ".vmp1", ".vmp2");
  v[MALML_F_enigma] = ANY_SECTION(".enigma");
  v[MALML_F_pecompact] = ANY_SECTION("PEC2", "pec1", "pec2");
  v[MALML_F_nspack] = ANY_SECTION(".nsp0", ".nsp1", ".nsp2", "nsp0", "nsp1");
  v[MALML_F_nsis] = ANY_SECTION(".ndata") || (marks & MALML_MARK_NSIS);
  v[MALML_F_inno] = (marks & MALML_MARK_INNO) != 0;
  v[MALML_F_sfx_archive] = overlay_magic(f, "PK\3\4", 4) ||
                           overlay_magic(f, "7z\xBC\xAF\x27\x1C", 6) ||
                           overlay_magic(f, "Rar!", 4);
  v[MALML_F_overlay] =
      p->overlay_size != MALML_PE_MISSING && p->overlay_size > 0;
  v[MALML_F_signed] = p->number_of_signatures > 0 || p->dir_size[4] > 0;
  v[MALML_F_rich_header] =
      p->rich_length != MALML_PE_MISSING && p->rich_length > 0;
  v[MALML_F_go] = (marks & MALML_MARK_GO) || ANY_SECTION(".symtab");
  v[MALML_F_delphi] = (marks & MALML_MARK_DELPHI) || ANY_SECTION(".itext") ||
                      (ANY_SECTION("CODE") && ANY_SECTION("DATA"));
  v[MALML_F_visual_basic] = f->imports_vb;
  v[MALML_F_mingw] = (marks & MALML_MARK_MINGW) || slash_names(p);
  v[MALML_F_tls] = p->dir_size[9] > 0;
  v[MALML_F_no_imports] = f->nimports == 0;
  v[MALML_F_no_sections] = p->nsections == 0;
  v[MALML_F_relocations_stripped] = has_flag(p->characteristics, 0x0001);
  v[MALML_F_aslr] = has_flag(dc, 0x0040);
  v[MALML_F_dep] = has_flag(dc, 0x0100);
  v[MALML_F_cfg] = has_flag(dc, 0x4000);
  v[MALML_F_high_entropy_va] = has_flag(dc, 0x0020);
  v[MALML_F_no_seh] = has_flag(dc, 0x0400);
}

/* ---- strings ----------------------------------------------------------- */

static void fill_strings(fill* f)
{
  const malml_strings_stats* s = &f->scan->strings;
  float* v = f->v;
  uint64_t runs = s->strings + s->wide_strings;
  v[MALML_F_strings] = (float) s->strings;
  v[MALML_F_wide_strings] = (float) s->wide_strings;
  v[MALML_F_mean_string_length] =
      runs ? (float) ((double) s->total_length / runs) : 0.0f;
  v[MALML_F_max_string_length] = (float) s->max_length;
  v[MALML_F_printable_ratio] =
      ratio((double) s->printable_bytes, (double) f->size);
  v[MALML_F_urls] = (float) s->urls;
  v[MALML_F_ipv4] = (float) s->ipv4;
  v[MALML_F_registry] = (float) s->registry;
  v[MALML_F_run_keys] = (float) s->run_keys;
  v[MALML_F_paths] = (float) s->paths;
  v[MALML_F_exe_names] = (float) s->exe_names;
  v[MALML_F_shell_commands] = (float) s->shell_commands;
  v[MALML_F_user_agents] = (float) s->user_agents;
  v[MALML_F_api_names] = (float) s->api_names;
  v[MALML_F_pdb_paths] = (float) s->pdb_paths;
  v[MALML_F_embedded_pe] = (float) s->embedded_pe;
  v[MALML_F_dos_stubs] = (float) s->dos_stubs;
  v[MALML_F_base64_runs] = (float) s->base64_runs;
  v[MALML_F_hex_runs] = (float) s->hex_runs;
}

/* ---- all --------------------------------------------------------------- */

/* Byte ranges for the one pass: each section's raw data, then the headers. */
static int byte_ranges(const malml_pe* p, malml_range* r)
{
  int n = 0;
  for (int i = 0; i < p->nsections; i++, n++)
  {
    const malml_pe_section* s = &p->sections[i];
    int ok = s->raw_offset >= 0 && s->raw_size > 0;
    r[n].offset = ok ? (uint64_t) s->raw_offset : 0;
    r[n].size = ok ? (uint64_t) s->raw_size : 0;
  }
  r[n].offset = 0;
  r[n].size = p->size_of_headers > 0 ? (uint64_t) p->size_of_headers : 0;
  n++;
  int ok = p->overlay_offset != MALML_PE_MISSING && p->overlay_offset > 0 &&
           p->overlay_size != MALML_PE_MISSING && p->overlay_size > 0;
  r[n].offset = ok ? (uint64_t) p->overlay_offset : 0;
  r[n].size = ok ? (uint64_t) p->overlay_size : 0;
  return n + 1;
}

/* A thread's scratch space, reused from file to file: the pe view and the
 * bytescan (with its range histograms) are too big for a scanning thread's
 * stack, and a malloc per file showed in profiles.  `spare` is a feature
 * block module_unload gave back. */
typedef struct
{
  malml_pe pe;
  malml_bytescan scan;
  malml_features* spare;
} arena;

static pthread_key_t arena_key;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

static void arena_free(void* p)
{
  arena* a = p;
  if (a != NULL)
    free(a->spare);
  free(a);
}

static void arena_key_create(void)
{
  if (pthread_key_create(&arena_key, arena_free) != 0)
    abort(); /* only when the process is out of keys: nothing would work */
}

/* The calling thread's arena, made on first use; NULL when out of memory. */
static arena* thread_arena(void)
{
  pthread_once(&arena_once, arena_key_create);
  arena* a = pthread_getspecific(arena_key);
  if (a == NULL && (a = calloc(1, sizeof(*a))) != NULL &&
      pthread_setspecific(arena_key, a) != 0)
  {
    free(a);
    a = NULL;
  }
  return a;
}

malml_features* malml_features_acquire(void)
{
  arena* a = thread_arena();
  malml_features* f = a != NULL ? a->spare : NULL;
  if (f != NULL)
    a->spare = NULL;
  return f != NULL ? f : malloc(sizeof(*f));
}

void malml_features_release(malml_features* f)
{
  arena* a = f != NULL ? thread_arena() : NULL;
  if (a != NULL && a->spare == NULL)
    a->spare = f;
  else
    free(f);
}

void malml_features_thread_done(void)
{
  pthread_once(&arena_once, arena_key_create);
  arena_free(pthread_getspecific(arena_key));
  pthread_setspecific(arena_key, NULL);
}

int malml_features_compute(
    YR_OBJECT* pe_obj,
    YR_OBJECT* dotnet_obj,
    const uint8_t* data,
    size_t size,
    const malml_pass* how,
    malml_features* out)
{
  malml_range ranges[MALML_MAX_RANGES];
  arena* a = thread_arena();

  memset(out, 0, sizeof(*out));
  if (a == NULL)
    return -1;
  malml_pe* pe = &a->pe;
  malml_bytescan* scan = &a->scan;
  if (data == NULL || !malml_pe_read(pe_obj, pe))
    return 0;

  int nranges = byte_ranges(pe, ranges);
  int rc = malml_bytescan_run_with(data, size, ranges, nranges, how, scan);
  if (rc != 0)
    return rc;
  out->is_pe = 1;
  out->entropy = scan->entropy;
  out->strings = scan->strings;
  out->nsections = pe->nsections;
  for (int i = 0; i < pe->nsections; i++)
  {
    out->section_entropy[i] = scan->range_entropy[i];
    memcpy(
        out->section_name[i],
        pe->sections[i].name,
        sizeof(out->section_name[i]));
    out->section_name_len[i] = pe->sections[i].name_len;
  }

  fill f = {pe, scan, data, size, out->vector, out, 0, 0};
  fill_imports(&f, pe_obj); /* first: header and filetype use its counts */
  fill_header(&f);
  fill_sections(&f, out);
  fill_filetype(&f);
  fill_strings(&f);
  malml_fill_signatures(pe_obj, pe, out->vector);
  malml_fill_bags(pe_obj, out->vector);
  malml_dotnet_read(dotnet_obj, &out->dotnet);
  malml_dotnet_fill(dotnet_obj, &out->dotnet, size, out->vector);
  return 0;
}
