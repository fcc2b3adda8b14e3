/*
 * Reads YARA module objects (pe's, dotnet's) member by member.
 */
#include "modules/malml/features/object_read.h"

#include <string.h>
#include <yara/modules.h>

/* YARA's own path lookup takes printf-like patterns it parses itself, so a
 * path cannot be passed through "%s"; walking members is also cheaper. */
int64_t malml_obj_int(YR_OBJECT* obj, const char* path)
{
  char part[64];
  while (obj != NULL && *path != '\0')
  {
    size_t n = strcspn(path, ".");
    if (n >= sizeof(part))
      return MALML_MISSING;
    memcpy(part, path, n);
    part[n] = '\0';
    obj = obj->type == OBJECT_TYPE_STRUCTURE ? yr_object_lookup_field(obj, part)
                                             : NULL;
    path += n + (path[n] == '.');
  }
  if (obj == NULL || obj->type != OBJECT_TYPE_INTEGER ||
      obj->value.i == (int64_t) YR_UNDEFINED)
    return MALML_MISSING;
  return obj->value.i;
}

int64_t malml_obj_member_int(YR_OBJECT* st, const char* field)
{
  YR_OBJECT* o = st ? yr_object_lookup_field(st, field) : NULL;
  if (o == NULL || o->type != OBJECT_TYPE_INTEGER ||
      o->value.i == (int64_t) YR_UNDEFINED)
    return MALML_MISSING;
  return o->value.i;
}

SIZED_STRING* malml_obj_str(YR_OBJECT* o)
{
  return (o != NULL && o->type == OBJECT_TYPE_STRING) ? o->value.ss : NULL;
}

SIZED_STRING* malml_obj_member_str(YR_OBJECT* st, const char* field)
{
  return malml_obj_str(st ? yr_object_lookup_field(st, field) : NULL);
}

int malml_obj_array(YR_OBJECT* st, const char* field, YR_OBJECT** array)
{
  *array = st ? yr_object_lookup_field(st, field) : NULL;
  if (*array == NULL || (*array)->type != OBJECT_TYPE_ARRAY)
    return 0;
  return yr_object_array_length(*array);
}
