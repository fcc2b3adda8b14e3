#include "cli/yara/yara_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/common/path_json.h"
#include "cli/yara/yara_output.h"

json_t* json_text(const char* s)
{
  json_t* j = json_string(s);
  if (j != NULL)
    return j;
  outbuf b = {0};
  output_escaped(&b, s);
  outbuf_put(&b, "", 1);
  j = json_string(b.data != NULL ? b.data : "");
  outbuf_free(&b);
  return j;
}

static json_t* json_tags(const YR_RULE* rule)
{
  json_t* tags = json_array();
  const char* tag;
  yr_rule_tags_foreach(rule, tag)
  {
    json_array_append_new(tags, json_text(tag));
  }
  return tags;
}

static json_t* json_meta(const YR_RULE* rule)
{
  json_t* meta = json_object();
  const YR_META* m;
  yr_rule_metas_foreach(rule, m)
  {
    json_t* v;
    if (m->type == META_TYPE_INTEGER)
      v = json_integer(m->integer);
    else if (m->type == META_TYPE_BOOLEAN)
      v = json_boolean(m->integer);
    else
      v = json_text(m->string);
    json_object_set_new(meta, m->identifier, v);
  }
  return meta;
}

static json_t* json_match(
    const yara_config* cfg,
    const YR_STRING* s,
    const YR_MATCH* m,
    outbuf* scratch)
{
  json_t* j = json_object();
  json_object_set_new(j, "identifier", json_text(s->identifier));
  json_object_set_new(j, "offset", json_integer(m->base + m->offset));
  json_object_set_new(j, "length", json_integer(m->data_length));
  if (cfg->show_strings)
  {
    scratch->len = 0;
    output_match_data(scratch, s, m);
    json_object_set_new(
        j,
        "data",
        json_stringn(scratch->data ? scratch->data : "", scratch->len));
  }
  return j;
}

static json_t* json_strings(
    const yara_config* cfg,
    YR_SCAN_CONTEXT* context,
    const YR_RULE* rule)
{
  json_t* list = json_array();
  outbuf scratch = {0};
  const YR_STRING* s;
  yr_rule_strings_foreach(rule, s)
  {
    const YR_MATCH* m;
    yr_string_matches_foreach(context, s, m)
    {
      json_array_append_new(list, json_match(cfg, s, m, &scratch));
    }
  }
  outbuf_free(&scratch);
  return list;
}

json_t*
json_rule(const yara_config* cfg, YR_SCAN_CONTEXT* context, const YR_RULE* rule)
{
  json_t* j = json_object();
  json_object_set_new(j, "rule", json_text(rule->identifier));
  json_object_set_new(j, "namespace", json_text(rule->ns->name));
  json_object_set_new(j, "tags", json_tags(rule));
  json_object_set_new(j, "meta", json_meta(rule));
  if (cfg->show_strings || cfg->show_string_length)
    json_object_set_new(j, "strings", json_strings(cfg, context, rule));
  return j;
}

void json_print_lost(const char* path, const char* why)
{
  int code = strncmp(why, "scanning timed out", 18) == 0
                 ? ERROR_SCAN_TIMEOUT
                 : ERROR_INTERNAL_FATAL_ERROR;
  json_t* obj = json_object();
  path_json_set(obj, path);
  json_object_update_new(
      obj,
      json_pack(
          "{s:[], s:s, s:i}", "matches", "error", why, "error_code", code));
  char* line = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
  if (line != NULL)
    printf("%s\n", line);
  free(line);
  json_decref(obj);
}
