#include "cli/common/path_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The length of the valid UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF, as jansson checks), or 0
 * when s[0] does not start one. */
static size_t utf8_length(const unsigned char* s)
{
  unsigned char c = s[0], lo = 0x80, hi = 0xBF;
  size_t n;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4;
  else
    return 0;
  /* The second byte's range is narrower after these leads. */
  if (c == 0xE0)
    lo = 0xA0;
  else if (c == 0xED)
    hi = 0x9F;
  else if (c == 0xF0)
    lo = 0x90;
  else if (c == 0xF4)
    hi = 0x8F;
  if (s[1] < lo || s[1] > hi)
    return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < 0x80 || s[i] > 0xBF)
      return 0; /* the terminating NUL stops here too */
  return n;
}

/* Writes the replaced text of s into out (room for 3 bytes per byte of s,
 * plus the NUL) when out is not NULL; returns the number of invalid bytes. */
static size_t replace_invalid(const char* s, char* out)
{
  const unsigned char* p = (const unsigned char*) s;
  size_t bad = 0;
  while (*p != '\0')
  {
    size_t n = utf8_length(p);
    if (n == 0)
    {
      bad++;
      if (out != NULL)
      {
        memcpy(out, "\xEF\xBF\xBD", 3); /* U+FFFD */
        out += 3;
      }
      p++;
      continue;
    }
    if (out != NULL)
    {
      memcpy(out, p, n);
      out += n;
    }
    p += n;
  }
  if (out != NULL)
    *out = '\0';
  return bad;
}

json_t* path_json_text(const char* s)
{
  if (replace_invalid(s, NULL) == 0)
    return json_string(s);
  char* text = malloc(3 * strlen(s) + 1);
  if (text == NULL)
    return NULL;
  replace_invalid(s, text);
  json_t* j = json_string(text);
  free(text);
  return j;
}

static json_t* hex_bytes(const char* s)
{
  static const char digits[] = "0123456789abcdef";
  size_t n = strlen(s);
  char* hex = malloc(2 * n + 1);
  if (hex == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++)
  {
    unsigned char c = (unsigned char) s[i];
    hex[2 * i] = digits[c >> 4];
    hex[2 * i + 1] = digits[c & 15];
  }
  hex[2 * n] = '\0';
  json_t* j = json_string(hex);
  free(hex);
  return j;
}

int path_json_set(json_t* obj, const char* path)
{
  if (json_object_set_new(obj, "path", path_json_text(path)) != 0)
    return -1;
  if (replace_invalid(path, NULL) == 0)
    return 0;
  return json_object_set_new(obj, "path_bytes", hex_bytes(path));
}

int path_json_print_line(json_t* obj, int precision)
{
  size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(precision);
  char* text = obj != NULL ? json_dumps(obj, flags) : NULL;
  json_decref(obj);
  if (text == NULL)
  {
    fputs("its JSON line could not be made (out of memory)", stderr);
    return -1;
  }
  printf("%s\n", text);
  free(text);
  return 0;
}

int path_json_print_error(const char* path, const char* why)
{
  json_t* obj = json_object();
  /* why may carry a worker's stderr: made UTF-8 as the path is. */
  json_t* text = path_json_text(why);
  if (obj == NULL || text == NULL || path_json_set(obj, path) != 0 ||
      json_object_set(obj, "error", text) != 0)
  {
    json_decref(obj);
    obj = NULL;
  }
  json_decref(text);
  return path_json_print_line(obj, 9);
}
