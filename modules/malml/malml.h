/*
 * malml's public header: the one header programs (cli/, model/train/, tests
 * of behaviour) include.  The headers under features/ and model/ are the
 * module's internals; this one names what outside code may use:
 *
 *   features/schema.h    the feature vector's layout: MALML_FEATURE_COUNT
 *                        floats in five groups, names, schema version/hash
 *   features/features.h  malml_features (one scanned file's vector, NaN =
 *                        missing) and malml_import_tokens (the import walk)
 *   features/tokens.h    malml_bucket / malml_section_name_bucket: the
 *                        token -> bucket rule of docs/features.md
 *   model/model.h        the model file format: load, score, thresholds
 *   model/scoring.h      the model a scan uses (-x malml=FILE, the default)
 *
 * Errors: at the YARA boundary (module callbacks, malml_scoring_model) the
 * functions return YARA's ERROR_* codes; everywhere else 0 means success
 * and -1 failure, with the reason written into a caller's buffer or a
 * static string (DESIGN.md, "Errors").
 */
#ifndef MALML_H
#define MALML_H

#include "modules/malml/features/features.h"
#include "modules/malml/features/schema.h"
#include "modules/malml/features/tokens.h"
#include "modules/malml/model/model.h"
#include "modules/malml/model/scoring.h"

/* Why malml's module_load stopped the last scan on this thread, or NULL,
 * and forgets it (so a later scan that fails before malml loads is not
 * given this reason: programs call it after every scan).  Set when
 * module_load returned ERROR_SCAN_TIMEOUT without loading pe because pe's
 * resource walk would not finish (features/pe_gate.h); reset by each load.
 * Programs add it to their "timed out" message for the file.  Not in
 * libyara.so.9, which exports the system library's symbols only. */
const char* malml_scan_refusal_take(void);

#endif
