// Baseline for scan-bench: the pe module's parse and nothing else.
import "pe"
rule pe_only { condition: pe.number_of_sections > 0 }
