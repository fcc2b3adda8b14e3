/*
 * Names of malml's features and the schema hash derived from them.
 */
#include "modules/malml/features/schema.h"

#include "modules/malml/features/tokens.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define MALML_NAME_ENTRY(name) #name,

static const char* const header_names[] = {
    MALML_HEADER_SCALARS(MALML_NAME_ENTRY)};
static const char* const imports_names[] = {
    MALML_IMPORTS_SCALARS(MALML_NAME_ENTRY)};
static const char* const sections_names[] = {
    MALML_SECTIONS_SCALARS(MALML_NAME_ENTRY)};
static const char* const slot_names[] = {
    MALML_SECTION_SLOT_FIELDS(MALML_NAME_ENTRY)};
static const char* const filetype_names[] = {
    MALML_FILETYPE_TOKENS(MALML_NAME_ENTRY)};
static const char* const strings_names[] = {
    MALML_STRINGS_SCALARS(MALML_NAME_ENTRY)};

#define COUNT(a) ((int) (sizeof(a) / sizeof((a)[0])))

static const malml_group_info groups[MALML_GROUP_COUNT] = {
    {"header", 0, MALML_HEADER_END},
    {"imports", MALML_IMPORTS_BEGIN, MALML_IMPORTS_END},
    {"sections", MALML_SECTIONS_BEGIN, MALML_SECTIONS_END},
    {"filetype", MALML_FILETYPE_BEGIN, MALML_FILETYPE_END},
    {"strings", MALML_STRINGS_BEGIN, MALML_STRINGS_END},
};

#define STR(x)  #x
#define XSTR(x) STR(x)
#define MALML_SCHEMA_PREAMBLE \
  "malml schema " XSTR(MALML_SCHEMA_VERSION) "\n" MALML_BUCKET_RULE "\n"

/* Written once by malml_schema_init (module_initialize), read-only after. */
static char schema_hash_hex[65];

const malml_group_info* malml_schema_group(malml_group g)
{
  return (g >= 0 && g < MALML_GROUP_COUNT) ? &groups[g] : NULL;
}

malml_group malml_schema_group_of(int index)
{
  for (int g = 0; g < MALML_GROUP_COUNT; g++)
    if (index >= groups[g].begin && index < groups[g].end)
      return (malml_group) g;
  return MALML_GROUP_COUNT;
}

/* Name of an entry of a group whose scalars are `names` (n of them) followed
 * by blocks; `blocks` lists (block name, first index, length) triples. */
typedef struct
{
  const char* name;
  int first;
  int length;
} block;

static const char* name_in_group(
    const char* group,
    int rel,
    const char* const* names,
    int n,
    const block* blocks,
    int nblocks,
    char* buf,
    size_t size)
{
  if (rel < n)
  {
    snprintf(buf, size, "%s.%s", group, names[rel]);
    return buf;
  }
  for (int b = 0; b < nblocks; b++)
  {
    int k = rel - blocks[b].first;
    if (k >= 0 && k < blocks[b].length)
    {
      snprintf(buf, size, "%s.%s[%d]", group, blocks[b].name, k);
      return buf;
    }
  }
  snprintf(buf, size, "%s.?%d", group, rel);
  return buf;
}

static const char* section_slot_name(int rel, char* buf, size_t size)
{
  int slot = rel / MALML_SLOT_FIELD_COUNT;
  int field = rel % MALML_SLOT_FIELD_COUNT;
  snprintf(buf, size, "sections.slot[%d].%s", slot, slot_names[field]);
  return buf;
}

const char* malml_schema_feature_name(int index, char* buf, size_t size)
{
  switch (malml_schema_group_of(index))
  {
  case MALML_GROUP_HEADER:
  {
    const block b[] = {{"byte_hist", MALML_F_byte_hist, MALML_BYTE_HIST_BINS}};
    return name_in_group(
        "header", index, header_names, COUNT(header_names), b, 1, buf, size);
  }
  case MALML_GROUP_IMPORTS:
  {
    int base = MALML_IMPORTS_BEGIN;
    const block b[] = {
        {"import_bucket", MALML_F_import_bucket - base, MALML_IMPORT_BUCKETS},
        {"dll_bucket", MALML_F_dll_bucket - base, MALML_DLL_BUCKETS}};
    return name_in_group(
        "imports",
        index - base,
        imports_names,
        COUNT(imports_names),
        b,
        2,
        buf,
        size);
  }
  case MALML_GROUP_SECTIONS:
  {
    int base = MALML_SECTIONS_BEGIN;
    if (index >= MALML_F_section_slot && index < MALML_F_section_name_bucket)
      return section_slot_name(index - MALML_F_section_slot, buf, size);
    const block b[] = {
        {"name_bucket",
         MALML_F_section_name_bucket - base,
         MALML_SECTION_NAME_BUCKETS}};
    return name_in_group(
        "sections",
        index - base,
        sections_names,
        COUNT(sections_names),
        b,
        1,
        buf,
        size);
  }
  case MALML_GROUP_FILETYPE:
    return name_in_group(
        "filetype",
        index - MALML_FILETYPE_BEGIN,
        filetype_names,
        COUNT(filetype_names),
        NULL,
        0,
        buf,
        size);
  case MALML_GROUP_STRINGS:
    return name_in_group(
        "strings",
        index - MALML_STRINGS_BEGIN,
        strings_names,
        COUNT(strings_names),
        NULL,
        0,
        buf,
        size);
  default:
    snprintf(buf, size, "?%d", index);
    return buf;
  }
}

int malml_schema_filetype_index(const char* name)
{
  for (int i = 0; i < COUNT(filetype_names); i++)
    if (strcmp(filetype_names[i], name) == 0)
      return MALML_FILETYPE_BEGIN + i;
  return -1;
}

int malml_schema_init(void)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  char name[96];
  int ok = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();

  if (ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
  {
    /* The preamble names what the feature names do not: the bucket rule. */
    ok = EVP_DigestUpdate(
        ctx, MALML_SCHEMA_PREAMBLE, strlen(MALML_SCHEMA_PREAMBLE));
    for (int i = 0; i < MALML_FEATURE_COUNT && ok; i++)
    {
      malml_schema_feature_name(i, name, sizeof(name));
      size_t len = strlen(name);
      name[len] = '\n';
      ok = EVP_DigestUpdate(ctx, name, len + 1);
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok || md_len != 32)
    return -1;
  for (unsigned i = 0; i < md_len; i++)
    snprintf(schema_hash_hex + 2 * i, 3, "%02x", md[i]);
  return 0;
}

const char* malml_schema_hash(void)
{
  return schema_hash_hex;
}
