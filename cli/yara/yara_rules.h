/*
 * Private to yara and yarac: compiling rule files and defining external
 * variables the way YARA 4.2's command-line tools do, with their messages.
 */
#ifndef MALML_YARA_RULES_H
#define MALML_YARA_RULES_H

#include <stdbool.h>
#include <yara.h>

typedef enum
{
  MESSAGES_YARA, /* "file(line): error: message" */
  MESSAGES_YARAC /* "error: file(line): message" */
} message_style;

/* The compiler callback's user data. */
typedef struct
{
  int warnings;
  bool ignore_warnings;
  message_style style;
} compiler_results;

/* A YR_COMPILER_CALLBACK_FUNC printing errors and warnings on stderr. */
void rules_report(
    int level,
    const char* file,
    int line,
    const YR_RULE* rule,
    const char* message,
    void* user_data);

/*
 * Adds each "[NAMESPACE:]FILE" ("-" is stdin) to the compiler.  The
 * namespace is split off at the first colon only when the whole argument is
 * not an existing file and the colon is not followed by a backslash.  Returns
 * false after the first file that cannot be opened or has errors.  Writes into
 * `files`.
 */
bool rules_compile_files(YR_COMPILER* c, int n, char** files);

/*
 * Defines each "VAR=VALUE" on the compiler or on compiled rules (whichever
 * is not NULL): VALUE is a float if it has one dot among digits, an integer
 * if all digits, a boolean if "true"/"false", else a string.  A definition
 * without '=' prints YARA's message and ends the list without an error, as
 * YARA does.  Returns a libyara error code.
 */
int rules_define_externals(
    const char* const* vars,
    YR_RULES* rules,
    YR_COMPILER* c);

/*
 * Replaces rules just compiled by the same rules saved and loaded back (as
 * `yarac` + `yara -C` would give them), with the compiler's leftovers
 * trimmed from the heap in between.  Why: the scanning processes are forked
 * after compilation and allocate on the heap the compiler left; with YARA's
 * threads each scanning thread has an arena of its own.  Returns a libyara
 * error (then *rules is NULL); the rules stay as they were if they cannot be
 * saved.
 */
int rules_reload(YR_RULES** rules);

/* Prints YARA's text for a libyara error code, with a newline. */
void rules_print_error(int error);

#endif
