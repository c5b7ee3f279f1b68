package failover

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/global-sovereign/global-sovereign/pkg/config"
)

// Edit is one change the failover makes to a stack file: the file, and the new value of one key
// path (Value "" deletes the key).
type Edit struct {
	File  string // base name, e.g. Pulumi.ams.yaml
	Block string // the config key, e.g. global-sovereign:database
	Key   string
	Value string
}

func (e Edit) String() string {
	if e.Value == "" {
		return fmt.Sprintf("%s: remove %s.%s", e.File, e.Block, e.Key)
	}
	return fmt.Sprintf("%s: %s.%s = %s", e.File, e.Block, e.Key, e.Value)
}

const (
	blockDatabase = config.Project + ":" + config.KeyDatabase
	blockDNS      = config.Project + ":" + config.KeyDNS
)

// roleEdits makes the config say what AWS says after the writer moved from one stack to
// another: the roles swap; the home (global cluster and credentials) stays where it is, saying
// so explicitly when it was the home only by being the primary; the backup retention moves with
// the writer; the DNS default region follows the writer.
func roleEdits(fleet *config.Fleet, from, to *config.Stack) []Edit {
	env := from.Settings.Environment
	home := fleet.DatabaseHome(env)
	fromFile, toFile := filepath.Base(from.File), filepath.Base(to.File)
	edits := []Edit{
		{File: fromFile, Block: blockDatabase, Key: "role", Value: string(config.RoleSecondary)},
		{File: fromFile, Block: blockDatabase, Key: "backupRetentionDays"},
	}
	if home == from && !from.Database.IsHome() {
		edits = append(edits, Edit{File: fromFile, Block: blockDatabase, Key: "home", Value: "true"})
	}
	edits = append(edits, Edit{File: toFile, Block: blockDatabase, Key: "role", Value: string(config.RolePrimary)})
	if d := from.Database.BackupRetentionDays; d != 0 && d != config.DefaultBackupRetentionDays {
		edits = append(edits, Edit{File: toFile, Block: blockDatabase, Key: "backupRetentionDays", Value: fmt.Sprint(d)})
	}
	for _, g := range fleet.Stacks {
		if g.Settings.Kind == config.KindGlobal && g.Settings.Environment == env && g.DNS != nil && g.DNS.DefaultRegion == from.Settings.Code {
			edits = append(edits, Edit{File: filepath.Base(g.File), Block: blockDNS, Key: "defaultRegion", Value: to.Settings.Code})
		}
	}
	return edits
}

// applyEdits returns the new contents of the files the edits touch, read from dir. Comments and
// the order of keys survive (yaml.v3 nodes).
func applyEdits(dir string, edits []Edit) (map[string][]byte, error) {
	docs := map[string]*yaml.Node{}
	var order []string
	for _, e := range edits {
		doc, ok := docs[e.File]
		if !ok {
			data, err := os.ReadFile(filepath.Join(dir, e.File))
			if err != nil {
				return nil, err
			}
			doc = &yaml.Node{}
			if err := yaml.Unmarshal(data, doc); err != nil {
				return nil, fmt.Errorf("%s: %w", e.File, err)
			}
			if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
				return nil, fmt.Errorf("%s: not a stack file (a mapping with a config key)", e.File)
			}
			docs[e.File] = doc
			order = append(order, e.File)
		}
		cfg := child(doc.Content[0], "config", true)
		block := child(cfg, e.Block, e.Value != "")
		if block == nil {
			continue // deleting from a block that is not there
		}
		if e.Value == "" {
			remove(block, e.Key)
			continue
		}
		v := child(block, e.Key, true)
		v.Kind, v.Tag, v.Value, v.Style, v.Content = yaml.ScalarNode, "", e.Value, 0, nil
	}
	out := map[string][]byte{}
	for _, f := range order {
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(docs[f]); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
		out[f] = buf.Bytes()
	}
	return out, nil
}

// child returns the value node of key in a mapping, adding an empty mapping when create is set.
func child(m *yaml.Node, key string, create bool) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	if !create {
		return nil
	}
	v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
	return v
}

func remove(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// validateEdited loads the fleet of dir with the edited files in place of the originals, in a
// temporary copy, and returns its problems: a failover never writes a config that does not
// validate.
func validateEdited(dir string, files map[string][]byte) error {
	tmp, err := os.MkdirTemp("", "sovereign-failover-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	all, err := filepath.Glob(filepath.Join(dir, "Pulumi*.yaml"))
	if err != nil {
		return err
	}
	for _, f := range all {
		data, ok := files[filepath.Base(f)]
		if !ok {
			if data, err = os.ReadFile(f); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(tmp, filepath.Base(f)), data, 0o644); err != nil {
			return err
		}
	}
	fleet, err := config.LoadDir(tmp)
	if err != nil {
		return fmt.Errorf("the edited config does not load: %s", strings.ReplaceAll(err.Error(), tmp+string(filepath.Separator), ""))
	}
	if ps := fleet.Validate(); len(ps) > 0 {
		return fmt.Errorf("the edited config does not validate: %s", strings.ReplaceAll(ps.Err().Error(), tmp+string(filepath.Separator), ""))
	}
	return nil
}

// EditedConfig writes the edited stack files of a role change into a copy of dir's stack files
// and returns the copy's path: tests synthesize the fleet after a switchover from it, with the
// very edits the command makes.
func EditedConfig(dir, out string, fleet *config.Fleet, from, to string) error {
	f, t := fleet.Stack(from), fleet.Stack(to)
	if f == nil || t == nil {
		return fmt.Errorf("no stack %s or %s", from, to)
	}
	files, err := applyEdits(dir, roleEdits(fleet, f, t))
	if err != nil {
		return err
	}
	all, err := filepath.Glob(filepath.Join(dir, "Pulumi*.yaml"))
	if err != nil {
		return err
	}
	for _, p := range all {
		data, ok := files[filepath.Base(p)]
		if !ok {
			if data, err = os.ReadFile(p); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(out, filepath.Base(p)), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
