/*
 * The exact values behind the header features that are pe's own integer
 * fields.  The feature vector holds float32, which rounds integers above
 * 2^24: a timestamp of 1630779072 reads back as 1630779136.  What an
 * analyst reads (malml score's explanations) must be what pe gives.
 */
#ifndef MALML_PE_EXACT_H
#define MALML_PE_EXACT_H

#include <yara/object.h>

#include "modules/malml/malml.h"

/* exact[f] for each header feature f that is one of pe's integer fields
 * (pe.timestamp, pe.size_of_image, pe.checksum, pe.linker_version.major,
 * ...), read from the pe module object of the scan; NaN for the others
 * and for fields pe left undefined. */
void pe_exact_read(YR_OBJECT* pe, double exact[MALML_HEADER_END]);

/* The other integer features the module keeps exact beside the vector
 * (malml_features: size_dif, stack_dif, heap_dif, overlay_size and the
 * .NET group's integers) into exact[MALML_FEATURE_COUNT]; the header
 * entries are left as they are (pe_exact_read sets them) and the rest are
 * NaN.  A value is only given where the vector has one too. */
void pe_exact_from_features(
    const malml_features* f,
    double exact[MALML_FEATURE_COUNT]);

/* Sets exact[] to NaN: no file's values. */
void pe_exact_clear(double exact[MALML_HEADER_END]);

#endif
