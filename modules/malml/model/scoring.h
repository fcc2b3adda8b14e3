/*
 * Module-internal header (programs include modules/malml/malml.h): the scoring
 * side of the malml module: which model a scan uses (the compiled-in default,
 * or the bytes of `yara -x malml=FILE`, parsed once per run) and the
 * rule-visible score fields it sets.
 */
#ifndef MALML_SCORING_H
#define MALML_SCORING_H

#include <stddef.h>
#include <yara/object.h>

#include "modules/malml/features/features.h"
#include "modules/malml/model/model.h"

/*
 * The model for a scan: the one parsed from module_data (cached by buffer
 * address, size and trailing checksum, so a run parses its -x FILE once, not
 * per scanned file), or the default model when module_data is NULL.  Returns
 * ERROR_SUCCESS with *model possibly NULL (no default model), or
 * ERROR_INVALID_MODULE_DATA when module_data is not a valid model; the reason
 * is then available from malml_module_data_error.  Thread-safe.
 */
int malml_scoring_model(
    const void* module_data,
    size_t module_data_size,
    const malml_model** model);

/* Sets score, the five group scores (PE input only), threshold.* and
 * model.* from `model` (nothing when it is NULL). */
void malml_scoring_set(
    YR_OBJECT* module_object,
    const malml_model* model,
    const malml_features* f);

/* Copies the reason the last rejected module data was refused into buf;
 * returns 0, or -1 when no module data has been refused. */
int malml_module_data_error(char* buf, size_t size);

/* Frees the cached models and the default model (module_finalize). */
void malml_scoring_finalize(void);

#endif
