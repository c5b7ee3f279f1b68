package config

import "slices"

// Environments lists the environments a stack may name, in the order validation lists them.
func Environments() []Environment { return slices.Clone(environments) }

// ValidCode reports whether s is a valid region code or client name (global-sovereign:stack.code
// and .client): 2-10 lowercase letters or digits starting with a letter. A code is part of
// stack file names, so tools that write files check it first.
func ValidCode(s string) bool { return codeRE.MatchString(s) }

// Suggest returns ` (did you mean "x"?)` for the entry of known closest to k, or "" when none is
// close, as validation's messages do.
func Suggest(k string, known []string) string { return suggest(k, known) }
