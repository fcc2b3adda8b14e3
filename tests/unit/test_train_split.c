/*
 * Validation splits of `malml train` (model/train/train_split.c): the
 * leave-one-collection-out folds keep every collection and every benign
 * package whole.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "model/train/train_split.h"

/* 3 collections (given out of name order), 6 benign packages of uneven
 * size; groups 0..3 malware, 4..9 benign. */
static char* source[] = {
    "zoo",
    "zoo",
    "feed",
    "capa",
    "capa",
    "feed",
    "deb:a",
    "deb:a",
    "deb:a",
    "deb:a",
    "deb:b",
    "npm:c",
    "npm:c",
    "deb:d",
    "npm:e",
    "deb:f"};
static const int label[] = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
static const int group[] = {0, 0, 1, 2, 3, 1, 4, 4, 4, 4, 5, 6, 6, 7, 8, 9};
#define N 16

Test(train_split, one_fold_per_collection_in_name_order)
{
  int fold[N], k = 0;
  const char* names[8];
  cr_assert_eq(
      split_by_collection(source, group, label, N, 10, 1, fold, &k, names, 8),
      0);
  cr_assert_eq(k, 3);
  cr_assert_str_eq(names[0], "capa");
  cr_assert_str_eq(names[1], "feed");
  cr_assert_str_eq(names[2], "zoo");
  for (int i = 0; i < N; i++)
    if (label[i])
      cr_assert_str_eq(names[fold[i]], source[i], "row %d", i);
}

Test(train_split, benign_packages_stay_whole_and_spread)
{
  int fold[N], k = 0, benign_in[3] = {0, 0, 0};
  cr_assert_eq(
      split_by_collection(source, group, label, N, 10, 3, fold, &k, NULL, 0),
      0);
  for (int i = 0; i < N; i++)
  {
    cr_assert(fold[i] >= 0 && fold[i] < k);
    for (int j = 0; j < N; j++)
      if (group[i] == group[j])
        cr_assert_eq(fold[i], fold[j], "group %d split", group[i]);
    benign_in[fold[i]] += !label[i];
  }
  /* 10 benign files, largest package (4) first: no fold is left without. */
  for (int f = 0; f < k; f++) cr_assert_gt(benign_in[f], 0, "fold %d", f);
}

Test(train_split, needs_two_collections)
{
  char* one[] = {"zoo", "zoo", "deb:a"};
  const int y[] = {1, 1, 0}, g[] = {0, 0, 1};
  int fold[3], k;
  cr_assert_eq(split_by_collection(one, g, y, 3, 2, 1, fold, &k, NULL, 0), -1);
}
