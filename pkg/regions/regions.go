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

// elbAccounts are the AWS accounts that deliver Elastic Load Balancing access logs in the regions
// that existed before August 2022 (AWS documents one per region); newer regions deliver as the
// service principal logdelivery.elasticloadbalancing.amazonaws.com instead.
var elbAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-south-1": "718504428378",
	"ap-northeast-1": "582318560864", "ap-northeast-2": "600734575887", "ap-northeast-3": "383597477331",
	"ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266", "ca-central-1": "985666609251",
	"eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416",
	"eu-west-3": "009996457667", "eu-north-1": "897822967062", "eu-south-1": "635631232127",
	"me-south-1": "076674570225", "sa-east-1": "507241528517",
}

// ELBLogAccount returns the account that writes load balancer access logs in a region, or
// false when the region uses the log-delivery service principal.
func ELBLogAccount(region string) (string, bool) {
	a, ok := elbAccounts[region]
	return a, ok
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
