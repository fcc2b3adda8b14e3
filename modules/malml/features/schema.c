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
static const char* const dotnet_names[] = {
    MALML_DOTNET_SCALARS(MALML_NAME_ENTRY)};

#define COUNT(a) ((int) (sizeof(a) / sizeof((a)[0])))

static const malml_group_info groups[MALML_GROUP_COUNT] = {
    {"header", 0, MALML_HEADER_END},
    {"imports", MALML_IMPORTS_BEGIN, MALML_IMPORTS_END},
    {"sections", MALML_SECTIONS_BEGIN, MALML_SECTIONS_END},
    {"filetype", MALML_FILETYPE_BEGIN, MALML_FILETYPE_END},
    {"strings", MALML_STRINGS_BEGIN, MALML_STRINGS_END},
    {"dotnet", MALML_DOTNET_BEGIN, MALML_DOTNET_END},
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

/* Every block of the vector: features that mean something only together
 * (a histogram, a hashed bag); named "group.name[k]". */
static const struct
{
  malml_group group;
  const char* name;
  int first; /* global index */
  int length;
} blocks[] = {
    {MALML_GROUP_HEADER, "byte_hist", MALML_F_byte_hist, MALML_BYTE_HIST_BINS},
    {MALML_GROUP_HEADER,
     "dir_present",
     MALML_F_dir_present,
     MALML_DATA_DIRECTORIES},
    {MALML_GROUP_HEADER, "rich_bucket", MALML_F_rich_bucket, MALML_RICH_BUCKETS},
    {MALML_GROUP_IMPORTS,
     "import_bucket",
     MALML_F_import_bucket,
     MALML_IMPORT_BUCKETS},
    {MALML_GROUP_IMPORTS, "dll_bucket", MALML_F_dll_bucket, MALML_DLL_BUCKETS},
    {MALML_GROUP_IMPORTS,
     "export_bucket",
     MALML_F_export_bucket,
     MALML_EXPORT_BUCKETS},
    {MALML_GROUP_SECTIONS,
     "name_bucket",
     MALML_F_section_name_bucket,
     MALML_SECTION_NAME_BUCKETS},
    {MALML_GROUP_DOTNET,
     "assembly_ref_bucket",
     MALML_F_assembly_ref_bucket,
     MALML_ASSEMBLY_REF_BUCKETS},
    {MALML_GROUP_DOTNET,
     "moduleref_bucket",
     MALML_F_moduleref_bucket,
     MALML_MODULEREF_BUCKETS},
    {MALML_GROUP_DOTNET,
     "user_string_bucket",
     MALML_F_user_string_bucket,
     MALML_USER_STRING_BUCKETS},
    {MALML_GROUP_DOTNET,
     "resource_name_bucket",
     MALML_F_resource_name_bucket,
     MALML_RESOURCE_NAME_BUCKETS},
};

/* Each group's named scalars, in order from the group's first index. */
static const struct
{
  const char* const* names;
  int n;
} scalars[MALML_GROUP_COUNT] = {
    {header_names, COUNT(header_names)},
    {imports_names, COUNT(imports_names)},
    {sections_names, COUNT(sections_names)},
    {filetype_names, COUNT(filetype_names)},
    {strings_names, COUNT(strings_names)},
    {dotnet_names, COUNT(dotnet_names)},
};

int malml_schema_block_of(int index, int* first)
{
  for (int k = 0; k < COUNT(blocks); k++)
  {
    if (index >= blocks[k].first && index < blocks[k].first + blocks[k].length)
    {
      *first = blocks[k].first;
      return blocks[k].length;
    }
  }
  if (index >= MALML_F_section_slot && index < MALML_F_section_name_bucket)
  {
    int slot = (index - MALML_F_section_slot) / MALML_SLOT_FIELD_COUNT;
    *first = MALML_F_section_slot + slot * MALML_SLOT_FIELD_COUNT;
    return MALML_SLOT_FIELD_COUNT;
  }
  *first = index;
  return 1;
}

const char* malml_schema_feature_name(int index, char* buf, size_t size)
{
  malml_group g = malml_schema_group_of(index);
  if (g == MALML_GROUP_COUNT)
  {
    snprintf(buf, size, "?%d", index);
    return buf;
  }
  const char* group = groups[g].name;
  int rel = index - groups[g].begin;
  if (rel < scalars[g].n)
  {
    snprintf(buf, size, "%s.%s", group, scalars[g].names[rel]);
    return buf;
  }
  if (index >= MALML_F_section_slot && index < MALML_F_section_name_bucket)
  {
    rel = index - MALML_F_section_slot;
    snprintf(
        buf,
        size,
        "sections.slot[%d].%s",
        rel / MALML_SLOT_FIELD_COUNT,
        slot_names[rel % MALML_SLOT_FIELD_COUNT]);
    return buf;
  }
  int first, length = malml_schema_block_of(index, &first);
  for (int k = 0; length > 1 && k < COUNT(blocks); k++)
    if (blocks[k].first == first)
    {
      snprintf(buf, size, "%s.%s[%d]", group, blocks[k].name, index - first);
      return buf;
    }
  snprintf(buf, size, "%s.?%d", group, rel);
  return buf;
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
