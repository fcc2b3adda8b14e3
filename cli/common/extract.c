#include "cli/common/extract.h"

#include <string.h>

#include "cli/common/mapped.h"
#include "cli/common/sha256.h"

static const char extract_source[] = "import \"malml\"\n";

int extractor_rules(YR_RULES** rules)
{
  YR_COMPILER* compiler;
  int rc = yr_compiler_create(&compiler);
  if (rc != ERROR_SUCCESS)
    return rc;
  if (yr_compiler_add_string(compiler, extract_source, NULL) != 0)
    rc = ERROR_INTERNAL_FATAL_ERROR;
  else
    rc = yr_compiler_get_rules(compiler, rules);
  yr_compiler_destroy(compiler);
  return rc;
}

static int on_message(YR_SCAN_CONTEXT* context, int message, void* data, void* user)
{
  extractor* x = user;
  if (message == CALLBACK_MSG_MODULE_IMPORTED)
  {
    YR_OBJECT* obj = data;
    if (x->on_pe != NULL && strcmp(obj->identifier, "pe") == 0)
      x->on_pe(x->on_pe_ctx, obj);
    else if (strcmp(obj->identifier, "malml") == 0 && obj->data != NULL)
    {
      memcpy(&x->features, obj->data, sizeof(x->features));
      x->got = 1;
    }
  }
  return CALLBACK_CONTINUE;
}

int extractor_init(extractor* x, YR_RULES* rules)
{
  memset(x, 0, sizeof(*x));
  int rc = yr_scanner_create(rules, &x->scanner);
  if (rc == ERROR_SUCCESS)
    yr_scanner_set_callback(x->scanner, on_message, x);
  return rc;
}

void extractor_fini(extractor* x)
{
  if (x->scanner != NULL)
    yr_scanner_destroy(x->scanner);
  x->scanner = NULL;
}

int extractor_run(extractor* x, const uint8_t* data, size_t size)
{
  x->got = 0;
  memset(&x->features, 0, sizeof(x->features));
  int rc = yr_scanner_scan_mem(x->scanner, data, size);
  if (rc == ERROR_SUCCESS && !x->got)
    rc = ERROR_INTERNAL_FATAL_ERROR;
  return rc;
}

int extractor_file(extractor* x, const char* path, char sha[65], const char** why)
{
  mapped_file m;
  int err = mapped_open(path, &m);
  if (err != 0)
  {
    *why = strerror(err);
    return -1;
  }
  *why = NULL;
  if (sha256_hex(m.data, m.size, sha) != 0)
    *why = "sha256 failed";
  else if (extractor_run(x, m.data, m.size) != ERROR_SUCCESS)
    *why = "scan failed";
  mapped_close(&m);
  return *why == NULL ? 0 : -1;
}
