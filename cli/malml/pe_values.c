#include "cli/malml/pe_values.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct
{
  uint64_t value;
  const char* name;
} named;

/* pefile's MACHINE_TYPE names without the IMAGE_FILE_MACHINE_ prefix. */
static const named machines[] = {
    {0x14c, "I386"},
    {0x8664, "AMD64"},
    {0xaa64, "ARM64"},
    {0x1c0, "ARM"},
    {0x1c4, "ARMNT"},
    {0x200, "IA64"},
    {0x166, "R4000"},
    {0x1f0, "POWERPC"},
    {0xebc, "EBC"},
    {0x5064, "RISCV64"},
    {0, NULL}};

static const named file_flags[] = {
    {0x0001, "RELOCS_STRIPPED"},
    {0x0002, "EXECUTABLE_IMAGE"},
    {0x0004, "LINE_NUMS_STRIPPED"},
    {0x0008, "LOCAL_SYMS_STRIPPED"},
    {0x0010, "AGGRESIVE_WS_TRIM"},
    {0x0020, "LARGE_ADDRESS_AWARE"},
    {0x0080, "BYTES_REVERSED_LO"},
    {0x0100, "32BIT_MACHINE"},
    {0x0200, "DEBUG_STRIPPED"},
    {0x0400, "REMOVABLE_RUN_FROM_SWAP"},
    {0x0800, "NET_RUN_FROM_SWAP"},
    {0x1000, "SYSTEM"},
    {0x2000, "DLL"},
    {0x4000, "UP_SYSTEM_ONLY"},
    {0x8000, "BYTES_REVERSED_HI"},
    {0, NULL}};

static const named dll_flags[] = {
    {0x0020, "HIGH_ENTROPY_VA"},
    {0x0040, "DYNAMIC_BASE"},
    {0x0080, "FORCE_INTEGRITY"},
    {0x0100, "NX_COMPAT"},
    {0x0200, "NO_ISOLATION"},
    {0x0400, "NO_SEH"},
    {0x0800, "NO_BIND"},
    {0x1000, "APPCONTAINER"},
    {0x2000, "WDM_DRIVER"},
    {0x4000, "GUARD_CF"},
    {0x8000, "TERMINAL_SERVER_AWARE"},
    {0, NULL}};

static const named subsystems[] = {
    {1, "NATIVE"},
    {2, "WINDOWS_GUI"},
    {3, "WINDOWS_CUI"},
    {5, "OS2_CUI"},
    {7, "POSIX_CUI"},
    {9, "WINDOWS_CE_GUI"},
    {10, "EFI_APPLICATION"},
    {11, "EFI_BOOT_SERVICE_DRIVER"},
    {12, "EFI_RUNTIME_DRIVER"},
    {13, "EFI_ROM"},
    {14, "XBOX"},
    {16, "WINDOWS_BOOT_APPLICATION"},
    {0, NULL}};

static const char* name_of(const named* t, uint64_t v)
{
  for (; t->name != NULL; t++)
    if (t->value == v)
      return t->name;
  return NULL;
}

void pe_machine_text(uint64_t machine, char* buf, size_t n)
{
  const char* name = name_of(machines, machine);
  if (name != NULL)
    snprintf(buf, n, "0x%llx (%s)", (unsigned long long) machine, name);
  else
    snprintf(buf, n, "0x%llx", (unsigned long long) machine);
}

void pe_flags_text(uint64_t flags, int dll, char* buf, size_t n)
{
  const named* t = dll ? dll_flags : file_flags;
  int len = snprintf(buf, n, "0x%llx", (unsigned long long) flags);
  const char* sep = " (";
  for (; t->name != NULL && len > 0 && (size_t) len < n; t++)
  {
    if ((flags & t->value) == 0)
      continue;
    len += snprintf(buf + len, n - (size_t) len, "%s%s", sep, t->name);
    sep = "|";
  }
  if (sep[0] == '|' && (size_t) len < n)
    snprintf(buf + len, n - (size_t) len, ")");
}

void pe_subsystem_text(uint64_t subsystem, char* buf, size_t n)
{
  const char* name = name_of(subsystems, subsystem);
  if (name != NULL)
    snprintf(buf, n, "%llu (%s)", (unsigned long long) subsystem, name);
  else
    snprintf(buf, n, "%llu", (unsigned long long) subsystem);
}

void pe_timestamp_text(int64_t timestamp, char* buf, size_t n)
{
  time_t t = (time_t) timestamp;
  struct tm tm;
  char date[32];
  if (timestamp == 0)
    snprintf(buf, n, "0 (not set)");
  else if (
      gmtime_r(&t, &tm) != NULL &&
      strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", &tm) > 0)
    snprintf(buf, n, "%lld (%s)", (long long) timestamp, date);
  else
    snprintf(buf, n, "%lld", (long long) timestamp);
}
