/*
 * The programs' one error rule (DESIGN.md, "Errors"):
 *
 *  - a function returns 0 on success and -1 on failure;
 *  - where the caller needs the reason, it passes `char* err, size_t errlen`
 *    and the function writes one line without a trailing newline into it
 *    (errorf below), or it sets `const char** why` to a static string;
 *  - only the command (cli/yara, cli/malml) prints, as "PROGRAM: WHAT:
 *    REASON" on stderr, and it exits 0 (all done), 1 (something failed,
 *    the rest was still done) or 2 (usage).
 *
 * The module (modules/malml) answers YARA with YARA's ERROR_* codes at its
 * boundary and uses the same 0/-1 rule inside.
 */
#ifndef MALML_ERRORS_H
#define MALML_ERRORS_H

#include <stddef.h>

/* Writes the printf-style reason into err[0..errlen) and returns -1. */
int errorf(char* err, size_t errlen, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
