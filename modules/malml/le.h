/*
 * Little-endian reads from byte buffers (PE headers, the model format), one
 * byte at a time: no alignment or host byte order assumed.  The caller has
 * checked the bytes are there.
 */
#ifndef MALML_LE_H
#define MALML_LE_H

#include <stdint.h>

static inline uint16_t malml_le16(const uint8_t* p)
{
  return (uint16_t) (p[0] | p[1] << 8);
}

static inline uint32_t malml_le32(const uint8_t* p)
{
  return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
         (uint32_t) p[3] << 24;
}

#endif
