/*
 * Module-internal header: reading the objects of YARA's own modules (pe,
 * dotnet) member by member.  Arrays are walked item by item, since
 * formatting a path per item costs more than the item (pe's imports hold
 * thousands in some files).
 */
#ifndef MALML_OBJECT_READ_H
#define MALML_OBJECT_READ_H

#include <stdint.h>
#include <yara/exec.h> /* YR_UNDEFINED */
#include <yara/object.h>

/* An integer the module left undefined: YARA's own sentinel, so that a
 * hostile header's INT64_MIN (a PE32+ reserve of 2^63) stays a value, as it
 * is to rules, and only what YARA calls undefined is missing here too. */
#define MALML_MISSING ((int64_t) YR_UNDEFINED)

/* Integer at a dotted path of plain members ("linker_version.major") below
 * obj, or MALML_MISSING. */
int64_t malml_obj_int(YR_OBJECT* obj, const char* path);

/* Integer member `field` of structure `st` (may be NULL), or MALML_MISSING. */
int64_t malml_obj_member_int(YR_OBJECT* st, const char* field);

/* The string of a string object (an array item), or NULL. */
SIZED_STRING* malml_obj_str(YR_OBJECT* o);

/* String member `field` of structure `st` (may be NULL), or NULL. */
SIZED_STRING* malml_obj_member_str(YR_OBJECT* st, const char* field);

/* The array member `field` of `st` into *array and its length; 0 (and
 * *array NULL or not an array) when there is none. */
int malml_obj_array(YR_OBJECT* st, const char* field, YR_OBJECT** array);

#endif
