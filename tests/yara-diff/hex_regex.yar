// Hex strings with jumps and alternatives, regular expressions.
rule mz_pe_header : header
{
  strings:
    $mz = { 4D 5A }
    $pe = { 50 45 00 00 ( 4C 01 | 64 86 ) }
  condition:
    $mz at 0 and $pe
}

rule hex_jump
{
  strings:
    $j = { 55 8B EC [2-8] 8B ?? 08 }
    $long = { 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
              00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
              00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
              00 00 00 00 00 00 00 00 }
  condition:
    any of them
}

rule regex_dll
{
  strings:
    $r = /[a-z0-9_]{3,16}\.dll/ nocase
  condition:
    $r
}

rule regex_url
{
  strings:
    $u = /https?:\/\/[a-zA-Z0-9.\/_-]{4,64}/
  condition:
    $u
}

rule regex_binary
{
  strings:
    $b = /\x00\x01[\x02-\x7f]{2}/
  condition:
    $b
}
