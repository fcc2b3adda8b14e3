/*
 * Module-internal header (programs include modules/malml/malml.h): how import
 * names and section names become tokens, and tokens become buckets.
 * docs/features.md states the same rule for people reproducing a vector in
 * another language.
 */
#ifndef MALML_TOKENS_H
#define MALML_TOKENS_H

#include <stddef.h>
#include <stdint.h>

/* Part of the schema hash: changing the rule changes every model's schema. */
#define MALML_BUCKET_RULE "bucket = uint32_le(md5(token)[0:4]) mod buckets"

/* Longest token kept; longer names are cut (hostile files have huge ones). */
#define MALML_TOKEN_MAX 256

/* `s` lower-cased (ASCII only) and cut at MALML_TOKEN_MAX into out (room
 * for MALML_TOKEN_MAX bytes, no terminator); returns the length. */
size_t malml_lower_token(const char* s, size_t len, char* out);

/*
 * Writes the dll part of an import token: `dll` lower-cased, cut at its last
 * '.' (so "KERNEL32.dll" -> "kernel32", "api-ms-win-core-1-1-0.dll" ->
 * "api-ms-win-core-1-1-0").  Returns the length written (< size), never more
 * than MALML_TOKEN_MAX.
 */
size_t malml_dll_token(const char* dll, size_t len, char* out, size_t size);

/*
 * Writes the import token "dll!function" or, when `function` is NULL,
 * "dll!#<ordinal>".  Returns its length.
 */
size_t malml_import_token(
    const char* dll,
    size_t dll_len,
    const char* function,
    size_t function_len,
    int64_t ordinal,
    char* out,
    size_t size);

/* Bucket of a token among `buckets` (the rule above). */
uint32_t malml_bucket(const char* token, size_t len, uint32_t buckets);

/* Bucket of a section name (the raw name bytes, at most 8, up to the first
 * NUL) among MALML_SECTION_NAME_BUCKETS: the one rule behind the section
 * slots' name_bucket, the sections.name_bucket bag and `malml score`'s
 * names. */
uint32_t malml_section_name_bucket(const char* name, size_t len);

#endif
