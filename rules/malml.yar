/*
 * Sample rules over the malml module's scores.
 *
 * Every cut comes from the model file (malml.threshold.*), so a model given
 * with -x malml=FILE brings its own.  The shipped model's cuts were chosen
 * on held-out scores (malware collections left out whole, benign packages
 * left out whole).  Each rule's held_out_* meta is what the rule itself
 * did, through yara, on the labelled corpus's 4,058 malware and 16,280
 * benign files, each scanned with the fold model that never saw its
 * collection or package (model/train/held-out-rules.sh; model/README.md).
 * held_out_fpr leads with the worst benign ecosystem of 100 files or more
 * (PyPI, npm, Debian, Maven): a site's rate follows the software it runs,
 * and the pooled rate is mostly PyPI's DLLs.  Benign EXEs fare worst (9%
 * of them reach medium): re-cut on your own software (malml recut) before
 * acting on medium.  The meta describes the shipped model
 * (model_version); with -x malml=FILE the figures are that model's own,
 * in its card.  Files that are not PE leave every score undefined, so no
 * rule here matches them.
 *
 *   yara -r rules/malml.yar /path/to/files
 */
import "malml"
import "pe"

rule malml_high_confidence
{
  meta:
    author = "malml project"
    description = "The all-features model is confident the file is malware"
    threshold = "malml.threshold.high"
    held_out_detection = "65.3% (2,651 of 4,058 malware files)"
    held_out_fpr = "at most 0.70% on any benign ecosystem of 100+ files (npm 0.70%: 10 files, 4 packages; Debian 0.28%; Maven 0%; PyPI 0%); 0.10% of all 16,280 benign files"
    model_version = "malml-0.4.0-seed1"

  condition:
    malml.score >= malml.threshold.high
}

rule malml_suspicious
{
  meta:
    author = "malml project"
    description = "Suspicious tier: worth a look, not a verdict; excludes the high-confidence hits"
    threshold = "malml.threshold.medium"
    held_out_detection = "26.2% (1,064 of 4,058; with malml_high_confidence 91.5%)"
    held_out_fpr = "at most 3.41% on any benign ecosystem of 100+ files (npm 3.41%: 49 files, 11 packages; Debian 2.09%; Maven 0.71%; PyPI 0.35%); 0.89% of all 16,280"
    model_version = "malml-0.4.0-seed1"

  condition:
    malml.score >= malml.threshold.medium and
    malml.score < malml.threshold.high
}

rule malml_count
{
  meta:
    author = "malml project"
    description = "The seed blog's count rule: the five sub-scores (header, imports, sections, filetype, strings) add up past a cut, so several independent views agree"
    threshold = "malml.threshold.count"
    held_out_detection = "87.4% (3,545 of 4,058)"
    held_out_fpr = "at most 4.66% on any benign ecosystem of 100+ files (npm 4.66%: 67 files, 12 packages; Debian 2.64%; Maven 0.89%; PyPI 0.27%); 1.00% of all 16,280"
    model_version = "malml-0.4.0-seed1"

  condition:
    malml.header_score + malml.imports_score + malml.sections_score +
    malml.filetype_score + malml.strings_score >= malml.threshold.count
}

rule malml_packed_suspicious
{
  meta:
    author = "malml project"
    description = "Packed or self-modifying (UPX, a writable and executable section, or a section with entropy >= 7.2) in a high-entropy file, with a model score at the low tier"
    threshold = "malml.threshold.low plus packing evidence"
    held_out_detection = "32.6% (1,324 of 4,058)"
    held_out_fpr = "at most 0.36% on any benign ecosystem of 100+ files (Maven 0.36%: 2 files, 1 package; npm 0.14%; Debian 0.09%; PyPI 0.08%); 0.11% of all 16,280"
    model_version = "malml-0.4.0-seed1"

  condition:
    // The score first: YARA stops at the first false term, so most files
    // never reach the entropy tests.  malml.entropy and
    // malml.sections[i].entropy equal math.entropy over the same bytes
    // (tests/corpus/test-features-corpus.sh) but cost nothing more: malml already
    // counted them in its one pass, where math.entropy reads the file again.
    malml.score >= malml.threshold.low and
    malml.entropy >= 7.0 and
    (
      malml.filetype("upx") == 1 or
      malml.number_of_wx_sections > 0 or
      for any i in (0 .. pe.number_of_sections - 1) : (
        malml.sections[i].entropy >= 7.2
      )
    )
}

rule malml_injection_imports
{
  meta:
    author = "malml project"
    description = "Imports-led: the imports sub-model finds the import table malware-like and it names the memory-allocation and code-running APIs of loaders and injectors"
    threshold = "malml.threshold.imports_medium"
    held_out_detection = "22.6% (916 of 4,058)"
    held_out_fpr = "at most 2.02% on any benign ecosystem of 100+ files (npm 2.02%: 29 files, 3 packages; PyPI 0.07%; Debian 0.05%; Maven 0%); 0.25% of all 16,280"
    model_version = "malml-0.4.0-seed1"

  condition:
    // pe.imports() checks the names themselves: malml.import_bucket() is a
    // hashed bucket that other APIs share (user32!DispatchMessageA lands
    // in kernel32!VirtualAllocEx's), so it cannot say an API is imported.
    malml.imports_score >= malml.threshold.imports_medium and
    (
      pe.imports("kernel32.dll", "VirtualAlloc") or
      pe.imports("kernel32.dll", "VirtualAllocEx") or
      pe.imports("kernel32.dll", "VirtualProtect")
    ) and
    (
      pe.imports("kernel32.dll", "WriteProcessMemory") or
      pe.imports("kernel32.dll", "CreateRemoteThread") or
      pe.imports("kernel32.dll", "GetProcAddress")
    )
}

rule malml_dotnet_suspicious
{
  meta:
    author = "malml project"
    description = "A .NET assembly the .NET sub-model (CLR metadata: references, P/Invoke targets, user strings, resources) finds malware-like; malml.dotnet_score is defined for .NET files only"
    threshold = "malml.threshold.dotnet_medium (1% of .NET benign files)"
    held_out_detection = "81.6% of .NET malware (372 of 456; 9.2% of all 4,058)"
    held_out_fpr = "at most 1.95% of the .NET files of any benign ecosystem (npm 1.95%: 10 of 513, 4 packages; PyPI 0.90%; Debian 0.53%); 0.99% of all 2,918 .NET benign files"
    model_version = "malml-0.4.0-seed1"

  condition:
    malml.dotnet_score >= malml.threshold.dotnet_medium
}

rule malml_unfamiliar
{
  meta:
    author = "malml project"
    description = "Triage: a low score the model cannot vouch for. The file scores under the medium tier, but its path through the all-features model's trees rests on fewer benign training files than that of the 1% least familiar benign files it trained on: no benign software like it backs the low score. Look at it by hand, or re-cut (malml recut) or retrain on software like it"
    threshold = "malml.threshold.familiar (malml.familiarity, below the cut) and malml.score under malml.threshold.medium"
    held_out_detection = "2.0% (83 of 4,058): a triage rule, not a detection"
    held_out_fpr = "at most 21.6% on any benign ecosystem of 100+ files (Debian 21.6%: Wine and Mono, 466 files, 9 packages; Maven 6.42%; npm 4.18%; PyPI 0.60%); 3.93% of all 16,280"
    model_version = "malml-0.4.0-seed1"

  condition:
    malml.familiarity < malml.threshold.familiar and
    malml.score < malml.threshold.medium
}
