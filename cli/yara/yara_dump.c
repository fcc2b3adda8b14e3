#include "cli/yara/yara_dump.h"

#include <stdio.h>
#include <stdlib.h>

/* Binary strings (resource data, section names) are common in pe's object,
   and jansson takes only UTF-8. */
static json_t* dump_string(const SIZED_STRING* s)
{
  json_t* j = json_stringn(s->c_string, s->length);
  if (j != NULL)
    return j;
  char* buf = malloc(4 * (size_t) s->length + 1);
  if (buf == NULL)
    return NULL;
  size_t n = 0;
  for (uint32_t i = 0; i < s->length; i++)
  {
    unsigned char c = (unsigned char) s->c_string[i];
    if (c >= 32 && c <= 126 && c != '\\')
      buf[n++] = (char) c;
    else
      n += (size_t) sprintf(buf + n, "\\x%02x", c);
  }
  j = json_stringn(buf, n);
  free(buf);
  return j;
}

/* libyara keeps members newest first; declaration order reads better. */
static void dump_members(json_t* j, YR_STRUCTURE_MEMBER* m)
{
  if (m == NULL)
    return;
  dump_members(j, m->next);
  json_t* v = dump_object(m->object);
  if (v != NULL)
    json_object_set_new(j, m->object->identifier, v);
}

static json_t* dump_structure(YR_OBJECT* object)
{
  json_t* j = json_object();
  dump_members(j, object_as_structure(object)->members);
  return j;
}

/* Items never set are holes in YARA's arrays: null keeps the indexes. */
static json_t* dump_array(YR_OBJECT* object)
{
  json_t* j = json_array();
  YR_ARRAY_ITEMS* items = object_as_array(object)->items;
  for (int i = 0; items != NULL && i < items->length; i++)
  {
    json_t* v = items->objects[i] ? dump_object(items->objects[i]) : NULL;
    json_array_append_new(j, v != NULL ? v : json_null());
  }
  return j;
}

static json_t* dump_dictionary(YR_OBJECT* object)
{
  json_t* j = json_object();
  YR_DICTIONARY_ITEMS* items = object_as_dictionary(object)->items;
  for (int i = 0; items != NULL && i < items->used; i++)
  {
    json_t* v = dump_object(items->objects[i].obj);
    json_t* key = dump_string(items->objects[i].key);
    if (v != NULL && key != NULL)
      json_object_set_new(j, json_string_value(key), v);
    else
      json_decref(v);
    json_decref(key);
  }
  return j;
}

json_t* dump_object(YR_OBJECT* object)
{
  switch (object->type)
  {
  case OBJECT_TYPE_INTEGER:
    return object->value.i == YR_UNDEFINED ? NULL
                                           : json_integer(object->value.i);
  case OBJECT_TYPE_FLOAT:
    /* YR_UNDEFINED's bits read as a double are a NaN, as is a NaN set. */
    return object->value.d != object->value.d ? NULL
                                              : json_real(object->value.d);
  case OBJECT_TYPE_STRING:
    return object->value.ss == NULL ? NULL : dump_string(object->value.ss);
  case OBJECT_TYPE_STRUCTURE:
    return dump_structure(object);
  case OBJECT_TYPE_ARRAY:
    return dump_array(object);
  case OBJECT_TYPE_DICTIONARY:
    return dump_dictionary(object);
  }
  return NULL; /* functions */
}
