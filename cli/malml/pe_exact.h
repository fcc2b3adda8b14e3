/*
 * The exact values behind the header features that are pe's own integer
 * fields.  The feature vector holds float32, which rounds integers above
 * 2^24: a timestamp of 1630779072 reads back as 1630779136.  What an
 * analyst reads (malml score's explanations) must be what pe gives.
 */
#ifndef MALML_PE_EXACT_H
#define MALML_PE_EXACT_H

#include <yara/object.h>

#include "cli/common/features_json.h"
#include "modules/malml/malml.h"

/* exact[f] for each header feature f that is one of pe's integer fields
 * (pe.timestamp, pe.size_of_image, pe.checksum, pe.linker_version.major,
 * ...), read from the pe module object of the scan; NaN for the others
 * and for fields pe left undefined. */
void pe_exact_read(YR_OBJECT* pe, double exact[MALML_HEADER_END]);

/* The same header fields as int64, unrounded (pe_exact_read's doubles
 * round past 2^53), into exact, whose other entries are left as they are. */
void pe_exact_read_int(YR_OBJECT* pe, features_exact* exact);

/* pe's sections' raw and virtual sizes, unrounded, in the order the
 * module lists them (pe_view.c: items pe leaves NULL skipped, at most
 * MALML_PE_MAX_SECTIONS), for the entry section's sizes; their count. */
int pe_exact_read_sections(
    YR_OBJECT* pe,
    int64_t raw[MALML_PE_MAX_SECTIONS],
    int64_t virt[MALML_PE_MAX_SECTIONS]);

/* The other integer features the module keeps exact beside the vector
 * (malml_features: size_dif, stack_dif, heap_dif, overlay_size and the
 * .NET group's integers) into exact; known only where the vector has a
 * value too. */
void pe_exact_from_features(const malml_features* f, features_exact* exact);

/* Sets exact[] to NaN: no file's values. */
void pe_exact_clear(double exact[MALML_HEADER_END]);

#endif
