// Externals set with -d; the defaults apply without it.
rule ext_string
{
  condition:
    ext_name contains "exe"
}

rule ext_int
{
  condition:
    ext_limit > 100 and filesize > ext_limit
}

rule ext_bool
{
  condition:
    ext_flag
}

rule ext_float
{
  condition:
    ext_ratio > 0.5
}
