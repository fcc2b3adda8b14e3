/*
 * Module-internal header (programs include modules/malml/malml.h): the .NET
 * group (schema 2), read from what YARA's `dotnet` module parsed.
 */
#ifndef MALML_DOTNET_FEATURES_H
#define MALML_DOTNET_FEATURES_H

#include <stddef.h>
#include <stdint.h>
#include <yara/object.h>

#include "modules/malml/features/schema.h"

/* The group's scalars as exact integers, in schema order (the rule-visible
 * malml.dotnet fields read these: the vector's float32 would round sizes
 * past 2^24).  MALML_MISSING where dotnet gives nothing; resources_ratio
 * is unused here (it is not an integer). */
typedef struct
{
#define MALML_DOTNET_FIELD(name) int64_t name;
  MALML_DOTNET_SCALARS(MALML_DOTNET_FIELD)
#undef MALML_DOTNET_FIELD
} malml_dotnet;

/* Reads the dotnet module object `dotnet` into *d.  NULL or is_dotnet != 1:
 * a file that is not .NET, every count 0 and the version fields and
 * module_name_mismatch missing.  docs/features.md gives the source of each
 * value. */
void malml_dotnet_read(YR_OBJECT* dotnet, malml_dotnet* d);

/* Writes the dotnet group (MALML_DOTNET_BEGIN..MALML_DOTNET_END) of vector
 * `v`: d's scalars, resources_ratio (resources_size over file_size, the
 * scanned file's size) and the bags, counted from `dotnet`. */
void malml_dotnet_fill(
    YR_OBJECT* dotnet,
    const malml_dotnet* d,
    size_t file_size,
    float* v);

/* Called for each token of the .NET bags (block is the first index of its
 * bucket block, e.g. MALML_F_user_string_bucket; index the bucket's). */
typedef void (*malml_dotnet_token_fn)(
    void* ctx,
    int block,
    int index,
    const char* token,
    size_t len);

/* Walks the .NET bags exactly as malml_dotnet_fill counts them (used by
 * `malml score` to name hashed features). */
void malml_dotnet_tokens(YR_OBJECT* dotnet, malml_dotnet_token_fn fn, void* ctx);

#endif
