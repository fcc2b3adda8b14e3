/*
 * Which of a file's names fell into a hashed feature: "imports.import_bucket
 * [56]" tells an analyst nothing, "kernel32!virtualallocex" does.  Built from
 * the `pe` module object of a scan (imports) and malml's features (section
 * names), with the module's own tokens and bucket rule (modules/malml/
 * tokens.h), so the names are exactly those that set the feature.
 */
#ifndef MALML_BUCKET_NAMES_H
#define MALML_BUCKET_NAMES_H

#include <stddef.h>
#include <yara.h>

#include "modules/malml/malml.h"

typedef struct
{
  int feature;
  char* token;
} bucket_name;

typedef struct
{
  int n, cap;
  bucket_name* items;
} bucket_names;

/* Empties the list (keeps its memory). */
void bucket_names_clear(bucket_names* b);
void bucket_names_free(bucket_names* b);

/* Adds the import, dll, export and Rich-entry tokens of the `pe` module
 * object. */
void bucket_names_add_imports(bucket_names* b, YR_OBJECT* pe);

/* Adds the .NET names (assembly and module references, user strings,
 * resources) of the `dotnet` module object; user strings are shown as
 * ASCII, '?' for a code unit outside it. */
void bucket_names_add_dotnet(bucket_names* b, YR_OBJECT* dotnet);

/* Adds the section names of the features' file. */
void bucket_names_add_sections(bucket_names* b, const malml_features* f);

/* The names in feature's bucket, comma-separated, into buf (empty when
 * none); returns the number of names. */
int bucket_names_join(
    const bucket_names* b,
    int feature,
    char* buf,
    size_t size);

#endif
