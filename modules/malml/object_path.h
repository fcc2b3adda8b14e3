/*
 * Setting (or reading) a module field whose path is not a string literal (it
 * comes from one of malml's own name tables).  yr_object_set_* take a path, not
 * a printf format: only "[%i]" and "[%s]" subscripts are substituted, so
 * "threshold.%s" would name a field called "%s".  Passing the path itself
 * is right, and calling through a plain pointer keeps -Wformat-security
 * from reading it as a format.
 */
#ifndef MALML_OBJECT_PATH_H
#define MALML_OBJECT_PATH_H

#include <yara/object.h>

static inline int
malml_set_float_at(YR_OBJECT* object, const char* path, double value)
{
  int (*set)(double, YR_OBJECT*, const char*, ...) = yr_object_set_float;
  return set(value, object, path);
}

static inline int
malml_set_integer_at(YR_OBJECT* object, const char* path, int64_t value)
{
  int (*set)(int64_t, YR_OBJECT*, const char*, ...) = yr_object_set_integer;
  return set(value, object, path);
}

/* The same for reading a field by a path that is not a literal. */
static inline double malml_get_float_at(YR_OBJECT* object, const char* path)
{
  double (*get)(YR_OBJECT*, const char*, ...) = yr_object_get_float;
  return get(object, path);
}

static inline SIZED_STRING* malml_get_string_at(
    YR_OBJECT* object,
    const char* path)
{
  SIZED_STRING* (*get)(YR_OBJECT*, const char*, ...) = yr_object_get_string;
  return get(object, path);
}

#endif
