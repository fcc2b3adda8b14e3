/*
 * Helpers shared by the tests that scan: compile a rule string, scan a file
 * or buffer, read the malml vector the module computed, find fixtures.
 */
#ifndef MALML_TEST_SCAN_HELPERS_H
#define MALML_TEST_SCAN_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <yara.h>

#include "modules/malml/features/features.h"

/* Path of a fixture under $MALML_FIXTURES (set by make check); static
 * buffer, valid until the next call. */
const char* fixture(const char* relative);

/* Compiles `source`; fails the test on a compile error. */
YR_RULES* compile_rules(const char* source);

/* Does rule `name` match the file or buffer? */
int rule_matches_file(YR_RULES* rules, const char* name, const char* path);
int rule_matches_mem(
    YR_RULES* rules,
    const char* name,
    const uint8_t* data,
    size_t size);

/* Compiles a one-rule source "import ... rule r { condition: COND }" and
 * reports whether r matches `path`. */
int condition_holds(
    const char* imports,
    const char* condition,
    const char* path);

/* The malml features a scan of `path` computed (module_object->data). */
void scan_features(const char* path, malml_features* out);

#endif
