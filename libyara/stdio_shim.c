/*
 * Lets Debian's libyara.a link into a shared library.
 *
 * Every object of the archive is position-independent but for PC-relative
 * references to glibc's `stdin`, `stdout` (flex's default streams in the
 * three lexers) and `stderr` (object.o, tests.o): fine in a program, where
 * the linker copies those variables into it, refused in a shared library.
 * Hidden definitions of the three names inside the library satisfy those
 * references; a constructor fills them from the real ones before any YARA
 * function can run.  <stdio.h> is not included: it declares the real ones.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <stddef.h>

__attribute__((visibility("hidden"))) void* stdin;
__attribute__((visibility("hidden"))) void* stdout;
__attribute__((visibility("hidden"))) void* stderr;

/* dlsym cannot see the hidden names above, so it finds glibc's (or the
   program's copy of them, which is then the one in use). */
static void* real(const char* name)
{
  void** p = dlsym(RTLD_DEFAULT, name);
  return p != NULL ? *p : NULL;
}

__attribute__((constructor)) static void fill_stdio(void)
{
  stdin = real("stdin");
  stdout = real("stdout");
  stderr = real("stderr");
}
