// A go-yara program as a pipeline would write it, built against Debian's
// golang-github-hillu-go-yara-dev with no malml-specific flag: it compiles
// the rules file given, scans each file and prints what console.log said
// and the rules that matched, as `yara` prints them.  Run through malml-env
// it gets the malml module from the malml-enabled libyara.so.9.
package main

import (
	"fmt"
	"os"

	"github.com/hillu/go-yara"
)

type printer struct{ path string }

// RuleMatching's bool asks go-yara to abort the scan: false, so that every
// matching rule is printed, as yara prints them.
func (p printer) RuleMatching(_ *yara.ScanContext, r *yara.Rule) (bool, error) {
	fmt.Printf("%s %s\n", r.Identifier(), p.path)
	return false, nil
}

func (p printer) ConsoleLog(_ *yara.ScanContext, message string) {
	fmt.Println(message)
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: scan RULES FILE...")
		os.Exit(2)
	}
	c, err := yara.NewCompiler()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scan:", err)
		os.Exit(1)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "scan:", err)
		os.Exit(1)
	}
	if err := c.AddFile(f, ""); err != nil {
		fmt.Fprintln(os.Stderr, "scan: compile:", err)
		os.Exit(1)
	}
	rules, err := c.GetRules()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scan:", err)
		os.Exit(1)
	}
	for _, path := range os.Args[2:] {
		if err := rules.ScanFile(path, 0, 0, printer{path}); err != nil {
			fmt.Fprintf(os.Stderr, "scan: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}
