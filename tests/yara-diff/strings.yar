// Text, wide, nocase, xor, base64 and fullword strings; no modules.
rule text_this_program : dos stub
{
  meta:
    description = "DOS stub text"
    weight = 3
    noisy = false
  strings:
    $a = "This program cannot be run in DOS mode"
    $b = "!This program" ascii wide
  condition:
    any of them
}

rule kernel32_nocase
{
  strings:
    $k = "kernel32.dll" nocase
  condition:
    $k
}

rule wide_strings : utf16
{
  strings:
    $w = "Microsoft" wide
  condition:
    $w
}

rule fullword_text
{
  strings:
    $f = "text" fullword
    $g = "some" fullword
  condition:
    all of them
}

rule xor_mz
{
  strings:
    $x = "This program" xor(1-255)
  condition:
    #x > 0
}

rule many_a
{
  strings:
    $a = "AAAAAAAA"
  condition:
    #a > 10 and @a[1] >= 0
}

rule escapes_in_text
{
  strings:
    $q = "\"quoted\"\tand\\back"
    $nl = "line1\nline2"
  condition:
    any of them
}
