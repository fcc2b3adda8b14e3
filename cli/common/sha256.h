#ifndef MALML_SHA256_H
#define MALML_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* Writes the lower-case hex SHA-256 of data[0..size) (65 bytes with NUL).
 * Returns 0, or -1 if OpenSSL fails. */
int sha256_hex(const uint8_t* data, size_t size, char out[65]);

#endif
