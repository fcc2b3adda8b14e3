/*
 * Private to yara: what an analyst sees of malml in a scan.  When the rules
 * import malml, the module's object of each scanned file is read once (at
 * CALLBACK_MSG_MODULE_IMPORTED, after module_load set it) into a summary:
 * the file's sha256, the six scores, the level and the model's identity.
 * The JSON output carries it as the file's "sha256" and "malml" members;
 * --print-scores prints it as one text line after each shown rule.  Files
 * scanned by rules that do not import malml never reach this code, so their
 * output stays YARA's, byte for byte.
 */
#ifndef MALML_YARA_MALML_H
#define MALML_YARA_MALML_H

#include <jansson.h>
#include <stdbool.h>
#include <yara.h>

#include "modules/malml/malml.h"

typedef struct
{
  bool valid;      /* read for this file */
  bool is_pe;      /* malml.is_pe; scores and level only when true */
  char sha256[65]; /* of the scanned bytes; "" for a process */
  double score[MALML_MODEL_COUNT]; /* indexed as malml_model_score_field */
  const char* level;               /* malml_level of malml.score */
  double familiarity;              /* malml.familiarity; NaN: undefined */
  double familiar;                 /* malml.threshold.familiar */
  char version[MALML_MODEL_MAX_VERSION + 1]; /* malml.model.version */
  char model_sha256[65];                     /* malml.model.sha256 */
} malml_summary;

/* Fills `out` from malml's module object; `data` (may be NULL, as for a
   process) is the scanned bytes, for the sha256. */
void malml_summary_read(
    YR_OBJECT* malml,
    const uint8_t* data,
    size_t size,
    malml_summary* out);

/* {"is_pe", "scores": {"score", "header_score", ...}, "level",
   "familiarity", "unlike_training_data", "model": {"version", "sha256"}};
   scores and level only for a PE, familiarity when the model has counts. */
json_t* malml_summary_json(const malml_summary* s);

/* "malml: score=0.999780 level=high model=VERSION" (no newline), or
   "malml: not a PE file model=VERSION". */
void malml_summary_text(const malml_summary* s, char* buf, size_t size);

#endif
