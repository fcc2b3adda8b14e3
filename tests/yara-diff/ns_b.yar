rule shared_name : ns_b
{
  meta:
    note = "non-ASCII: \xc3\xa9, tab:\t, quote:\", apostrophe:'"
  condition:
    filesize < 100000
}
