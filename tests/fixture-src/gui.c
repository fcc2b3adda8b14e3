/* Fixture: a small GUI program (user32). */
#include <windows.h>

int WINAPI WinMain(HINSTANCE h, HINSTANCE p, LPSTR cmd, int show)
{
  MessageBoxA(NULL, "fixture", "malml", MB_OK);
  return 0;
}
