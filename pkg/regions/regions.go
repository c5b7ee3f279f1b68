// Package regions is the table of AWS regions this project can target. It is data, not policy:
// which regions the platform runs in is decided by the stack files, this table only tells a
// valid region name from a typo and says which regions need an account-level opt-in first.
package regions

import "sort"

// Region describes one AWS commercial region.
type Region struct {
	Name  string
	OptIn bool // the account must enable the region before anything can be created there
}

var table = map[string]Region{}

func init() {
	for _, n := range []string{
		"us-east-1", "us-east-2", "us-west-1", "us-west-2",
		"ca-central-1", "sa-east-1",
		"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
		"ap-south-1", "ap-southeast-1", "ap-southeast-2",
		"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	} {
		table[n] = Region{Name: n}
	}
	for _, n := range []string{
		"af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
		"ap-southeast-5", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1",
		"eu-south-2", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
	} {
		table[n] = Region{Name: n, OptIn: true}
	}
}

// Lookup returns the region with the given name.
func Lookup(name string) (Region, bool) {
	r, ok := table[name]
	return r, ok
}

// Names lists every known region name, sorted.
func Names() []string {
	out := make([]string, 0, len(table))
	for n := range table {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
