/*
 * The one place malml bridges libyara versions (4.2 to 4.5).  libyara 4.3
 * renamed the module-writing macros of <yara/modules.h> (set_integer became
 * yr_set_integer, module() became yr_module(), ...); malml keeps 4.2's names,
 * which 4.2 has only, and on 4.3+ they are defined here as the new ones.
 * 4.5 catches a fault in the scanned bytes while a module runs only when
 * the module fetched them with yr_fetch_block_data(), which records the
 * block's range for libyara's signal handler (a fault elsewhere goes to the
 * program's handler); 4.2's modules call fetch_data directly, which is what
 * yr_fetch_block_data() means there.
 */
#ifndef MALML_YARA_COMPAT_H
#define MALML_YARA_COMPAT_H

#include <yara/modules.h>

#if YR_VERSION_HEX >= 0x040300
#define module() yr_module()
#define set_integer(value, object, ...) \
  yr_set_integer(value, object, __VA_ARGS__)
#define set_float(value, object, ...) yr_set_float(value, object, __VA_ARGS__)
#define set_string(value, object, ...) \
  yr_set_string(value, object, __VA_ARGS__)
#define set_sized_string(value, len, object, ...) \
  yr_set_sized_string(value, len, object, __VA_ARGS__)
#endif

#if YR_VERSION_HEX < 0x040500
#define yr_fetch_block_data(block) ((block)->fetch_data(block))
#endif

#endif
