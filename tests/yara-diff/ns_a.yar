// The same rule names as ns_b.yar: only namespaces keep them apart.
rule shared_name : ns_a
{
  strings:
    $mz = "MZ"
  condition:
    $mz at 0
}
