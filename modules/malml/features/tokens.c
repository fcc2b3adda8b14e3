/*
 * Tokens and buckets for the hashed bags of words (imports, dlls, sections).
 */
#define OPENSSL_API_COMPAT 0x10100000L /* MD5(): see malml_bucket */
#include "modules/malml/features/tokens.h"
#include "modules/malml/features/schema.h"

#include <openssl/md5.h>
#include <stdio.h>
#include <string.h>

static char lower_ascii(char c)
{
  return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

size_t malml_lower_token(const char* s, size_t len, char* out)
{
  size_t n = len < MALML_TOKEN_MAX ? len : MALML_TOKEN_MAX;
  for (size_t i = 0; i < n; i++) out[i] = lower_ascii(s[i]);
  return n;
}

size_t malml_dll_token(const char* dll, size_t len, char* out, size_t size)
{
  size_t keep = len;
  for (size_t i = len; i > 0; i--)
  {
    if (dll[i - 1] == '.')
    {
      keep = i - 1;
      break;
    }
  }
  if (keep > MALML_TOKEN_MAX)
    keep = MALML_TOKEN_MAX;
  if (size == 0)
    return 0;
  if (keep > size - 1)
    keep = size - 1;
  for (size_t i = 0; i < keep; i++) out[i] = lower_ascii(dll[i]);
  out[keep] = '\0';
  return keep;
}

size_t malml_import_token(
    const char* dll,
    size_t dll_len,
    const char* function,
    size_t function_len,
    int64_t ordinal,
    char* out,
    size_t size)
{
  size_t n = malml_dll_token(dll, dll_len, out, size);
  if (n + 2 >= size)
    return n;
  out[n++] = '!';
  if (function == NULL)
  {
    int w = snprintf(out + n, size - n, "#%lld", (long long) ordinal);
    n = (w > 0 && (size_t) w < size - n) ? n + (size_t) w : size - 1;
  }
  else
  {
    size_t keep =
        function_len < MALML_TOKEN_MAX ? function_len : MALML_TOKEN_MAX;
    if (keep > size - 1 - n)
      keep = size - 1 - n;
    memcpy(out + n, function, keep);
    n += keep;
  }
  out[n] = '\0';
  return n;
}

/*
 * MD5 through the one-shot MD5() call: tokens are short and a scan hashes a
 * few hundred of them, where EVP's per-call context set-up would cost more
 * than the digest (OpenSSL 3 marks MD5() deprecated, but keeps it).
 */
uint32_t malml_bucket(const char* token, size_t len, uint32_t buckets)
{
  unsigned char md[MD5_DIGEST_LENGTH];
  MD5((const unsigned char*) token, len, md);
  uint32_t v = (uint32_t) md[0] | (uint32_t) md[1] << 8 |
               (uint32_t) md[2] << 16 | (uint32_t) md[3] << 24;
  return v % buckets;
}

uint32_t malml_section_name_bucket(const char* name, size_t len)
{
  return malml_bucket(name, len, MALML_SECTION_NAME_BUCKETS);
}
