/*
 * Private to yara: -D with --output-format=json.  A module's object as JSON,
 * as YARA-X's `yr dump` shows it: a structure is an object, an array an
 * array, a dictionary an object keyed by its keys; integers, floats and
 * strings as themselves (strings that are not UTF-8 with "\xNN" escapes for
 * bytes outside 32..126).  Undefined values and functions are left out, so
 * every member present is a value a rule would read as defined.
 */
#ifndef MALML_YARA_DUMP_H
#define MALML_YARA_DUMP_H

#include <jansson.h>
#include <yara.h>

/* A new JSON value for `object`, or NULL when it is undefined or a
   function. */
json_t* dump_object(YR_OBJECT* object);

#endif
