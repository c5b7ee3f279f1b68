package scaffold

import (
	"fmt"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/regions"
)

// The lines every new stack file shares after its header: the providers it turns off.
const providersBlock = `config:
  # Every resource uses this stack's explicit providers; the default ones would deploy to whatever
  # region or cluster the caller's environment names.
  pulumi:disable-default-providers: ["aws", "kubernetes"]
`

const keysLine = "# Keys are documented in docs/configuration.md; `sovereign validate` checks them.\n"

// RegionSpec is what a region stack file says: everything else comes from
// global-sovereign:defaults.region in Pulumi.yaml.
type RegionSpec struct {
	Code      string
	AWSRegion string
	VPCCIDR   string
	Zones     regions.Zones
	// TunnelBlock is the stack's /27 of VPN tunnel inside addresses (vpn.tunnelInsideBlock),
	// when the region stacks have a VPN.
	TunnelBlock string
}

// RenderRegion writes a region stack file in the shape of the committed ones: header, providers,
// stack, network (VPC and AZs) and, when the region has one, the backup copy region.
func RenderRegion(r RegionSpec) []byte {
	var b strings.Builder
	if reg, _ := regions.Lookup(r.AWSRegion); reg.OptIn {
		fmt.Fprintf(&b, "# Stack %s: the %s region of the Global Sovereign platform (production). %s is an\n", r.Code, r.AWSRegion, r.AWSRegion)
		b.WriteString("# opt-in region: enable it in the account first. What every region shares is in Pulumi.yaml\n")
		b.WriteString("# (global-sovereign:defaults.region); this file holds what differs.\n")
	} else {
		fmt.Fprintf(&b, "# Stack %s: the %s region of the Global Sovereign platform (production). What every region\n", r.Code, r.AWSRegion)
		b.WriteString("# shares is in Pulumi.yaml (global-sovereign:defaults.region); this file holds what differs.\n")
	}
	b.WriteString(keysLine)
	b.WriteString(providersBlock)
	stackBlock(&b, config.KindRegion, r.Code, r.AWSRegion, config.EnvProduction, "")
	b.WriteString("  global-sovereign:network:\n")
	fmt.Fprintf(&b, "    vpcCidr: %s\n", r.VPCCIDR)
	if r.Zones.Note != "" {
		fmt.Fprintf(&b, "    # %s\n", r.Zones.Note)
	}
	fmt.Fprintf(&b, "    availabilityZones: [%s]\n", strings.Join(r.Zones.AZs, ", "))
	if r.TunnelBlock != "" {
		b.WriteString("  global-sovereign:vpn:\n")
		b.WriteString("    # This stack's own /27 for its office tunnels' inside addresses, unique in the fleet.\n")
		fmt.Fprintf(&b, "    tunnelInsideBlock: %s\n", r.TunnelBlock)
	}
	if c := r.Zones.CopyRegion; c != "" {
		b.WriteString("  global-sovereign:backup:\n")
		b.WriteString("    # AWS Backup copies every recovery point to a vault in this region.\n")
		if reg, _ := regions.Lookup(c); reg.OptIn {
			fmt.Fprintf(&b, "    # %s is an opt-in region: enable it in the account too.\n", c)
		}
		fmt.Fprintf(&b, "    copyRegion: %s\n", c)
	} else {
		fmt.Fprintf(&b, "  # No backup: pkg/regions knows no copy region for %s. Set global-sovereign:backup.copyRegion.\n", r.AWSRegion)
	}
	return []byte(b.String())
}

// EnvironmentSpec is what an environment stack file says: its compute comes from
// global-sovereign:defaults.environment in Pulumi.yaml, its network from the region stack.
type EnvironmentSpec struct {
	Code        string // the region code, shared with the region stack
	AWSRegion   string
	Environment config.Environment
	Region      string // the region stack's name, whose network it shares
}

// RenderEnvironment writes an environment stack file: header, providers and the stack block only.
func RenderEnvironment(e EnvironmentSpec) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Stack %s-%s: the %s environment in %s, with its own cluster, database and\n", e.Code, e.Environment, e.Environment, e.AWSRegion)
	fmt.Fprintf(&b, "# cache on the network of region stack %s (read through a StackReference). What every\n", e.Region)
	b.WriteString("# environment shares is in Pulumi.yaml (global-sovereign:defaults.environment).\n")
	b.WriteString(keysLine)
	b.WriteString(providersBlock)
	stackBlock(&b, config.KindEnvironment, e.Code, e.AWSRegion, e.Environment, "")
	return []byte(b.String())
}

// ClientSpec is what a client stack file says: the client lives in Home's cluster and database.
type ClientSpec struct {
	Client      string
	Code        string
	AWSRegion   string
	Environment config.Environment
	Home        string // the region or environment stack it lives in
}

// RenderClient writes a client stack file: header, providers and the stack block only.
func RenderClient(c ClientSpec) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Stack %s-%s: client %s of %s (%s, %s): a namespace in the cluster of\n", c.Home, c.Client, c.Client, c.Home, c.Environment, c.AWSRegion)
	b.WriteString("# that stack (read through a StackReference) and the client's own identity, bucket and\n")
	b.WriteString("# database. What every client shares is in Pulumi.yaml (global-sovereign:defaults.client).\n")
	b.WriteString(keysLine)
	b.WriteString(providersBlock)
	stackBlock(&b, config.KindClient, c.Code, c.AWSRegion, c.Environment, c.Client)
	return []byte(b.String())
}

func stackBlock(b *strings.Builder, kind config.Kind, code, awsRegion string, env config.Environment, client string) {
	b.WriteString("  global-sovereign:stack:\n")
	fmt.Fprintf(b, "    kind: %s\n    code: %s\n    awsRegion: %s\n    environment: %s\n", kind, code, awsRegion, env)
	if client != "" {
		fmt.Fprintf(b, "    client: %s\n", client)
	}
}
