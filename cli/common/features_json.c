#include "cli/common/features_json.h"

#include <math.h>
#include <string.h>

static json_t* number(float x)
{
  return isnan(x) ? json_null() : json_real((double) x);
}

/* The named scalars whose values are not whole numbers (docs/features.md,
 * "Integer and real features"): every other named scalar is a count, a
 * size, a field, a flag, a bucket or an index. */
static const char* const real_valued[] = {
    "header.file_entropy",
    "header.overlay_ratio",
    "header.entry_point_ratio",
    "header.overlay_entropy",
    "header.max_certificate_validity_days", /* seconds / 86400 */
    "sections.max_entropy",
    "sections.min_entropy",
    "sections.mean_entropy",
    "sections.max_virtual_raw_ratio",
    "sections.raw_coverage",
    "sections.entry_section_entropy",
    "sections.header_entropy",
    "strings.mean_string_length",
    "strings.printable_ratio",
    "dotnet.resources_ratio",
};

int features_json_integer_kind(const char* name)
{
  if (strchr(name, '[') != NULL)
    return 0; /* blocks: only in vectors */
  for (size_t i = 0; i < sizeof(real_valued) / sizeof(*real_valued); i++)
    if (strcmp(name, real_valued[i]) == 0)
      return 0;
  return 1;
}

/* An exact integer where one is known, as a JSON integer; else, for an
 * integer-kind feature whose float32 holds a whole number exactly (under
 * 2^24 every integer does), that number as a JSON integer; else the
 * vector's value.  So a feature is an integer in every file or in none
 * (a value 2^24 or more with no exact source stays a float: its float32
 * may be rounded, and a JSON integer would claim otherwise). */
static json_t* named_value(
    const float* v,
    const features_exact* exact,
    int i,
    const char* name)
{
  if (isnan(v[i]))
    return json_null();
  if (exact != NULL && exact->known[i])
    return json_integer((json_int_t) exact->value[i]);
  if (features_json_integer_kind(name) && fabsf(v[i]) < 16777216.0f &&
      v[i] == floorf(v[i]))
    return json_integer((json_int_t) v[i]);
  return number(v[i]);
}

static json_t*
named_features(const float* v, const features_exact* exact)
{
  json_t* obj = json_object();
  char name[96];
  for (int i = 0; i < MALML_FEATURE_COUNT; i++)
  {
    malml_schema_feature_name(i, name, sizeof(name));
    if (strchr(name, '[') == NULL) /* scalars only; blocks are in vectors */
      json_object_set_new(obj, name, named_value(v, exact, i, name));
  }
  return obj;
}

static json_t* group_vectors(const float* v)
{
  json_t* obj = json_object();
  for (int g = 0; g < MALML_GROUP_COUNT; g++)
  {
    const malml_group_info* info = malml_schema_group((malml_group) g);
    json_t* arr = json_array();
    for (int i = info->begin; i < info->end; i++)
      json_array_append_new(arr, number(v[i]));
    json_object_set_new(obj, info->name, arr);
  }
  return obj;
}

json_t* features_to_json(const malml_features* f, const features_exact* exact)
{
  json_t* obj = json_object();
  json_object_set_new(obj, "is_pe", json_boolean(f->is_pe));
  json_object_set_new(
      obj, "schema_version", json_integer(MALML_SCHEMA_VERSION));
  json_object_set_new(obj, "schema_hash", json_string(malml_schema_hash()));
  if (f->is_pe)
  {
    json_object_set_new(obj, "features", named_features(f->vector, exact));
    json_object_set_new(obj, "vectors", group_vectors(f->vector));
  }
  return obj;
}

int features_from_json(const json_t* obj, float* vector, const char** why)
{
  const char* hash = json_string_value(json_object_get(obj, "schema_hash"));
  json_t* vectors = json_object_get(obj, "vectors");
  if (hash == NULL || strcmp(hash, malml_schema_hash()) != 0)
  {
    *why = "schema_hash differs from this build's schema";
    return -1;
  }
  if (!json_is_object(vectors))
  {
    *why = "no \"vectors\" object (not a PE?)";
    return -1;
  }
  for (int g = 0; g < MALML_GROUP_COUNT; g++)
  {
    const malml_group_info* info = malml_schema_group((malml_group) g);
    json_t* arr = json_object_get(vectors, info->name);
    if (!json_is_array(arr) ||
        json_array_size(arr) != (size_t) (info->end - info->begin))
    {
      *why = "a group vector is missing or has the wrong length";
      return -1;
    }
    for (int i = info->begin; i < info->end; i++)
    {
      json_t* x = json_array_get(arr, (size_t) (i - info->begin));
      vector[i] = json_is_number(x) ? (float) json_number_value(x) : NAN;
    }
  }
  return 0;
}
