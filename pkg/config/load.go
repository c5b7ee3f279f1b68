package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// stackFileRE matches a stack file name and captures the stack name.
var stackFileRE = regexp.MustCompile(`^Pulumi\.([A-Za-z0-9][A-Za-z0-9._-]*)\.yaml$`)

// StackFileName is the file that holds the config of stack name.
func StackFileName(name string) string { return "Pulumi." + name + ".yaml" }

// StackNameFromFile returns the stack name of a Pulumi.<stack>.yaml path.
func StackNameFromFile(path string) (string, bool) {
	m := stackFileRE.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return "", false
	}
	return m[1], true
}

// topLevelKeys are the keys Pulumi itself allows at the top of a stack file.
var topLevelKeys = []string{"config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"}

// ReadFile parses one stack file with the project-level config of the Pulumi.yaml beside it. It
// returns the stack (its defaults applied, not yet validated) or Problems naming the file, line
// and key of everything that could not be read.
func ReadFile(path string) (*Stack, error) {
	proj, err := ReadProject(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	return proj.ReadFile(path)
}

// ReadFile parses one stack file of the project.
func (p *ProjectConfig) ReadFile(path string) (*Stack, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: filepath.Base(path), Msg: err.Error()}}
	}
	return p.Parse(filepath.Base(path), data)
}

// Parse reads the stack file named file from data, without project-level config.
func Parse(file string, data []byte) (*Stack, error) {
	return (*ProjectConfig)(nil).Parse(file, data)
}

// Parse reads the stack file named file from data, with the project's project-level config.
func (p *ProjectConfig) Parse(file string, data []byte) (*Stack, error) {
	name, ok := StackNameFromFile(file)
	if !ok {
		return nil, Problems{{File: file, Msg: "a stack file must be named Pulumi.<stack>.yaml"}}
	}
	s := &Stack{Name: name, File: file, lines: lineIndex{}, project: p}
	fail := func(line int, path, format string, args ...any) error {
		return Problems{{File: file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)}}
	}

	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Problems{yamlProblem(file, err)}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, fail(0, "", "empty stack file; want a `config:` map")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fail(root.Line, "", "want a map with a `config:` key at the top of the file")
	}
	var cfg *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		switch {
		case k.Value == "config":
			cfg = root.Content[i+1]
		case k.Value == "environment":
			// ESC environments add config the engine merges before project values; the loader
			// (validate, synth) cannot read them and would check other values than `up` deploys.
			return nil, fail(k.Line, k.Value, "Pulumi ESC environments are not supported: validate and synth could not see "+
				"the values they add; write the values in this file or in Pulumi.yaml's %s:%s", Project, KeyDefaults)
		case slices.Contains(topLevelKeys, k.Value):
		default:
			return nil, fail(k.Line, k.Value, "unknown top-level key%s; allowed: %s",
				suggest(k.Value, topLevelKeys), strings.Join(topLevelKeys, ", "))
		}
	}
	if cfg == nil || cfg.Kind != yaml.MappingNode {
		return nil, fail(root.Line, "config", "missing or not a map; every stack needs `config:` with %s:%s", Project, KeyStack)
	}
	tree, err := yamlToTree(cfg, "", s.lines)
	if err != nil {
		return nil, fail(0, "config", "%v", err)
	}
	values := map[string]any{}
	var is issues
	for key, v := range tree.(map[string]any) {
		ns, k, hasNS := strings.Cut(key, ":")
		switch {
		case !hasNS:
			is.add(key, "config keys need a namespace; write %s:%s", Project, key)
		case ns == Project:
			if !slices.Contains(Keys, k) {
				is.add(key, "unknown key%s; allowed keys: %s", suggest(k, Keys), qualified(Keys))
				continue
			}
			if v == "" {
				// `key: null` that the Pulumi CLI wrote back as "" (it does on any `pulumi config
				// set`): every project key holds a map, so an empty string is the same null.
				v = nil
			}
			values[k] = v
		case ns == "pulumi":
			if k == "disable-default-providers" {
				decode(key, v, &s.DisableDefaultProviders, &is)
			}
		case ns == "aws":
			is.add(key, "aws:* keys configure Pulumi's default AWS provider, which this project disables; "+
				"every resource uses the stack's explicit provider. Set %s:%s.awsRegion instead", Project, KeyStack)
		default:
			is.add(key, "unknown config namespace %q; allowed: %s:*, pulumi:*", ns, Project)
		}
	}
	fromProject := p.apply(values)
	s.raw = maps.Clone(values)
	s.decodeValues(values, fromProject, &is)
	if len(is) > 0 {
		return nil, s.report(is).Err()
	}
	return s, nil
}

// EngineConfig is the configuration map the Pulumi engine hands the program for this stack
// file: each project key, fully qualified, with structured values as JSON text. Synth runs the
// program with it, as `pulumi up` would.
func (s *Stack) EngineConfig() (map[string]string, error) {
	out := map[string]string{}
	for k, v := range s.raw {
		if hasSecure(v) {
			return nil, fmt.Errorf("%s: %s:%s holds an encrypted value, which only the Pulumi engine can decrypt", s.File, Project, k)
		}
		if str, ok := v.(string); ok {
			out[keyPath(k)] = str
			continue
		}
		if v == nil {
			out[keyPath(k)] = "" // a null block: the engine passes an empty string
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %s:%s: %w", s.File, Project, k, err)
		}
		out[keyPath(k)] = string(b)
	}
	return out, nil
}

func hasSecure(v any) bool {
	switch x := v.(type) {
	case secureValue:
		return true
	case map[string]any:
		for _, e := range x {
			if hasSecure(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasSecure(e) {
				return true
			}
		}
	}
	return false
}

// Lookup returns the raw value of a project config key as the engine hands it to a program.
type Lookup func(key string) (value string, ok bool)

// FromEngine builds the stack config of the running program from the values the engine passed
// (which may differ from the file by `pulumi config set`, and hold decrypted secrets). The file
// version, when there is one, supplies the line numbers for messages.
func FromEngine(name string, lookup Lookup, file *Stack) (*Stack, error) {
	s := &Stack{Name: name, File: StackFileName(name), lines: lineIndex{}}
	var fromProject []string
	values := map[string]any{}
	for _, k := range Keys {
		if raw, ok := lookup(k); ok {
			// The engine passes a key the stack file sets to null as an empty string: the stack
			// has no such block, whatever the defaults say.
			if raw == "" {
				values[k] = nil
				continue
			}
			values[k] = jsonToTree(raw)
		}
	}
	if file != nil {
		s.lines = file.lines
		s.project = file.project
		s.DisableDefaultProviders = file.DisableDefaultProviders
		// The keys the file took from Pulumi.yaml: where the engine passes the same value, a
		// problem in it names Pulumi.yaml's line.
		for k := range file.raw {
			if _, own := file.lines[keyPath(k)]; !own {
				fromProject = append(fromProject, k)
			}
		}
	}
	var is issues
	s.decodeValues(values, fromProject, &is)
	if len(is) > 0 {
		return nil, s.report(is).Err()
	}
	return s, nil
}

// decodeValues decodes the project keys of a stack: values as the engine passes them (fromProject
// names the keys that came from Pulumi.yaml), with global-sovereign:defaults laid under them.
func (s *Stack) decodeValues(values map[string]any, fromProject []string, is *issues) {
	s.inherited = applyDefaults(values, is)
	qualifiedInherited(s.inherited, fromProject)
	if sections, ok := values[KeyDefaults].(map[string]any); ok {
		// Kept as read (applyDefaults checked its shape): what the stack's blocks were laid over.
		s.Defaults = map[string]map[string]any{}
		for name, blocks := range sections {
			if m, ok := blocks.(map[string]any); ok {
				s.Defaults[name] = m
			}
		}
	}
	if v, ok := values[KeyStack]; ok {
		decode(keyPath(KeyStack), v, &s.Settings, is)
	} else {
		is.add(keyPath(KeyStack), "missing; every stack needs kind, code, awsRegion and environment")
	}
	decodeOptional(values, KeyNetwork, &s.Network, is)
	decodeOptional(values, KeyVPN, &s.VPN, is)
	decodeOptional(values, KeyDatabase, &s.Database, is)
	decodeOptional(values, KeyCache, &s.Cache, is)
	decodeOptional(values, KeyBackup, &s.Backup, is)
	decodeOptional(values, KeyCluster, &s.Cluster, is)
	decodeOptional(values, KeyIngress, &s.Ingress, is)
	decodeOptional(values, KeyCassandra, &s.Cassandra, is)
	decodeOptional(values, KeyMonitoring, &s.Monitoring, is)
	decodeOptional(values, KeyCassandraCluster, &s.CassandraCluster, is)
	decodeOptional(values, KeyGrafana, &s.Grafana, is)
	decodeOptional(values, KeyDNS, &s.DNS, is)
	decodeOptional(values, KeyCosts, &s.Costs, is)
	decodeOptional(values, KeyClient, &s.Client, is)
	if v, ok := values[KeyAlerts]; ok {
		decode(keyPath(KeyAlerts), v, &s.Alerts, is)
	}
	if v, ok := values[KeyTags]; ok {
		decode(keyPath(KeyTags), v, &s.Tags, is)
	}
	if len(*is) == 0 {
		s.applyDefaults()
	}
}

// decodeOptional decodes an optional block of the project namespace into a new *T; an absent or
// null block leaves dst nil.
func decodeOptional[T any](values map[string]any, key string, dst **T, is *issues) {
	if v, ok := values[key]; ok && v != nil {
		*dst = new(T)
		decode(keyPath(key), v, *dst, is)
	}
}

// report attaches the file and line that wrote each key path to the issues: the stack file, or
// Pulumi.yaml for a value the stack took from the project.
func (s *Stack) report(is issues) Problems {
	out := make(Problems, len(is))
	for i, p := range is {
		p.File, p.Line = s.locate(p.Path)
		if p.also != "" && p.File != s.File {
			if file, line := s.locate(p.also); file == s.File && line > 0 {
				p.File, p.Line = file, line
			}
		}
		p.also = ""
		p.Stack = s.Name
		out[i] = p
	}
	return out
}

// lineOf finds the line of a key path, or of its nearest ancestor that the file has.
func (s *Stack) lineOf(path string) int { return s.lines.nearest(path) }

// StackFiles lists the Pulumi.<stack>.yaml files in dir, sorted by name.
func StackFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if _, ok := StackNameFromFile(e.Name()); ok && !e.IsDir() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

func qualified(keys []string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = keyPath(k)
	}
	return strings.Join(out, ", ")
}
