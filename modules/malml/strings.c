/*
 * Strings features: counts of printable runs and of what they name (URLs,
 * registry keys, paths, commands...), embedded PE headers and long base64 or
 * hex runs.  The byte loop only tracks run boundaries and character classes;
 * a finished run is examined once, and only for the patterns its classes
 * make possible, because a 2 MiB binary holds tens of thousands of runs.
 */
#include "strings.h"

#include <string.h>

enum
{
  C_PRINT = 1 << 0,
  C_UPPER = 1 << 1,
  C_LOWER = 1 << 2,
  C_DIGIT = 1 << 3,
  C_B64 = 1 << 4, /* A-Z a-z 0-9 + / = */
  C_HEX = 1 << 5,
  C_COLON = 1 << 6,
  C_SLASH = 1 << 7,
  C_BSLASH = 1 << 8,
  C_DOT = 1 << 9,
  C_PERCENT = 1 << 10,
  C_SPACE = 1 << 11,
  C_UNDERSCORE = 1 << 12,
};

static uint16_t classes[256];

/* Builds the class table on first use; idempotent, so a race between two
 * threads writes the same values (and malml_strings_init runs it under
 * module_initialize first anyway). */
static void classes_init(void)
{
  if (classes['a'] != 0)
    return;
  for (int c = 0; c < 256; c++)
  {
    uint16_t k = 0;
    if ((c >= 0x20 && c < 0x7f) || c == '\t')
      k |= C_PRINT;
    if (c >= 'A' && c <= 'Z')
      k |= C_UPPER | C_B64;
    if (c >= 'a' && c <= 'z')
      k |= C_LOWER | C_B64;
    if (c >= '0' && c <= '9')
      k |= C_DIGIT | C_B64 | C_HEX;
    if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
      k |= C_HEX;
    if (c == '+' || c == '/' || c == '=')
      k |= C_B64;
    if (c == ':')
      k |= C_COLON;
    if (c == '/')
      k |= C_SLASH;
    if (c == '\\')
      k |= C_BSLASH;
    if (c == '.')
      k |= C_DOT;
    if (c == '%')
      k |= C_PERCENT;
    if (c == ' ')
      k |= C_SPACE;
    if (c == '_')
      k |= C_UNDERSCORE;
    classes[c] = k;
  }
}

void malml_strings_init(malml_strings* s, const uint8_t* data, size_t size)
{
  classes_init();
  memset(s, 0, sizeof(*s));
  s->data = data;
  s->size = size;
  s->run_and = ~0u;
}

/* Case-insensitive search for a lower-case needle. */
static int contains(const char* text, size_t len, const char* needle)
{
  size_t n = strlen(needle);
  if (n > len)
    return 0;
  for (size_t i = 0; i + n <= len; i++)
  {
    size_t k = 0;
    while (k < n)
    {
      char c = text[i + k];
      if (c >= 'A' && c <= 'Z')
        c = (char) (c - 'A' + 'a');
      if (c != needle[k])
        break;
      k++;
    }
    if (k == n)
      return 1;
  }
  return 0;
}

static int contains_any(const char* text, size_t len, const char* const* list)
{
  for (; *list != NULL; list++)
    if (contains(text, len, *list))
      return 1;
  return 0;
}

/* A dotted quad of 1-3 digit numbers, each <= 255. */
static int has_ipv4(const char* t, size_t len)
{
  for (size_t i = 0; i < len; i++)
  {
    if (i > 0 && ((t[i - 1] >= '0' && t[i - 1] <= '9') || t[i - 1] == '.'))
      continue;
    size_t p = i;
    int parts = 0;
    while (parts < 4)
    {
      int digits = 0, value = 0;
      while (p < len && t[p] >= '0' && t[p] <= '9' && digits < 4)
        value = value * 10 + (t[p++] - '0'), digits++;
      if (digits == 0 || digits > 3 || value > 255)
        break;
      if (++parts == 4)
        return p >= len || !(t[p] >= '0' && t[p] <= '9');
      if (p >= len || t[p] != '.')
        break;
      p++;
    }
  }
  return 0;
}

/* Names of APIs that loaders, injectors and droppers resolve by name. */
static const char* const api_names[] = {
    "virtualalloc",      "virtualprotect",      "getprocaddress",
    "loadlibrary",       "createremotethread",  "writeprocessmemory",
    "readprocessmemory", "isdebuggerpresent",   "shellexecute",
    "winexec",           "urldownloadtofile",   "internetopen",
    "cryptencrypt",      "setwindowshookex",    "regsetvalue",
    "adjusttokenprivileges", "ntunmapviewofsection", "queueuserapc",
    NULL};

static const char* const exe_suffixes[] = {
    ".exe", ".dll", ".scr", ".bat", ".ps1", ".vbs", ".cmd", ".sys", NULL};
static const char* const shell_words[] = {
    "cmd.exe", "cmd /c", "powershell", "rundll32", "regsvr32", "schtasks",
    "wscript", "bcdedit", "vssadmin", NULL};
static const char* const registry_words[] = {
    "hkey_", "hklm\\", "hkcu\\", "software\\", "system\\currentcontrolset",
    NULL};
static const char* const path_words[] = {
    ":\\", "\\\\", "%appdata%", "%temp%", "%systemroot%", "%programdata%",
    "\\system32", NULL};

static void analyse(
    malml_strings* s,
    const char* t,
    size_t len,
    uint32_t or_bits,
    uint32_t and_bits)
{
  malml_strings_stats* st = &s->stats;
  st->total_length += len;
  if (len > st->max_length)
    st->max_length = len;

  if ((or_bits & (C_COLON | C_SLASH)) == (C_COLON | C_SLASH) &&
      (contains(t, len, "http://") || contains(t, len, "https://") ||
       contains(t, len, "ftp://")))
    st->urls++;
  if ((or_bits & (C_DOT | C_DIGIT)) == (C_DOT | C_DIGIT) && has_ipv4(t, len))
    st->ipv4++;
  if ((or_bits & (C_UNDERSCORE | C_BSLASH)) &&
      contains_any(t, len, registry_words))
    st->registry++;
  if ((or_bits & C_BSLASH) && contains(t, len, "currentversion\\run"))
    st->run_keys++;
  if ((or_bits & (C_BSLASH | C_PERCENT)) && contains_any(t, len, path_words))
    st->paths++;
  if (or_bits & C_DOT)
  {
    if (contains_any(t, len, exe_suffixes))
      st->exe_names++;
    if (contains(t, len, ".pdb"))
      st->pdb_paths++;
  }
  if ((or_bits & (C_DOT | C_SPACE)) || len >= 8)
  {
    if ((or_bits & (C_DOT | C_SPACE | C_LOWER)) && contains_any(t, len, shell_words))
      st->shell_commands++;
  }
  if ((or_bits & C_SLASH) && contains(t, len, "mozilla/"))
    st->user_agents++;
  if (len <= 40 && (or_bits & C_UPPER) && !(or_bits & C_SPACE) &&
      contains_any(t, len, api_names))
    st->api_names++;
  if (or_bits & C_SPACE)
  {
    if (len >= 25 && contains(t, len, "cannot be run in dos mode"))
      st->dos_stubs++;
    if (contains(t, len, "go build id:"))
      st->markers |= MALML_MARK_GO;
    if (contains(t, len, "inno setup"))
      st->markers |= MALML_MARK_INNO;
    if (contains(t, len, "mingw-w64 runtime failure") ||
        contains(t, len, "gcc: ("))
      st->markers |= MALML_MARK_MINGW;
  }
  if (contains(t, len, "nullsoft"))
    st->markers |= MALML_MARK_NSIS;
  if ((or_bits & C_UPPER) &&
      (contains(t, len, "embarcadero") || contains(t, len, "borland")))
    st->markers |= MALML_MARK_DELPHI;

  const uint32_t mixed = C_UPPER | C_LOWER | C_DIGIT;
  if (len >= 40 && (and_bits & C_B64) && (or_bits & mixed) == mixed)
    st->base64_runs++;
  if (len >= 32 && (and_bits & C_HEX) && (or_bits & C_DIGIT) &&
      (or_bits & (C_UPPER | C_LOWER)))
    st->hex_runs++;
}

static void end_ascii_run(malml_strings* s)
{
  if (s->run_len >= MALML_MIN_STRING)
  {
    s->stats.strings++;
    s->stats.printable_bytes += s->run_len;
    analyse(
        s,
        (const char*) s->data + s->run_start,
        s->run_len,
        s->run_or,
        s->run_and);
  }
  s->run_len = 0;
  s->run_or = 0;
  s->run_and = ~0u;
}

/* Copies a UTF-16LE run's low bytes out (at most 1 KiB of it) to examine. */
static void end_wide_run(malml_strings* s)
{
  if (s->wide_len >= MALML_MIN_STRING)
  {
    char text[1024];
    uint32_t or_bits = 0, and_bits = ~0u;
    size_t n = s->wide_len < sizeof(text) ? s->wide_len : sizeof(text);
    for (size_t i = 0; i < n; i++)
    {
      text[i] = (char) s->data[s->wide_start + 2 * i];
      or_bits |= classes[(uint8_t) text[i]];
      and_bits &= classes[(uint8_t) text[i]];
    }
    s->stats.wide_strings++;
    analyse(s, text, n, or_bits, and_bits);
  }
  s->wide_len = 0;
  s->wide_phase = 0;
}

/* "MZ" at `at`, whose e_lfanew points at "PE\0\0" inside the file. */
static int is_embedded_pe(const malml_strings* s, size_t at)
{
  if (at == 0 || s->size - at < 0x40)
    return 0;
  const uint8_t* p = s->data + at;
  uint32_t lfanew = (uint32_t) p[0x3c] | (uint32_t) p[0x3d] << 8 |
                    (uint32_t) p[0x3e] << 16 | (uint32_t) p[0x3f] << 24;
  if (lfanew > s->size - at || s->size - at - lfanew < 4)
    return 0;
  return memcmp(p + lfanew, "PE\0\0", 4) == 0;
}

static void wide_step(malml_strings* s, size_t i, uint8_t c, uint16_t k)
{
  if (s->wide_phase)
  {
    if (c == 0)
    {
      s->wide_len++;
      s->wide_phase = 0;
      return;
    }
    end_wide_run(s);
  }
  if (k & C_PRINT)
  {
    if (s->wide_len == 0)
      s->wide_start = i;
    s->wide_phase = 1;
  }
  else if (s->wide_len > 0)
    end_wide_run(s);
}

void malml_strings_feed(malml_strings* s, size_t begin, size_t end)
{
  const uint8_t* d = s->data;
  for (size_t i = begin; i < end; i++)
  {
    uint8_t c = d[i];
    uint16_t k = classes[c];
    if (k & C_PRINT)
    {
      if (s->run_len++ == 0)
        s->run_start = i;
      s->run_or |= k;
      s->run_and &= k;
    }
    else if (s->run_len > 0)
      end_ascii_run(s);
    if (c == 'M' && i + 1 < s->size && d[i + 1] == 'Z' && is_embedded_pe(s, i))
      s->stats.embedded_pe++;
    if (s->wide_phase || (k & C_PRINT) || s->wide_len > 0)
      wide_step(s, i, c, k);
  }
}

void malml_strings_finish(malml_strings* s)
{
  if (s->run_len > 0)
    end_ascii_run(s);
  if (s->wide_phase)
    s->wide_phase = 0;
  if (s->wide_len > 0)
    end_wide_run(s);
}
