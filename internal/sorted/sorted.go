// Package sorted holds the one string-set helper the SDK-free packages and the synth recorder
// share, so that config problems and graph JSON order sets the same way.
package sorted

import "slices"

// Unique returns the distinct strings of in, sorted, in a new slice that is never nil (an empty
// set encodes as [] in JSON, not null). in is not modified.
func Unique(in []string) []string {
	out := append(make([]string, 0, len(in)), in...)
	slices.Sort(out)
	return slices.Compact(out)
}
