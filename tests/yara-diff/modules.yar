// pe, math, hash and dotnet; no malml.
import "pe"
import "math"
import "hash"
import "dotnet"

rule pe_exe : pe
{
  meta:
    author = "malml tests"
  condition:
    pe.is_pe and not pe.is_dll()
}

rule pe_dll : pe
{
  condition:
    pe.is_dll()
}

rule pe_64
{
  condition:
    pe.is_pe and pe.machine == pe.MACHINE_AMD64
}

rule pe_imports_kernel32
{
  condition:
    pe.imports("kernel32.dll") or pe.imports("KERNEL32.dll")
}

rule pe_many_sections
{
  condition:
    pe.number_of_sections > 4
}

rule pe_gui
{
  condition:
    pe.subsystem == pe.SUBSYSTEM_WINDOWS_GUI
}

rule pe_signed
{
  condition:
    pe.number_of_signatures > 0
}

rule pe_wx_section
{
  condition:
    for any s in pe.sections : (
      s.characteristics & pe.SECTION_MEM_WRITE != 0 and
      s.characteristics & pe.SECTION_MEM_EXECUTE != 0)
}

rule high_entropy
{
  condition:
    filesize > 0 and math.entropy(0, filesize) > 7.0
}

rule low_entropy
{
  condition:
    filesize > 0 and math.entropy(0, filesize) < 4.0
}

rule md5_of_empty
{
  condition:
    hash.md5(0, filesize) == "d41d8cd98f00b204e9800998ecf8427e"
}

rule sha256_prefix_0
{
  condition:
    hash.sha256(0, filesize) startswith "0"
}

rule dotnet_assembly : dotnet
{
  condition:
    dotnet.is_dotnet == 1
}

rule dotnet_mscorlib
{
  condition:
    for any r in dotnet.assembly_refs : (r.name == "mscorlib")
}
