/*
 * Typos in rules that use malml, found before any scan.  A YARA module
 * function cannot fail compilation, so malml.feature("strings.urlz"),
 * malml.feature(9999) and malml.filetype("UPX") compile and are undefined
 * on every file: a rule that is silently never true.  This reads a rule
 * file's text for those calls with a literal argument and says which name
 * is unknown (with the nearest known one), and points `malml.strings.` to
 * `malml.string_stats.` (strings is a YARA keyword, so YARA's own message
 * is a bare syntax error).  yara and yarac report them as compiler
 * warnings (so -w hides them and --fail-on-warnings fails on them);
 * `malml check` reports them and exits 1.
 */
#ifndef MALML_RULE_CHECK_H
#define MALML_RULE_CHECK_H

#include <stddef.h>

typedef void (*rule_check_report)(void* ctx, int line, const char* message);

/* Calls report once per problem in text[0..len); returns how many. */
int rule_check_text(
    const char* text,
    size_t len,
    rule_check_report report,
    void* ctx);

/* The same for a file; -1 when it cannot be read. */
int rule_check_file(const char* path, rule_check_report report, void* ctx);

#endif
