/*
 * Private to yara and yarac: a command-line parser that behaves like the one
 * in YARA 4.2's cli/args.c, so scripts written for Debian's yara see the same
 * errors for the same mistakes:
 *
 *   - options and operands may be mixed; "--" is an operand, not a stop;
 *   - a boolean toggles, and repeating any option past its limit (1 for all
 *     but the multi-valued ones) is "too many `-x` options";
 *   - "-p 4" takes the next argument even when it starts with '-'; "-p4"
 *     and "--threads 4" are errors, "--threads=4" is right;
 *   - integers are strtoll base 0 and must end at the end of the argument.
 *
 * Errors print YARA's message on stderr and exit(1).
 */
#ifndef MALML_YARA_ARGS_H
#define MALML_YARA_ARGS_H

#include <stdbool.h>
#include <stdio.h>

typedef enum
{
  YOPT_END,
  YOPT_BOOL,  /* value: bool* */
  YOPT_INT,   /* value: long long* */
  YOPT_STRING /* value: const char** (an array of max_count + 1 if > 1) */
} yopt_type;

typedef struct
{
  yopt_type type;
  char short_name; /* 0: long only */
  const char* long_name;
  void* value;
  int max_count;
  const char* help;
  const char* type_help; /* "NUMBER", "FILE": shown in --help */
  int count;             /* set by the parser */
} yopt;

/*
 * Parses argv[1..argc-1]; the operands are moved to the front of argv
 * (argv[0] upwards) and their number returned.
 */
int yopt_parse(yopt* opts, int argc, char** argv);

/* Prints one line per option, help text starting at column `align`. */
void yopt_print_usage(FILE* out, const yopt* opts, int align);

/* YARA's complaint about the positional arguments, on stderr, as yara and
 * yarac print it; returns EXIT_FAILURE. */
int yopt_wrong_arguments(const char* prog, const char* usage_args);

#endif
