// Package scaffold writes the stack file of a new region, environment or client (`sovereign new`):
// only what differs from the project's defaults, with the next free VPC CIDR and the region's
// AZs, and then validates the whole fleet, removing what it wrote when the fleet does not
// validate. It imports no Pulumi SDK.
package scaffold

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/regions"
)

// Project is a project directory with its fleet loaded and validated: a stack is only added to a
// fleet that validates, so that a problem after the addition is the addition's.
type Project struct {
	Dir   string
	Fleet *config.Fleet
	proj  *config.ProjectConfig
}

// Load reads and validates the fleet of dir.
func Load(dir string) (*Project, error) {
	fleet, err := config.LoadDir(dir)
	if err == nil {
		err = fleet.Validate().Err()
	}
	if err != nil {
		return nil, fmt.Errorf("%w\nthe fleet in %s does not validate; fix it before adding a stack", err, dir)
	}
	proj, err := config.ReadProject(dir)
	if err != nil {
		return nil, err
	}
	return &Project{Dir: dir, Fleet: fleet, proj: proj}, nil
}

// Change is a new stack file and the edits to existing files that go with it.
type Change struct {
	Dir   string
	Stack string // the new stack's name
	File  string // its file, Pulumi.<stack>.yaml
	Data  []byte
	Kind  config.Kind
	// Region stacks only: what the file says about the network.
	VPCCIDR string
	Zones   regions.Zones
	// Edits are changes to existing files (the global stack's budget list).
	Edits []Edit
	// Notes say what else deploying the new stack changes.
	Notes []string
}

// String names the change for messages: file, kind and, for a region, its VPC.
func (c *Change) String() string {
	if c == nil {
		return "no change"
	}
	out := fmt.Sprintf("%s (%s", c.File, c.Kind)
	if c.VPCCIDR != "" {
		out += ", VPC " + c.VPCCIDR
	}
	for _, e := range c.Edits {
		out += ", edits " + e.File
	}
	return out + ")"
}

// Edit replaces the content of an existing file.
type Edit struct {
	File     string // base name in Dir
	Old, New []byte
	What     string // for the summary
}

// Region plans the stack file of a new production region: code C in AWS region awsRegion.
func (p *Project) Region(code, awsRegion string) (*Change, error) {
	if !config.ValidCode(code) {
		return nil, fmt.Errorf("--region %q: want 2-10 lowercase letters or digits starting with a letter, e.g. fra", code)
	}
	if err := p.refuseExisting(code); err != nil {
		return nil, err
	}
	if s := p.stackWithCode(code); s != nil {
		return nil, fmt.Errorf("--region %s: stack %s (%s) has code %s already; codes in use: %s", code, s.Name, s.File, code, strings.Join(p.codes(), ", "))
	}
	if _, ok := regions.Lookup(awsRegion); !ok {
		return nil, fmt.Errorf("--aws-region %q: unknown AWS region%s; allowed: %s", awsRegion,
			config.Suggest(awsRegion, regions.Names()), strings.Join(regions.Names(), ", "))
	}
	for _, s := range p.Fleet.Stacks {
		if s.IsRegion() && s.Settings.AWSRegion == awsRegion && s.Settings.Environment == config.EnvProduction {
			return nil, fmt.Errorf("--aws-region %s: region stack %s (%s) is there already; the global database and the latency DNS "+
				"take one region stack per AWS region. Add an environment (sovereign new env) or a client (sovereign new client) to %s instead",
				awsRegion, s.Name, s.File, s.Name)
		}
	}
	zones, ok := regions.ZonesOf(awsRegion)
	if !ok {
		return nil, fmt.Errorf("--aws-region %s: no AZs for it in pkg/regions (zones.go); add them there", awsRegion)
	}
	taken := p.taken()
	// The next free block of tunnel inside addresses: the office devices end every region's
	// tunnels, so no two stacks may share one (config/vpntunnels.go).
	spec := RegionSpec{Code: code, AWSRegion: awsRegion, Zones: zones, TunnelBlock: config.FirstFreeTunnelBlock(p.Fleet.TunnelBlocks()).String()}
	var stack *config.Stack
	// The new stack's own office networks come from the project defaults: allocate, read the
	// file as the loader will, and allocate again if one of them is in the way.
	for range 2 {
		vpc, err := FreeVPC(taken)
		if err != nil {
			return nil, err
		}
		spec.VPCCIDR = vpc.String()
		stack, err = p.proj.Parse(config.StackFileName(code), RenderRegion(spec))
		if err != nil {
			return nil, fmt.Errorf("the new file does not read back: %w", err)
		}
		if stack.VPN == nil || len(stack.VPN.CustomerGateways) == 0 { // the defaults give region stacks no VPN
			spec.TunnelBlock = ""
			if stack, err = p.proj.Parse(config.StackFileName(code), RenderRegion(spec)); err != nil {
				return nil, fmt.Errorf("the new file does not read back: %w", err)
			}
		}
		own := officeNetworks(stack)
		if !overlapsAny(vpc, own) {
			break
		}
		taken = append(taken, own...)
		spec.VPCCIDR = ""
	}
	if spec.VPCCIDR == "" {
		return nil, fmt.Errorf("no free /16 in %s avoids the office networks", Pool)
	}
	c := p.change(code, config.KindRegion, RenderRegion(spec))
	c.VPCCIDR, c.Zones = spec.VPCCIDR, zones
	if primary := p.Fleet.PrimaryDatabase(config.EnvProduction); primary != nil && stack.Database != nil &&
		stack.Database.Role == config.RoleSecondary && !slices.Contains(p.Fleet.SecondaryRegions(config.EnvProduction), awsRegion) {
		c.Notes = append(c.Notes, fmt.Sprintf("%s (the global database's primary) replicates its credentials secret to %s too: an in-place update, deployed before %s",
			primary.Name, awsRegion, code))
	}
	for _, s := range p.Fleet.Stacks {
		if s.Settings.Kind == config.KindGlobal && s.Settings.Environment == config.EnvProduction {
			note := fmt.Sprintf("%s adds the VPC peerings with %s, its latency record and health check", s.Name, code)
			if s.Grafana != nil && stack.Monitoring != nil {
				note += ", and its Prometheus workspace to Grafana (a data source and a query policy)"
			}
			c.Notes = append(c.Notes, note+", after "+code)
		}
	}
	return c, nil
}

// Environment plans the stack file of environment env on the network of region stack code.
// When the global stack budgets no env, budgetUSD > 0 adds the budget to its file.
func (p *Project) Environment(code string, env config.Environment, budgetUSD int) (*Change, error) {
	var region *config.Stack
	var regionCodes []string
	for _, s := range p.Fleet.Stacks {
		if s.IsRegion() {
			regionCodes = append(regionCodes, s.Settings.Code)
			if s.Settings.Code == code {
				region = s
			}
		}
	}
	slices.Sort(regionCodes)
	if region == nil {
		return nil, fmt.Errorf("--region %q: no region stack has this code%s; region codes: %s", code, config.Suggest(code, regionCodes), strings.Join(regionCodes, ", "))
	}
	var allowed []string
	for _, e := range config.Environments() {
		if e != region.Settings.Environment {
			allowed = append(allowed, string(e))
		}
	}
	if !slices.Contains(allowed, string(env)) {
		why := "unknown environment"
		if env == region.Settings.Environment {
			why = fmt.Sprintf("the environment of region stack %s itself", region.Name)
		}
		return nil, fmt.Errorf("--name %q: %s; allowed: %s", env, why, strings.Join(allowed, ", "))
	}
	name := code + "-" + string(env)
	if err := p.refuseExisting(name); err != nil {
		return nil, err
	}
	for _, s := range p.Fleet.Stacks {
		if s.Settings.Kind == config.KindEnvironment && s.Settings.Code == code && s.Settings.Environment == env {
			return nil, fmt.Errorf("stack %s (%s) is the %s environment of %s already", s.Name, s.File, env, code)
		}
	}
	c := p.change(name, config.KindEnvironment, RenderEnvironment(EnvironmentSpec{
		Code: code, AWSRegion: region.Settings.AWSRegion, Environment: env, Region: region.Name}))
	edit, err := p.budgetEdit(region.Settings.Environment, env, budgetUSD)
	if err != nil {
		return nil, err
	}
	if edit != nil {
		c.Edits = append(c.Edits, *edit)
	}
	return c, nil
}

// budgetEdit adds env's budget to the global stack that budgets environment home, when the fleet
// budgets costs and env has no budget yet.
func (p *Project) budgetEdit(home, env config.Environment, usd int) (*Edit, error) {
	var global *config.Stack
	for _, s := range p.Fleet.Stacks {
		if s.Settings.Kind != config.KindGlobal || s.Costs == nil {
			continue
		}
		for _, b := range s.Costs.Budgets {
			if b.Environment == env {
				if usd > 0 {
					return nil, fmt.Errorf("--monthly-budget-usd: %s budgets %s already; change it there, or drop the flag", s.File, env)
				}
				return nil, nil
			}
		}
		if s.Settings.Environment == home {
			global = s
		}
	}
	switch {
	case global == nil && usd > 0:
		return nil, fmt.Errorf("--monthly-budget-usd: no global stack of environment %s budgets costs; drop the flag", home)
	case global == nil:
		return nil, nil
	case usd <= 0:
		return nil, fmt.Errorf("%s budgets no %s, and the global stack budgets every environment with stacks: pass --monthly-budget-usd <USD> "+
			"to add `- {environment: %s, monthlyLimitUsd: <USD>}` to its %s:%s.budgets, or add that yourself first", global.File, env, env, config.Project, config.KeyCosts)
	}
	old, err := os.ReadFile(filepath.Join(p.Dir, global.File))
	if err != nil {
		return nil, err
	}
	updated, err := InsertBudget(global.File, old, env, usd)
	if err != nil {
		return nil, err
	}
	return &Edit{File: global.File, Old: old, New: updated,
		What: fmt.Sprintf("budget %s: %d USD a month, in %s:%s.budgets", env, usd, config.Project, config.KeyCosts)}, nil
}

// Client plans the stack file of client name in the cluster of region or environment stack home.
func (p *Project) Client(home, name string) (*Change, error) {
	h := p.Fleet.Stack(home)
	if h == nil || !h.HasCompute() {
		var homes []string
		for _, s := range p.Fleet.Stacks {
			if s.HasCompute() {
				homes = append(homes, s.Name)
			}
		}
		slices.Sort(homes)
		return nil, fmt.Errorf("--stack %q: not a region or environment stack%s; allowed: %s", home, config.Suggest(home, homes), strings.Join(homes, ", "))
	}
	if !config.ValidCode(name) {
		return nil, fmt.Errorf("--name %q: want 2-10 lowercase letters or digits starting with a letter, e.g. ezra", name)
	}
	if h.Cluster == nil {
		return nil, fmt.Errorf("--stack %s: %s has no cluster for the client's namespace", home, h.File)
	}
	stack := home + "-" + name
	if err := p.refuseExisting(stack); err != nil {
		return nil, err
	}
	for _, s := range p.Fleet.Stacks {
		if s.Settings.Kind == config.KindClient && s.Settings.Client == name && s.Settings.Code == h.Settings.Code && s.Settings.Environment == h.Settings.Environment {
			return nil, fmt.Errorf("stack %s (%s) is client %s of %s already", s.Name, s.File, name, home)
		}
	}
	return p.change(stack, config.KindClient, RenderClient(ClientSpec{Client: name, Code: h.Settings.Code,
		AWSRegion: h.Settings.AWSRegion, Environment: h.Settings.Environment, Home: h.Name})), nil
}

func (p *Project) change(stack string, kind config.Kind, data []byte) *Change {
	return &Change{Dir: p.Dir, Stack: stack, File: config.StackFileName(stack), Data: data, Kind: kind}
}

// refuseExisting refuses a stack whose file exists (whether or not it parses).
func (p *Project) refuseExisting(stack string) error {
	file := config.StackFileName(stack)
	if _, err := os.Lstat(filepath.Join(p.Dir, file)); err == nil {
		return fmt.Errorf("%s exists already; sovereign new never overwrites a stack file", filepath.Join(p.Dir, file))
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (p *Project) stackWithCode(code string) *config.Stack {
	for _, s := range p.Fleet.Stacks {
		if s.Settings.Code == code {
			return s
		}
	}
	return nil
}

func (p *Project) codes() []string {
	var out []string
	for _, s := range p.Fleet.Stacks {
		out = append(out, s.Settings.Code)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// taken lists every VPC and office network of the fleet, as the stacks read after the defaults.
func (p *Project) taken() []Taken {
	var out []Taken
	for _, s := range p.Fleet.Stacks {
		if s.Network != nil {
			if v, err := netip.ParsePrefix(s.Network.VPCCIDR); err == nil {
				out = append(out, Taken{Prefix: v.Masked(), VPC: true})
			}
		}
		out = append(out, officeNetworks(s)...)
	}
	return out
}

func officeNetworks(s *config.Stack) []Taken {
	var out []Taken
	if s.VPN == nil {
		return nil
	}
	for _, g := range s.VPN.CustomerGateways {
		for _, c := range g.ClientCIDRs {
			if o, err := netip.ParsePrefix(c); err == nil {
				out = append(out, Taken{Prefix: o.Masked()})
			}
		}
	}
	return out
}

func overlapsAny(p netip.Prefix, taken []Taken) bool {
	for _, t := range taken {
		if t.Prefix.Overlaps(p) {
			return true
		}
	}
	return false
}

// Apply writes the new stack file and the edits, then loads and validates the whole fleet. When
// the fleet does not validate, it removes the new file and restores the edited ones, and returns
// the problems: nothing is left half-applied. It returns the validated fleet.
func (c *Change) Apply() (*config.Fleet, error) {
	path := filepath.Join(c.Dir, c.File)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (sovereign new never overwrites a stack file)", path, err)
	}
	_, werr := f.Write(c.Data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, errors.Join(werr, c.rollback(0))
	}
	for i, e := range c.Edits {
		if err := writeEdit(filepath.Join(c.Dir, e.File), e); err != nil {
			return nil, errors.Join(err, c.rollback(i))
		}
	}
	fleet, err := config.LoadDir(c.Dir)
	if err == nil {
		err = fleet.Validate().Err()
	}
	if err != nil {
		undone := []string{"removed " + c.File}
		for _, e := range c.Edits {
			undone = append(undone, "restored "+e.File)
		}
		return nil, errors.Join(fmt.Errorf("%w\nthe fleet does not validate with %s; nothing is left changed (%s)", err, c.File, strings.Join(undone, ", ")),
			c.rollback(len(c.Edits)))
	}
	return fleet, nil
}

// writeEdit replaces a file's content if it is still what the edit was planned on.
func writeEdit(path string, e Edit) error {
	cur, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Equal(cur, e.Old) {
		return fmt.Errorf("%s changed while the new stack was being written; run the command again", path)
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	tmp := path + ".sovereign-new"
	if err := os.WriteFile(tmp, e.New, info.Mode().Perm()); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}

// rollback removes the new file and restores the first applied edits.
func (c *Change) rollback(applied int) error {
	var errs []error
	if err := os.Remove(filepath.Join(c.Dir, c.File)); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	for _, e := range c.Edits[:applied] {
		if err := os.WriteFile(filepath.Join(c.Dir, e.File), e.Old, 0o644); err != nil {
			errs = append(errs, fmt.Errorf("restoring %s: %w", e.File, err))
		}
	}
	return errors.Join(errs...)
}
