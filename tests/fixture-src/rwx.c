/* Fixture: a section both writable and executable, and one with no raw
 * data, as self-modifying or packed code has. */
#include <stdio.h>

__asm__(".section .wxcode,\"wx\"\n"
        ".byte 0x90, 0x90, 0xc3\n"
        ".text\n");

static char big_bss[65536];

int main(void)
{
  big_bss[1] = 1;
  printf("%d\n", big_bss[1]);
  return 0;
}
