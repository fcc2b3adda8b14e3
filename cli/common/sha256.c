#include "cli/common/sha256.h"

#include <openssl/evp.h>
#include <stdio.h>

int sha256_hex(const uint8_t* data, size_t size, char out[65])
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(data, size, md, &len, EVP_sha256(), NULL) || len != 32)
    return -1;
  for (unsigned i = 0; i < len; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
  return 0;
}
