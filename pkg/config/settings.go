package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/regions"
)

// Settings says what a stack is (global-sovereign:stack).
type Settings struct {
	// Kind says what the stack deploys: a region (the network, data and compute of one AWS region,
	// in production), an environment (its own data and compute on a region's network: staging,
	// development), a client (a tenant in an environment's cluster and database), or the global
	// stack that aggregates the region stacks of its environment.
	Kind Kind `json:"kind"`
	// Code is the short name of the region in resource names and tags, e.g. ams: 2-10 lowercase
	// letters or digits starting with a letter, one stack per code and environment.
	Code string `json:"code"`
	// AWSRegion is the AWS region the stack deploys to.
	// Allowed: a region known to pkg/regions (an unknown one is refused with the list).
	AWSRegion string `json:"awsRegion"`
	// Environment groups stacks: a global stack aggregates, and a global database spans, the
	// stacks of one environment. An environment stack names the environment it adds to its
	// region; a client stack names the environment whose cluster it lives in.
	Environment Environment `json:"environment"`
	// Client is the client's name in a client stack (and only there): 2-10 lowercase letters or
	// digits starting with a letter, one stack per client, region code and environment.
	Client string `json:"client,omitempty"`
	// NamePrefix starts the name of every resource of the stack: 2-20 lowercase letters, digits or
	// dashes starting with a letter (2-28 in a client stack, which has no load balancer).
	// Default: `gs-<code>` in production, `gs-<code>-<environment>` elsewhere, with `-c-<client>`
	// added in a client stack.
	NamePrefix string `json:"namePrefix,omitempty"`
	// Protect puts pulumi.Protect on stateful resources and AWS deletion protection on Aurora and
	// the load balancer; false also empties the log bucket and the backup vault on destroy, for
	// stacks that are thrown away.
	// Default: `true`.
	Protect *bool `json:"protect,omitempty"`
	// AllowedAccountIDs are the 12-digit ids of the AWS accounts the stack may deploy into: the
	// provider refuses credentials of any other account before it changes anything.
	// `sovereign preflight` asks for them before a real deploy.
	AllowedAccountIDs []string `json:"allowedAccountIds,omitempty"`
	// SecretRecoveryDays is how long Secrets Manager keeps a deleted secret of the stack, and with
	// it the secret's name (RecoveryWindowInDays): 0 deletes it at once (throwaway stacks),
	// [minSecretRecoveryDays] to [maxSecretRecoveryDays] keeps it recoverable. The default is AWS's
	// own default and longest window.
	// Default: [DefaultSecretRecoveryDays].
	SecretRecoveryDays *int `json:"secretRecoveryDays,omitempty"`
}

// Kind is what a stack deploys.
type Kind string

// Stack kinds.
const (
	KindRegion      Kind = "region"      // a regional stack: network, data, compute in one AWS region
	KindEnvironment Kind = "environment" // data and compute of another environment on a region's network
	KindClient      Kind = "client"      // one client's namespace, identity, bucket and database in an environment
	KindGlobal      Kind = "global"      // the cross-region stack: aggregates the region stacks
)

// Environment names a set of stacks deployed together.
type Environment string

// Environments.
const (
	EnvProduction  Environment = "production"
	EnvStaging     Environment = "staging"
	EnvDevelopment Environment = "development"
)

// The allowed values of the settings' enums, as validation checks them.
var (
	kinds        = []Kind{KindRegion, KindEnvironment, KindClient, KindGlobal}
	environments = []Environment{EnvProduction, EnvStaging, EnvDevelopment}
)

// DefaultSecretRecoveryDays is AWS's own default and longest recovery window.
const DefaultSecretRecoveryDays = 30

// The recovery windows Secrets Manager accepts besides 0 (RecoveryWindowInDays).
const (
	minSecretRecoveryDays = 7
	maxSecretRecoveryDays = 30
)

var (
	codeRE             = regexp.MustCompile(`^[a-z][a-z0-9]{1,9}$`)
	namePrefixRE       = regexp.MustCompile(`^[a-z][a-z0-9-]{1,19}$`)
	clientNamePrefixRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,27}$`)
	accountRE          = regexp.MustCompile(`^[0-9]{12}$`)
)

func (st *Settings) applyDefaults() {
	if st.SecretRecoveryDays == nil {
		days := DefaultSecretRecoveryDays
		st.SecretRecoveryDays = &days
	}
	if st.NamePrefix == "" && st.Code != "" {
		st.NamePrefix = "gs-" + st.Code
		if st.Environment != "" && st.Environment != EnvProduction {
			st.NamePrefix += "-" + string(st.Environment)
		}
		if st.Kind == KindClient && st.Client != "" {
			// "-c-" keeps a client's names apart from its home's: a client called aurora, cache
			// or staging would otherwise name its resources like the home's database, cache or
			// an environment stack.
			st.NamePrefix += "-c-" + st.Client
		}
	}
}

func (s *Stack) validateSettings(is *issues) {
	st := s.Settings
	oneOf(is, keyPath(KeyStack, "kind"), st.Kind, kinds)
	if !codeRE.MatchString(st.Code) {
		is.add(keyPath(KeyStack, "code"), "%q: want 2-10 lowercase letters or digits starting with a letter, e.g. ams", st.Code)
	}
	if st.AWSRegion == "" {
		is.add(keyPath(KeyStack, "awsRegion"), "missing; allowed: %s", strings.Join(regions.Names(), ", "))
	} else if _, ok := regions.Lookup(st.AWSRegion); !ok {
		is.add(keyPath(KeyStack, "awsRegion"), "unknown AWS region %q%s; allowed: %s", st.AWSRegion,
			suggest(st.AWSRegion, regions.Names()), strings.Join(regions.Names(), ", "))
	}
	oneOf(is, keyPath(KeyStack, "environment"), st.Environment, environments)
	switch {
	case st.Kind == KindClient:
		if !codeRE.MatchString(st.Client) {
			is.add(keyPath(KeyStack, "client"), "%q: a client stack names its client: 2-10 lowercase letters or digits starting with a letter, e.g. ezra", st.Client)
		}
		if !clientNamePrefixRE.MatchString(st.NamePrefix) {
			is.add(keyPath(KeyStack, "namePrefix"), "%q: want 2-28 lowercase letters, digits or dashes starting with a letter", st.NamePrefix)
		}
	case st.Client != "":
		is.add(keyPath(KeyStack, "client"), "only %s stacks name a client; remove it from a %s stack", KindClient, st.Kind)
		fallthrough
	case !namePrefixRE.MatchString(st.NamePrefix):
		if !namePrefixRE.MatchString(st.NamePrefix) {
			is.add(keyPath(KeyStack, "namePrefix"), "%q: want 2-20 lowercase letters, digits or dashes starting with a letter", st.NamePrefix)
		}
	}
	if d := st.SecretRecoveryDays; d != nil && *d != 0 && (*d < minSecretRecoveryDays || *d > maxSecretRecoveryDays) {
		is.add(keyPath(KeyStack, "secretRecoveryDays"), "%d: Secrets Manager allows 0 (delete at once, for throwaway stacks) or %d to %d days",
			*d, minSecretRecoveryDays, maxSecretRecoveryDays)
	}
	for i, a := range st.AllowedAccountIDs {
		if !accountRE.MatchString(a) {
			is.add(fmt.Sprintf("%s[%d]", keyPath(KeyStack, "allowedAccountIds"), i), "%q is not a 12-digit AWS account id", a)
		}
	}
}

// Protected says whether stateful resources get pulumi.Protect (default true).
func (s *Stack) Protected() bool {
	return s.Settings.Protect == nil || *s.Settings.Protect
}

// SecretRecoveryDays is the recovery window of every Secrets Manager secret of the stack: how
// long AWS keeps a deleted secret (and its name) before it is gone. 0 deletes at once.
func (s *Stack) SecretRecoveryDays() int {
	if s.Settings.SecretRecoveryDays == nil {
		return DefaultSecretRecoveryDays
	}
	return *s.Settings.SecretRecoveryDays
}

// IsRegion reports whether s is a regional stack.
func (s *Stack) IsRegion() bool { return s.Settings.Kind == KindRegion }

// HasCompute reports whether s is a stack that may hold a cluster, database and cache: a region
// or an environment stack.
func (s *Stack) HasCompute() bool {
	return s.Settings.Kind == KindRegion || s.Settings.Kind == KindEnvironment
}
