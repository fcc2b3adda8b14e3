/*
 * Module-internal header (programs include modules/malml/malml.h): what
 * schema 2 adds to the header and imports groups from the field's reference
 * feature sets (EMBER's): the DOS header, data directories present, the
 * Rich header's tool entries, an Authenticode summary, header fields that
 * disagree with the file, and export names.
 */
#ifndef MALML_PE_EXTRAS_H
#define MALML_PE_EXTRAS_H

#include <stddef.h>
#include <stdint.h>
#include <yara/object.h>

#include "modules/malml/features/pe_view.h"

/* dos_e_cblp .. dos_reserved_nonzero from the first 64 bytes of `data`
 * (all missing when the file is shorter). */
void malml_fill_dos_header(const uint8_t* data, size_t size, float* v);

/* dir_present[i]: 1 when data directory i has a nonzero virtual address. */
void malml_fill_directories(const malml_pe* p, float* v);

/* headers_size_mismatch and image_size_mismatch (see docs/features.md);
 * e_lfanew is read from data[60..64). */
void malml_fill_header_anomalies(
    const malml_pe* p,
    const uint8_t* data,
    size_t size,
    float* v);

/* The Authenticode summary from pe.signatures (pe 4.2 gives the
 * certificates, not a verification): self_signed_certificates,
 * timestamp_in_certificate_validity, max_certificate_validity_days. */
void malml_fill_signatures(YR_OBJECT* pe, const malml_pe* p, float* v);

/* The bags: rich_bucket[] (each Rich header entry of
 * pe.rich_signature.clear_data as the token "prodid:build", adding its use
 * count) and export_bucket[] (each named export, pe.export_details[i].name,
 * adding 1); and exports_by_ordinal_only. */
void malml_fill_bags(YR_OBJECT* pe, float* v);

/* Walks the two bags exactly as malml_fill_bags counts them: the feature
 * index each token adds `weight` to (used by `malml score` to name hashed
 * features). */
typedef void (*malml_extra_token_fn)(
    void* ctx,
    int feature,
    const char* token,
    size_t len,
    double weight);
void malml_extra_tokens(YR_OBJECT* pe, malml_extra_token_fn fn, void* ctx);

#endif
