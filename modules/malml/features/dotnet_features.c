/*
 * The .NET group: counts and sizes from the CLR metadata that YARA's dotnet
 * module parsed (streams, heaps, assembly references, P/Invoke module
 * references, manifest resources, user strings), and hashed bags of the
 * names.  .NET malware is where schema 1 was weakest; none of the field's
 * reference feature sets (EMBER's) has .NET-specific features.
 */
#include "modules/malml/features/dotnet_features.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "modules/malml/features/object_read.h"
#include "modules/malml/features/schema.h"
#include "modules/malml/features/tokens.h"

#define F(name) (MALML_F_##name)

/* The streams every compiler writes (ECMA-335 II.24.2.2); "#-" is the
 * uncompressed tables stream that obfuscators favour. */
static int stream_is(const SIZED_STRING* s, const char* name)
{
  return s->length == strlen(name) && memcmp(s->c_string, name, s->length) == 0;
}

static int standard_stream(const SIZED_STRING* s)
{
  static const char* const names[] = {
      "#~", "#-", "#Strings", "#US", "#GUID", "#Blob"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (stream_is(s, names[i]))
      return 1;
  return 0;
}

static void fill_streams(YR_OBJECT* dn, malml_dotnet* d)
{
  YR_OBJECT* array;
  int n = malml_obj_array(dn, "streams", &array);
  for (int i = 0; i < n; i++)
  {
    YR_OBJECT* st = yr_object_array_get_item(array, 0, i);
    SIZED_STRING* name = malml_obj_member_str(st, "name");
    int64_t size = malml_obj_member_int(st, "size");
    if (name == NULL)
      continue;
    d->streams++;
    d->nonstandard_streams += !standard_stream(name);
    d->uncompressed_tables |= stream_is(name, "#-");
    if (size == MALML_MISSING || size < 0)
      continue;
    if (stream_is(name, "#~") || stream_is(name, "#-"))
      d->tables_size += size;
    if (stream_is(name, "#Strings"))
      d->strings_heap_size += size;
    if (stream_is(name, "#US"))
      d->us_heap_size += size;
    if (stream_is(name, "#Blob"))
      d->blob_heap_size += size;
  }
}

/* "v4.0.30319" -> 4 and 0; other shapes leave them missing. */
static void fill_runtime_version(YR_OBJECT* dn, malml_dotnet* d)
{
  SIZED_STRING* s = malml_obj_member_str(dn, "version");
  int major, minor;
  if (s != NULL && s->length < 64 &&
      sscanf(s->c_string, "v%d.%d", &major, &minor) == 2)
  {
    d->runtime_version_major = major;
    d->runtime_version_minor = minor;
  }
}

/* 1 when the module's name (less its extension) is not the assembly's:
 * compilers write the same name in both, renamers and packers do not. */
static void fill_names(YR_OBJECT* dn, malml_dotnet* d)
{
  SIZED_STRING* module = malml_obj_member_str(dn, "module_name");
  YR_OBJECT* assembly = yr_object_lookup_field(dn, "assembly");
  SIZED_STRING* name = malml_obj_member_str(assembly, "name");
  d->assembly_version_major = malml_obj_int(assembly, "version.major");
  if (module == NULL || name == NULL)
    return;
  const char* dot = memchr(module->c_string, '.', module->length);
  size_t stem = dot ? (size_t) (dot - module->c_string) : module->length;
  d->module_name_mismatch = stem != name->length ||
                            strncasecmp(module->c_string, name->c_string, stem);
}

static void fill_resources(YR_OBJECT* dn, malml_dotnet* d)
{
  YR_OBJECT* array;
  int n = malml_obj_array(dn, "resources", &array);
  for (int i = 0; i < n; i++)
  {
    int64_t len =
        malml_obj_member_int(yr_object_array_get_item(array, 0, i), "length");
    d->resources++;
    if (len == MALML_MISSING || len < 0)
      continue;
    d->resources_size += len; /* dotnet's lengths are uint32: no overflow */
    if (len > d->max_resource_size)
      d->max_resource_size = len;
  }
}

/* User strings are UTF-16LE as the #US heap holds them; non-ASCII ones
 * (a code unit >= 0x80) are what string encryptors leave behind. */
static void fill_user_strings(YR_OBJECT* dn, malml_dotnet* d)
{
  YR_OBJECT* array;
  int n = malml_obj_array(dn, "user_strings", &array);
  for (int i = 0; i < n; i++)
  {
    SIZED_STRING* s = malml_obj_str(yr_object_array_get_item(array, 0, i));
    if (s == NULL)
      continue;
    uint32_t units = s->length / 2;
    int nonascii = 0;
    for (uint32_t u = 0; u < units && !nonascii; u++)
      nonascii = (uint8_t) s->c_string[2 * u] >= 0x80 || s->c_string[2 * u + 1];
    d->user_strings++;
    d->user_strings_size += s->length;
    if (units > d->max_user_string_length)
      d->max_user_string_length = units;
    d->nonascii_user_strings += nonascii;
  }
}

/* A count dotnet gives as number_of_NAME, 0 when undefined. */
static int64_t count_of(YR_OBJECT* dn, const char* field)
{
  int64_t n = malml_obj_member_int(dn, field);
  return n == MALML_MISSING || n < 0 ? 0 : n;
}


void malml_dotnet_read(YR_OBJECT* dn, malml_dotnet* d)
{
#define ZERO(name) d->name = 0;
  MALML_DOTNET_SCALARS(ZERO)
#undef ZERO
  d->runtime_version_major = d->runtime_version_minor = MALML_MISSING;
  d->assembly_version_major = d->module_name_mismatch = MALML_MISSING;
  if (dn == NULL || malml_obj_member_int(dn, "is_dotnet") != 1)
    return;
  d->is_dotnet = 1;
  fill_runtime_version(dn, d);
  fill_streams(dn, d);
  fill_names(dn, d);
  fill_resources(dn, d);
  fill_user_strings(dn, d);
  d->guids = count_of(dn, "number_of_guids");
  d->assembly_refs = count_of(dn, "number_of_assembly_refs");
  d->modulerefs = count_of(dn, "number_of_modulerefs");
  d->constants = count_of(dn, "number_of_constants");
  d->field_offsets = count_of(dn, "number_of_field_offsets");
  d->typelib = malml_obj_member_str(dn, "typelib") != NULL;
}

static void count_token(void* ctx, int block, int index, const char* t, size_t len)
{
  float* v = ctx;
  (void) t, (void) len;
  v[block + index] += 1;
}

void malml_dotnet_fill(
    YR_OBJECT* dn,
    const malml_dotnet* d,
    size_t file_size,
    float* v)
{
  int i = MALML_DOTNET_BEGIN;
#define COPY(name) \
  v[i++] = d->name == MALML_MISSING ? NAN : (float) d->name;
  MALML_DOTNET_SCALARS(COPY)
#undef COPY
  /* The one scalar that is not an integer. */
  v[F(resources_ratio)] =
      file_size ? (float) ((double) d->resources_size / (double) file_size) : 0;
  for (; i < MALML_DOTNET_END; i++) v[i] = 0;
  malml_dotnet_tokens(dn, count_token, v);
}

/* ---- bags --------------------------------------------------------------- */

/* Lower-cased name, cut at MALML_TOKEN_MAX (assembly references). */
static size_t lower_token(const SIZED_STRING* s, char* out)
{
  return malml_lower_token(s->c_string, s->length, out);
}

/* The bytes as dotnet gives them, cut at MALML_TOKEN_MAX. */
static size_t raw_token(const SIZED_STRING* s, char* out)
{
  size_t n = s->length < MALML_TOKEN_MAX ? s->length : MALML_TOKEN_MAX;
  memcpy(out, s->c_string, n);
  return n;
}

typedef size_t (*token_rule)(const SIZED_STRING* s, char* out);

static size_t dll_rule(const SIZED_STRING* s, char* out)
{
  return malml_dll_token(s->c_string, s->length, out, MALML_TOKEN_MAX + 1);
}

/* One bag: each item of array `field` (its member `member`, or the item
 * itself when member is NULL) through `rule` into block's buckets. */
static void walk_bag(
    YR_OBJECT* dn,
    const char* field,
    const char* member,
    token_rule rule,
    int block,
    int buckets,
    malml_dotnet_token_fn fn,
    void* ctx)
{
  char token[MALML_TOKEN_MAX + 1];
  YR_OBJECT* array;
  int n = malml_obj_array(dn, field, &array);
  for (int i = 0; i < n; i++)
  {
    YR_OBJECT* item = yr_object_array_get_item(array, 0, i);
    SIZED_STRING* s = member ? malml_obj_member_str(item, member)
                             : malml_obj_str(item);
    if (s == NULL)
      continue;
    size_t len = rule(s, token);
    fn(ctx, block, (int) malml_bucket(token, len, buckets), token, len);
  }
}

void malml_dotnet_tokens(YR_OBJECT* dn, malml_dotnet_token_fn fn, void* ctx)
{
  if (dn == NULL || malml_obj_member_int(dn, "is_dotnet") != 1)
    return;
  walk_bag(dn, "assembly_refs", "name", lower_token, F(assembly_ref_bucket),
           MALML_ASSEMBLY_REF_BUCKETS, fn, ctx);
  walk_bag(dn, "modulerefs", NULL, dll_rule, F(moduleref_bucket),
           MALML_MODULEREF_BUCKETS, fn, ctx);
  walk_bag(dn, "user_strings", NULL, raw_token, F(user_string_bucket),
           MALML_USER_STRING_BUCKETS, fn, ctx);
  walk_bag(dn, "resources", "name", raw_token, F(resource_name_bucket),
           MALML_RESOURCE_NAME_BUCKETS, fn, ctx);
}
