/*
 * A file's name in the programs' JSON lines (`malml features`, `malml score
 * -j`, `yara --output-format=json`).
 *
 * A name is bytes; a JSON string is Unicode, and jansson refuses text that
 * is not UTF-8 (a line whose path it refused used to vanish).  So "path" is
 * the name as UTF-8 with each byte that is not part of a valid UTF-8
 * sequence replaced by U+FFFD, readable but not always unique; and when,
 * and only when, the name is not valid UTF-8, "path_bytes" holds its exact
 * bytes in lower-case hex, from which a tool recovers the name.
 */
#ifndef MALML_PATH_JSON_H
#define MALML_PATH_JSON_H

#include <jansson.h>

/* Sets "path" (and "path_bytes" when needed) in obj; returns 0, or -1 out
 * of memory. */
int path_json_set(json_t* obj, const char* path);

/* A new JSON string of `s` with each byte that is not part of valid UTF-8
 * replaced by U+FFFD; NULL out of memory. */
json_t* path_json_text(const char* s);

/* Prints obj (may be NULL: out of memory) as one compact JSON line with
 * `precision` digits for reals and releases it; returns 0, or -1 with the
 * reason on stderr when the line could not be made, so no file's line is
 * left out silently. */
int path_json_print_line(json_t* obj, int precision);

/* Prints {"path", ["path_bytes"], "error": why} for a file that could not
 * be read or scanned, as yara's JSON and the Python package do; returns
 * as path_json_print_line. */
int path_json_print_error(const char* path, const char* why);

#endif
