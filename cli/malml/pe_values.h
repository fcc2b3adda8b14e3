/*
 * PE header values as pefile and the PE/COFF specification name them, for
 * `malml score`'s explanations: a number alone ("8450", "1.4e9") makes an
 * analyst look it up; "0x2102 (EXECUTABLE_IMAGE|32BIT_MACHINE|DLL)" does
 * not.
 */
#ifndef MALML_PE_VALUES_H
#define MALML_PE_VALUES_H

#include <stddef.h>
#include <stdint.h>

/* "0x14c (I386)"; unknown machines as hex alone. */
void pe_machine_text(uint64_t machine, char* buf, size_t n);

/* "0x2102 (EXECUTABLE_IMAGE|32BIT_MACHINE|DLL)": FILE_HEADER.Characteristics
   (dll = 0) or OptionalHeader.DllCharacteristics (dll = 1). */
void pe_flags_text(uint64_t flags, int dll, char* buf, size_t n);

/* "3 (WINDOWS_CUI)". */
void pe_subsystem_text(uint64_t subsystem, char* buf, size_t n);

/* "1367409600 (2013-05-01 12:00:00 UTC)"; 0 as "0 (not set)". */
void pe_timestamp_text(int64_t timestamp, char* buf, size_t n);

#endif
