/*
 * Schema 2's additions from EMBER's feature sets: DOS header fields, data
 * directories present, Rich header entries, an Authenticode summary,
 * header fields that disagree with the file, export names.
 */
#include "modules/malml/features/pe_extras.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "modules/malml/features/object_read.h"
#include "modules/malml/features/schema.h"
#include "modules/malml/features/tokens.h"

#define F(name) (MALML_F_##name)

static unsigned le16(const uint8_t* p)
{
  return (unsigned) p[0] | (unsigned) p[1] << 8;
}

void malml_fill_dos_header(const uint8_t* d, size_t size, float* v)
{
  /* IMAGE_DOS_HEADER: e_magic at 0, then these words in order. */
  static const int word_fields[] = {
      F(dos_e_cblp),
      F(dos_e_cp),
      F(dos_e_crlc),
      F(dos_e_cparhdr),
      F(dos_e_minalloc),
      F(dos_e_maxalloc),
      F(dos_e_ss),
      F(dos_e_sp),
      F(dos_e_csum),
      F(dos_e_ip),
      F(dos_e_cs),
      F(dos_e_lfarlc),
      F(dos_e_ovno)};
  int n = (int) (sizeof(word_fields) / sizeof(word_fields[0]));
  if (d == NULL || size < 64)
  {
    for (int i = F(dos_e_cblp); i <= F(dos_reserved_nonzero); i++) v[i] = NAN;
    return;
  }
  for (int i = 0; i < n; i++) v[word_fields[i]] = (float) le16(d + 2 + 2 * i);
  v[F(dos_e_oemid)] = (float) le16(d + 36);
  v[F(dos_e_oeminfo)] = (float) le16(d + 38);
  v[F(dos_e_lfanew)] = (float) (le16(d + 60) | (uint32_t) le16(d + 62) << 16);
  /* e_res (28..35) and e_res2 (40..59) are zero from every linker. */
  int reserved = 0;
  for (int i = 28; i < 60; i++)
    reserved |= (i < 36 || i >= 40) && d[i] != 0;
  v[F(dos_reserved_nonzero)] = (float) reserved;
}

void malml_fill_directories(const malml_pe* p, float* v)
{
  for (int i = 0; i < MALML_DATA_DIRECTORIES; i++)
    v[F(dir_present) + i] =
        p->dir_rva[i] != MALML_PE_MISSING && p->dir_rva[i] != 0;
}

static int power_of_two(int64_t x)
{
  return x > 0 && x <= (1 << 30) && (x & (x - 1)) == 0;
}

static int64_t align_up(int64_t x, int64_t a)
{
  return (x + a - 1) / a * a;
}

/* SizeOfHeaders should be the headers' end rounded up to FileAlignment,
 * and SizeOfImage the last section's end rounded up to SectionAlignment:
 * linkers write both so, hand-made and patched files often do not. */
void malml_fill_header_anomalies(
    const malml_pe* p,
    const uint8_t* d,
    size_t size,
    float* v)
{
  v[F(headers_size_mismatch)] = v[F(image_size_mismatch)] = NAN;
  int64_t lfanew =
      size >= 64 ? (int64_t) (le16(d + 60) | (uint32_t) le16(d + 62) << 16)
                 : MALML_PE_MISSING;
  if (power_of_two(p->file_alignment) && lfanew != MALML_PE_MISSING &&
      p->size_of_optional_header != MALML_PE_MISSING &&
      p->size_of_headers != MALML_PE_MISSING)
  {
    int64_t end = lfanew + 24 + p->size_of_optional_header +
                  40 * (int64_t) p->number_of_sections;
    v[F(headers_size_mismatch)] =
        p->size_of_headers != align_up(end, p->file_alignment);
  }
  if (!power_of_two(p->section_alignment) || p->nsections == 0 ||
      p->size_of_image == MALML_PE_MISSING)
    return;
  int64_t last = 0;
  for (int i = 0; i < p->nsections; i++)
  {
    const malml_pe_section* s = &p->sections[i];
    int64_t size = s->virtual_size > 0 ? s->virtual_size : s->raw_size;
    if (s->virtual_address == MALML_PE_MISSING || size == MALML_PE_MISSING ||
        s->virtual_address < 0 || size < 0)
      return;
    if (s->virtual_address + size > last)
      last = s->virtual_address + size;
  }
  v[F(image_size_mismatch)] =
      p->size_of_image != align_up(last, p->section_alignment);
}

static int same_string(const SIZED_STRING* a, const SIZED_STRING* b)
{
  return a != NULL && b != NULL && a->length == b->length &&
         memcmp(a->c_string, b->c_string, a->length) == 0;
}

void malml_fill_signatures(YR_OBJECT* pe, const malml_pe* p, float* v)
{
  YR_OBJECT* array;
  int n = malml_obj_array(pe, "signatures", &array);
  int self_signed = 0, in_validity = 0;
  double max_days = NAN;
  for (int i = 0; i < n; i++)
  {
    YR_OBJECT* c = yr_object_array_get_item(array, 0, i);
    int64_t from = malml_obj_member_int(c, "not_before");
    int64_t to = malml_obj_member_int(c, "not_after");
    self_signed += same_string(
        malml_obj_member_str(c, "issuer"), malml_obj_member_str(c, "subject"));
    if (from == MALML_PE_MISSING || to == MALML_PE_MISSING)
      continue;
    double days = ((double) to - (double) from) / 86400.0;
    max_days = isnan(max_days) || days > max_days ? days : max_days;
    in_validity |= p->timestamp != MALML_PE_MISSING && p->timestamp >= from &&
                   p->timestamp <= to;
  }
  v[F(self_signed_certificates)] = (float) self_signed;
  v[F(timestamp_in_certificate_validity)] = n > 0 ? (float) in_validity : NAN;
  v[F(max_certificate_validity_days)] = (float) max_days;
}

/* ---- bags ---------------------------------------------------------------- */

static void rich_tokens(YR_OBJECT* pe, malml_extra_token_fn fn, void* ctx)
{
  YR_OBJECT* rich = yr_object_lookup_field(pe, "rich_signature");
  SIZED_STRING* clear = malml_obj_member_str(rich, "clear_data");
  if (clear == NULL)
    return;
  const uint8_t* d = (const uint8_t*) clear->c_string;
  /* "DanS" and three zero dwords, then (comp id, count) pairs. */
  for (uint32_t off = 16; off + 8 <= clear->length; off += 8)
  {
    char token[32];
    unsigned build = le16(d + off), prodid = le16(d + off + 2);
    uint32_t count = le16(d + off + 4) | (uint32_t) le16(d + off + 6) << 16;
    int len = snprintf(token, sizeof(token), "%u:%u", prodid, build);
    int feature = F(rich_bucket) +
                  (int) malml_bucket(token, (size_t) len, MALML_RICH_BUCKETS);
    fn(ctx, feature, token, (size_t) len, (double) count);
  }
}

static void export_tokens(YR_OBJECT* pe, malml_extra_token_fn fn, void* ctx)
{
  YR_OBJECT* array;
  int n = malml_obj_array(pe, "export_details", &array);
  for (int i = 0; i < n; i++)
  {
    SIZED_STRING* name =
        malml_obj_member_str(yr_object_array_get_item(array, 0, i), "name");
    if (name == NULL)
      continue;
    size_t len = name->length < MALML_TOKEN_MAX ? name->length : MALML_TOKEN_MAX;
    fn(ctx,
       F(export_bucket) +
           (int) malml_bucket(name->c_string, len, MALML_EXPORT_BUCKETS),
       name->c_string,
       len,
       1);
  }
}

void malml_extra_tokens(YR_OBJECT* pe, malml_extra_token_fn fn, void* ctx)
{
  rich_tokens(pe, fn, ctx);
  export_tokens(pe, fn, ctx);
}

static void add_weight(
    void* ctx,
    int feature,
    const char* token,
    size_t len,
    double weight)
{
  float* v = ctx;
  (void) token, (void) len;
  v[feature] += (float) weight;
}

void malml_fill_bags(YR_OBJECT* pe, float* v)
{
  YR_OBJECT* array;
  int n = malml_obj_array(pe, "export_details", &array);
  int unnamed = 0;
  for (int i = 0; i < n; i++)
    unnamed += malml_obj_member_str(
                   yr_object_array_get_item(array, 0, i), "name") == NULL;
  v[F(exports_by_ordinal_only)] = (float) unnamed;
  malml_extra_tokens(pe, add_weight, v);
}
