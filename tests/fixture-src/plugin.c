/* Fixture: a DLL with exports and imports by ordinal (ws2_32!#115 is
 * WSAStartup and #116 WSACleanup, bound by ordinal through ws2ord.def). */
#include <winsock2.h>
#include <windows.h>

__declspec(dllexport) int plugin_add(int a, int b)
{
  return a + b;
}

__declspec(dllexport) int plugin_version(void)
{
  return 3;
}

BOOL WINAPI DllMain(HINSTANCE h, DWORD reason, LPVOID reserved)
{
  WSADATA wsa;
  if (reason == DLL_PROCESS_ATTACH)
    return WSAStartup(MAKEWORD(2, 2), &wsa) == 0;
  if (reason == DLL_PROCESS_DETACH)
    WSACleanup();
  return TRUE;
}
