/*
 * Private to yara: what an analyst sees of malml in a scan.  When the rules
 * import malml, the module's object of each scanned file is read once (at
 * CALLBACK_MSG_MODULE_IMPORTED, after module_load set it) into a summary:
 * the file's sha256, the scores, the thresholds and the model's identity.
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

#include "cli/common/malml_result.h"
#include "modules/malml/malml.h"

typedef struct
{
  bool valid;      /* read for this file */
  char sha256[65]; /* of the scanned bytes; "" for a process */
  malml_result r;  /* the module's fields (cli/common/malml_result.h) */
} malml_summary;

/* Fills `out` from malml's module object; `data` (may be NULL, as for a
   process) is the scanned bytes, for the sha256. */
void malml_summary_read(
    YR_OBJECT* malml,
    const uint8_t* data,
    size_t size,
    malml_summary* out);

/* The "malml" member: malml_result_json (docs/results.md). */
json_t* malml_summary_json(const malml_summary* s);

/* "malml: score=0.999780 level=high model=VERSION" (no newline), or
   "malml: not a PE file model=VERSION". */
void malml_summary_text(const malml_summary* s, char* buf, size_t size);

#endif
