/* Fixture: a console program with the traits malml's strings and imports
 * groups look for (URL, registry run key, paths, shell command, APIs by
 * name).  Built by tests/make-fixtures.sh; never run. */
#include <windows.h>
#include <stdio.h>

static const char* url = "http://update.example.invalid/payload.bin";
static const char* runkey =
    "Software\\Microsoft\\Windows\\CurrentVersion\\Run";
static const char* drop = "C:\\Users\\Public\\svchost.exe";
static const char* cmd = "cmd.exe /c whoami";
static const char* blob =
    "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

int main(void)
{
  void* p = VirtualAlloc(NULL, 4096, MEM_COMMIT, PAGE_READWRITE);
  HMODULE k = LoadLibraryA("kernel32.dll");
  FARPROC f = GetProcAddress(k, "WinExec");
  printf("%s %s %s %s %s %p %p\n", url, runkey, drop, cmd, blob, p, (void*) f);
  return 0;
}
