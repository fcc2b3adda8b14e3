/*
 * Private to yara: --output-format=json, one JSON object per scanned file on
 * one line:
 *
 *   {"path": "...", "matches": [{"rule": "r", "namespace": "default",
 *     "tags": ["t"], "meta": {"author": "x", "n": 1},
 *     "strings": [{"identifier": "$a", "offset": 16, "length": 5,
 *                  "data": "hello"}]}]}
 *
 * "matches" lists the rules the text output would print (so with -n the
 * rules that did not match); "strings" is there with -s or -L, "data" with
 * -s, rendered exactly as the text output renders it.  With -c the object
 * has "count" instead of "matches".  A file that could not be scanned has
 * "error" (YARA's message) and "error_code" (libyara's number); one whose
 * scanning process overran -a or crashed has "error" saying so and
 * "error_code" 26 (timeout) or 1 (anything else: libyara's fatal error).
 * A path that is not UTF-8 is written with U+FFFD for each invalid byte,
 * and its exact bytes in "path_bytes" (lower-case hex; path_json.h); other
 * text that is not UTF-8 (metadata, tags) with YARA's metadata escapes.
 * When the rules import malml the object also has "sha256" and "malml"
 * (yara_malml.h); with -D, "modules" (yara_dump.h).
 */
#ifndef MALML_YARA_JSON_H
#define MALML_YARA_JSON_H

#include <jansson.h>
#include <yara.h>

#include "cli/yara/yara_config.h"

/* A new reference to the match entry of one shown rule. */
json_t* json_rule(
    const yara_config* cfg,
    YR_SCAN_CONTEXT* context,
    const YR_RULE* rule);

/* A JSON string for `s`, escaped as -m escapes it when not UTF-8. */
json_t* json_text(const char* s);

/* Prints the line of a file whose scanning process was lost (supervise.h). */
void json_print_lost(const char* path, const char* why);

#endif
