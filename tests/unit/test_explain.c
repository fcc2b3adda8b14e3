/*
 * `malml score`'s explanations add up and read as an analyst reads a PE:
 * bias + the lines shown + "other" is the margin however many lines are
 * shown; the byte histogram, the hashed bags and each section slot are one
 * line each; flags, machine, subsystem and timestamp are decoded.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

#include "cli/malml/bucket_examples.h"
#include "cli/malml/explain.h"
#include "cli/malml/pe_values.h"
#include "tests/unit/scan_helpers.h"

static void setup(void)
{
  cr_assert_eq(yr_initialize(), ERROR_SUCCESS);
}

static void teardown(void)
{
  yr_finalize();
}

TestSuite(explain, .init = setup, .fini = teardown);

static double total(const explanation* e)
{
  double sum = e->bias + e->other;
  for (int i = 0; i < e->ntop; i++) sum += e->top[i].contribution;
  return sum;
}

static double scratch[MALML_FEATURE_COUNT];

Test(explain, lines_add_up_to_the_margin_for_any_count)
{
  static const char* const files[] = {
      "pe/netclient-x86_64.exe", "pe/plugin-i686.dll", "pe/rwx-x86_64.exe"};
  const malml_model* m = malml_model_default();
  cr_assert_not_null(m);
  for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++)
  {
    malml_features f;
    scan_features(fixture(files[k]), &f);
    for (int g = 0; g < MALML_MODEL_COUNT; g++)
    {
      int counts[] = {0, 1, 5, EXPLAIN_MAX_TOP};
      for (int c = 0; c < 4; c++)
      {
        explanation e;
        explain(m, g, f.vector, counts[c], scratch, &e);
        cr_assert_leq(e.ntop, counts[c]);
        cr_assert(
            fabs(total(&e) - e.margin) < 1e-4,
            "%s model %d, %d lines: %f vs margin %f",
            files[k],
            g,
            counts[c],
            total(&e),
            e.margin);
        for (int i = 1; i < e.ntop; i++)
          cr_assert_geq(
              fabs(e.top[i - 1].contribution), fabs(e.top[i].contribution));
      }
    }
  }
}

/* No line is a single byte-histogram bin, bucket or slot field. */
Test(explain, blocks_are_one_line_each)
{
  const malml_model* m = malml_model_default();
  malml_features f;
  char name[96];
  scan_features(fixture("pe/netclient-x86_64.exe"), &f);
  int seen_hist = 0;
  for (int g = 0; g < MALML_MODEL_COUNT; g++)
  {
    explanation e;
    explain(m, g, f.vector, EXPLAIN_MAX_TOP, scratch, &e);
    for (int i = 0; i < e.ntop; i++)
    {
      explain_line_name(&e.top[i], name, sizeof(name));
      int bin = e.top[i].first >= MALML_F_byte_hist &&
                e.top[i].first < MALML_F_byte_hist + MALML_BYTE_HIST_BINS;
      if (bin)
      {
        seen_hist = 1;
        cr_assert_str_eq(name, "header.byte_hist[*]");
        cr_assert_eq(e.top[i].size, MALML_BYTE_HIST_BINS);
        cr_assert_gt(e.top[i].nmembers, 0);
      }
      if (strstr(name, "bucket[") != NULL || strstr(name, "slot[") != NULL)
        cr_assert(
            strstr(name, "[*]") != NULL || strstr(name, "].*") != NULL,
            "%s is a single member of a block",
            name);
    }
  }
  cr_assert(seen_hist, "the byte histogram moved no score");
}

Test(explain, pe_values_read_as_pefile_shows_them)
{
  char buf[256];
  pe_flags_text(0x2102, 0, buf, sizeof(buf));
  cr_assert_str_eq(buf, "0x2102 (EXECUTABLE_IMAGE|32BIT_MACHINE|DLL)");
  pe_flags_text(0x8160, 1, buf, sizeof(buf));
  cr_assert_str_eq(
      buf,
      "0x8160 (HIGH_ENTROPY_VA|DYNAMIC_BASE|NX_COMPAT|TERMINAL_SERVER_AWARE)");
  pe_flags_text(0, 1, buf, sizeof(buf));
  cr_assert_str_eq(buf, "0x0");
  pe_machine_text(0x8664, buf, sizeof(buf));
  cr_assert_str_eq(buf, "0x8664 (AMD64)");
  pe_subsystem_text(2, buf, sizeof(buf));
  cr_assert_str_eq(buf, "2 (WINDOWS_GUI)");
  pe_timestamp_text(1367409600, buf, sizeof(buf));
  cr_assert_str_eq(buf, "1367409600 (2013-05-01 12:00:00 UTC)");
  pe_timestamp_text(0, buf, sizeof(buf));
  cr_assert_str_eq(buf, "0 (not set)");
  explain_value_text(MALML_F_image_base, 4194304.0f, buf, sizeof(buf));
  cr_assert_str_eq(buf, "0x400000");
  explain_value_text(MALML_F_file_size, NAN, buf, sizeof(buf));
  cr_assert_str_eq(buf, "missing");
}

/* An absent bucket says what maps there (issue 23, item 12): the examples
 * are names that really hash to it (the module's rule, recomputed here
 * from the token), the import_bucket collision the issue found is among
 * them, and only a bucket the file has nothing in shows them. */
Test(explain, absent_buckets_name_what_maps_there)
{
  char buf[1024], other[1024];
  const char* token = "kernel32!VirtualAllocEx";
  int feature = MALML_F_import_bucket +
                (int) malml_bucket(token, strlen(token), MALML_IMPORT_BUCKETS);
  int n = bucket_examples_join(feature, 4, buf, sizeof(buf));
  cr_assert_gt(n, 1, "%s", buf);
  cr_assert_not_null(strstr(buf, "user32!DispatchMessageA"), "%s", buf);
  cr_assert_not_null(strstr(buf, token), "%s", buf);
  /* Every example of every import bucket hashes there. */
  for (int b = 0; b < MALML_IMPORT_BUCKETS; b++)
  {
    n = bucket_examples_join(MALML_F_import_bucket + b, 4, buf, sizeof(buf));
    char* save = NULL;
    for (char* t = strtok_r(buf, ",", &save); t != NULL;
         t = strtok_r(NULL, ",", &save))
    {
      t += *t == ' ';
      uint32_t at = malml_bucket(t, strlen(t), MALML_IMPORT_BUCKETS);
      cr_assert_eq(at, (uint32_t) b, "%s", t);
    }
  }
  cr_assert_eq(bucket_examples_join(MALML_F_timestamp, 4, buf, sizeof(buf)), 0);
  /* At most as many as asked for. */
  cr_assert_leq(bucket_examples_join(feature, 2, other, sizeof(other)), 2);

  /* The bucket absent (value 0) shows them; a neighbour with 2 does not. */
  int present = feature + 1 == MALML_F_dll_bucket ? feature - 1 : feature + 1;
  explanation e = {.ntop = 1};
  e.top[0] = (explain_line){
      .first = MALML_F_import_bucket,
      .size = MALML_IMPORT_BUCKETS,
      .moved = 2,
      .contribution = 0.5,
      .nmembers = 2,
      .members = {{feature, 0, 0.4}, {present, 2, 0.1}}};
  json_t* j = explanation_to_json(&e, NULL);
  json_t* line = json_array_get(json_object_get(j, "top"), 0);
  json_t* members = json_object_get(line, "members");
  const char* shown = json_string_value(
      json_object_get(json_array_get(members, 0), "absent_examples"));
  cr_assert_not_null(shown);
  cr_assert_not_null(strstr(shown, "user32!DispatchMessageA"), "%s", shown);
  cr_assert_null(
      json_object_get(json_array_get(members, 1), "absent_examples"),
      "a present bucket shows no examples");
  json_decref(j);
}

/* A missing value reads "missing" in a block's members as on a single
 * feature's line, never "nan" (a section slot's entropy without raw
 * bytes). */
Test(explain, missing_members_read_missing)
{
  explanation e = {0};
  explain_line* l = &e.top[0];
  e.ntop = 1;
  l->first = MALML_SLOT_INDEX(0, name_bucket);
  l->size = MALML_SLOT_FIELD_COUNT;
  l->moved = 2;
  l->nmembers = 2;
  l->members[0] = (explain_item){MALML_SLOT_INDEX(0, entropy), NAN, 0.25};
  l->members[1] = (explain_item){MALML_SLOT_INDEX(0, raw_size), 512, 0.125};
  l->contribution = 0.375;
  char* text = NULL;
  size_t len = 0;
  FILE* out = open_memstream(&text, &len);
  cr_assert_not_null(out);
  explanation_print(out, &e, NULL);
  fclose(out);
  cr_assert(strstr(text, "entropy=missing") != NULL, "%s", text);
  cr_assert(strstr(text, "raw_size=512") != NULL, "%s", text);
  cr_assert(strstr(text, "nan") == NULL, "%s", text);
  free(text);
}
