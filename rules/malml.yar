/*
 * Sample rules over the malml module's scores.
 *
 * The thresholds come from the model file (malml.threshold.*), chosen on
 * group-disjoint out-of-fold validation scores of the shipped model's
 * training run for a target false-positive rate; see model/README.md for
 * what they achieved and where they will not hold.  Files that are not PE
 * leave every score undefined, so no rule here matches them.
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
    target_fpr = "0.1% (out-of-fold, group-disjoint validation)"
    model_version = "malml-0.1.0-seed1"

  condition:
    malml.score >= malml.threshold.high
}

rule malml_suspicious
{
  meta:
    author = "malml project"
    description = "Suspicious tier: worth a look, not a verdict; excludes the high-confidence hits"
    threshold = "malml.threshold.medium"
    target_fpr = "1% (out-of-fold, group-disjoint validation)"
    model_version = "malml-0.1.0-seed1"

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
    target_fpr = "1% (out-of-fold, group-disjoint validation)"
    model_version = "malml-0.1.0-seed1"

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
    target_fpr = "5% for the score alone; with the packing conditions 0.12% out of fold (16.9% detection)"
    model_version = "malml-0.1.0-seed1"

  condition:
    // The score first: YARA stops at the first false term, so most files
    // never reach the entropy tests.  malml.entropy and
    // malml.sections[i].entropy equal math.entropy over the same bytes
    // (tests/test-features-corpus.sh) but cost nothing more: malml already
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
    threshold = "malml.imports_score >= 0.99 (chosen on out-of-fold scores)"
    target_fpr = "1% (out of fold: 0.97% FPR, 35.8% detection with the API conditions)"
    model_version = "malml-0.1.0-seed1"

  condition:
    malml.imports_score >= malml.threshold.imports_medium and
    (
      malml.import_bucket("kernel32.dll", "VirtualAlloc") > 0 or
      malml.import_bucket("kernel32.dll", "VirtualAllocEx") > 0 or
      malml.import_bucket("kernel32.dll", "VirtualProtect") > 0
    ) and
    (
      malml.import_bucket("kernel32.dll", "WriteProcessMemory") > 0 or
      malml.import_bucket("kernel32.dll", "CreateRemoteThread") > 0 or
      malml.import_bucket("kernel32.dll", "GetProcAddress") > 0
    )
}
