/*
 * Private to yara: YARA 4.2's text output, written into a per-thread buffer
 * so that one file's lines reach stdout together under one lock.
 */
#ifndef MALML_YARA_OUTPUT_H
#define MALML_YARA_OUTPUT_H

#include <stddef.h>
#include <yara.h>

#include "cli/yara/yara_config.h"

typedef struct
{
  char* data;
  size_t len, cap;
} outbuf;

void outbuf_put(outbuf* b, const char* s, size_t n);
void outbuf_printf(outbuf* b, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Writes the buffer to stdout and empties it (caller holds the lock). */
void outbuf_flush(outbuf* b);
void outbuf_free(outbuf* b);

/*
 * Whether a rule is printed: -t TAG (any of them), -i IDENTIFIER (any of
 * them; when given, -t is ignored, as in YARA 4.2), and -n.
 */
bool output_rule_shown(
    const yara_config* cfg,
    const YR_RULE* rule,
    bool matching);

/*
 * The text for one shown rule: "[ns:]rule [tags] [meta] path" and, with -s
 * or -L, one line per match of each string.
 */
void output_rule_text(
    outbuf* b,
    const yara_config* cfg,
    YR_SCAN_CONTEXT* context,
    const YR_RULE* rule,
    const char* path);

/* A match's data as -s prints it: hex bytes for hex strings, else text with
   "\xNN" for bytes outside 32..126. */
void output_match_data(outbuf* b, const YR_STRING* s, const YR_MATCH* m);

/* A metadata string as -m prints it: C escapes, octal for the rest. */
void output_escaped(outbuf* b, const char* s);

#endif
