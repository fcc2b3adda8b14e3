/*
 * The yara/yarac option parser (cli/yara/yara_args.c) against the rules of
 * YARA 4.2's cli/args.c, as observed with Debian's /usr/bin/yara 4.2.3:
 * booleans toggle, options and operands mix, only the last letter of a
 * cluster takes the next argument, long options need "=", integers are
 * strtoll base 0 to the end, and every mistake is exit(1) with a message.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "cli/yara/yara_args.h"

#define MAX_WORDS 8

typedef struct
{
  bool r, s;
  long long p;
  const char* defs[4];
  const char* atom;
} values;

static void make_options(yopt* o, values* v)
{
  const yopt table[] = {
      {YOPT_BOOL, 'r', "recursive", &v->r, 1, "", NULL, 0},
      {YOPT_BOOL, 's', "print-strings", &v->s, 1, "", NULL, 0},
      {YOPT_INT, 'p', "threads", &v->p, 1, "", "NUMBER", 0},
      {YOPT_STRING, 'd', "define", v->defs, 3, "", "VAR=VALUE", 0},
      {YOPT_STRING, 0, "atom-quality-table", &v->atom, 1, "", "FILE", 0},
      {YOPT_END, 0, NULL, NULL, 0, NULL, NULL, 0},
  };
  memcpy(o, table, sizeof(table));
}

/* Parameters are copied into each test process: no pointers in them. */
typedef struct
{
  char argv[MAX_WORDS][24];
  int argc;
  int operands;
  char first[24], last[24]; /* first and last operand */
  bool r, s;
  long long p;
  char def0[24], def1[24];
} parse_case;

ParameterizedTestParameters(yara_args, parses_like_yara)
{
  static parse_case cases[] = {
      {{"yara", "-r", "a.yar", "dir"}, 4, 2, "a.yar", "dir", 1, 0, 0, "", ""},
      {{"yara", "-rs", "a", "b"}, 4, 2, "a", "b", 1, 1, 0, "", ""},
      /* the last letter of a cluster takes the next argument */
      {{"yara", "-rp", "4", "a", "b"}, 5, 2, "a", "b", 1, 0, 4, "", ""},
      /* an integer argument may look like an option, and be hex */
      {{"yara", "-p", "0x10", "a", "b"}, 5, 2, "a", "b", 0, 0, 16, "", ""},
      {{"yara", "-p", "-1", "a", "b"}, 5, 2, "a", "b", 0, 0, -1, "", ""},
      {{"yara", "--threads=7", "a", "b"}, 4, 2, "a", "b", 0, 0, 7, "", ""},
      /* options after operands, and "-" / "--" are operands */
      {{"yara", "a", "-s", "b"}, 4, 2, "a", "b", 0, 1, 0, "", ""},
      {{"yara", "--", "-", "b"}, 4, 3, "--", "b", 0, 0, 0, "", ""},
      /* a boolean long option ignores "=value" */
      {{"yara", "--recursive=no", "a", "b"}, 4, 2, "a", "b", 1, 0, 0, "", ""},
      {{"yara", "-d", "x=1", "--define=y=2", "a", "b"},
       6,
       2,
       "a",
       "b",
       0,
       0,
       0,
       "x=1",
       "y=2"},
  };
  return cr_make_param_array(
      parse_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(parse_case* c, yara_args, parses_like_yara)
{
  values v = {0};
  yopt o[6];
  char* argv[MAX_WORDS + 1] = {0};
  make_options(o, &v);
  for (int i = 0; i < c->argc; i++) argv[i] = c->argv[i];
  int n = yopt_parse(o, c->argc, argv);
  cr_assert_eq(n, c->operands);
  cr_assert_str_eq(argv[0], c->first);
  cr_assert_str_eq(argv[n - 1], c->last);
  cr_assert_eq(v.r, c->r);
  cr_assert_eq(v.s, c->s);
  cr_assert_eq(v.p, c->p);
  cr_assert_str_eq(v.defs[0] ? v.defs[0] : "", c->def0);
  cr_assert_str_eq(v.defs[1] ? v.defs[1] : "", c->def1);
}

typedef struct
{
  char argv[MAX_WORDS][24];
  int argc;
} bad_case;

/* Each is exit(1) with YARA's message (the messages themselves are compared
   with Debian's yara by tests/yara-diff/yara-diff.sh). */
ParameterizedTestParameters(yara_args, refuses_like_yara)
{
  static bad_case cases[] = {
      {{"yara", "-q", "a", "b"}, 4},        /* unknown option */
      {{"yara", "--rec", "a", "b"}, 4},     /* no prefix matching */
      {{"yara", "-r", "-r", "a", "b"}, 5},  /* too many */
      {{"yara", "-p2", "a", "b"}, 4},       /* argument glued on */
      {{"yara", "--threads", "2", "a"}, 4}, /* long needs "=" */
      {{"yara", "-p", "2x", "a", "b"}, 5},  /* not all digits */
      {{"yara", "a", "b", "-p"}, 4},        /* missing at the end */
      {{"yara", "--atom-quality-table", "a"}, 3},
      {{"yara", "-d", "1", "-d", "2", "-d", "3", "-d"}, 8},
  };
  return cr_make_param_array(bad_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(bad_case* c, yara_args, refuses_like_yara, .exit_code = 1)
{
  values v = {0};
  yopt o[6];
  char* argv[MAX_WORDS + 1] = {0};
  make_options(o, &v);
  for (int i = 0; i < c->argc; i++) argv[i] = c->argv[i];
  yopt_parse(o, c->argc, argv);
}

Test(yara_args, usage_lines_align_like_yara)
{
  values v = {0};
  yopt o[6];
  char buf[1024] = {0};
  make_options(o, &v);
  o[0].help = "recurse";
  o[2].help = "threads";
  o[3].type = YOPT_END;
  FILE* f = fmemopen(buf, sizeof(buf), "w");
  yopt_print_usage(f, o, 43);
  fclose(f);
  cr_assert_str_eq(
      buf,
      "  -r,  --recursive                         recurse\n"
      "  -s,  --print-strings                     \n"
      "  -p,  --threads=NUMBER                    threads\n");
}
