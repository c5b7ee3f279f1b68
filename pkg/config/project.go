package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// ProjectFileName is the project file. Its `config:` section holds project-level values: the
// Pulumi engine gives each of them to every stack whose own file does not set the key (the stack
// file wins, key by key, never merged). The loader applies them exactly so, and then the program
// applies the `global-sovereign:defaults` key they carry (see [Stack.Defaults]).
const ProjectFileName = "Pulumi.yaml"

// ProjectConfig is the project-level config of Pulumi.yaml.
type ProjectConfig struct {
	File   string         // Pulumi.yaml, for messages
	values map[string]any // project keys (unqualified) to their value
	lines  lineIndex      // qualified key paths to their line in File
}

// declarationKeys are the keys of a project-level config declaration this project reads. The
// engine also knows type, items and secret; a project value is plain text in Pulumi.yaml, and the
// project's own validation (not a type declaration) checks its shape.
var declarationKeys = []string{"value", "default", "description"}

// ReadProject reads the project-level config of dir/Pulumi.yaml. A directory without one has none
// (the stack files alone describe the stacks, as in tests).
func ReadProject(dir string) (*ProjectConfig, error) {
	path := filepath.Join(dir, ProjectFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &ProjectConfig{File: ProjectFileName, lines: lineIndex{}}, nil
	}
	if err != nil {
		return nil, Problems{{File: ProjectFileName, Msg: err.Error()}}
	}
	return ParseProject(ProjectFileName, data)
}

// ParseProject reads the project-level config from the text of a Pulumi.yaml.
func ParseProject(file string, data []byte) (*ProjectConfig, error) {
	p := &ProjectConfig{File: file, values: map[string]any{}, lines: lineIndex{}}
	var is issues
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Problems{yamlProblem(file, err)}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, Problems{{File: file, Msg: "want a map with name, runtime and optionally config"}}
	}
	root := doc.Content[0]
	var cfg *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "config" {
			cfg = root.Content[i+1]
		}
	}
	if cfg == nil {
		return p, nil
	}
	if cfg.Kind != yaml.MappingNode {
		return nil, Problems{{File: file, Line: cfg.Line, Path: "config", Msg: "want a map of config keys"}}
	}
	for i := 0; i+1 < len(cfg.Content); i += 2 {
		k, v := cfg.Content[i], cfg.Content[i+1]
		key := k.Value
		if !strings.Contains(key, ":") {
			key = Project + ":" + key // the engine puts an unqualified key in the project namespace
		}
		p.lines[key] = k.Line
		ns, name, _ := strings.Cut(key, ":")
		if ns != Project {
			is.add(key, "only %s:* keys may be set for the whole project here; set %s in each stack file "+
				"(the loader reads provider and pulumi keys from the stack file)", Project, key)
			continue
		}
		if !slices.Contains(Keys, name) || name == KeyStack {
			allowed := slices.DeleteFunc(slices.Clone(Keys), func(k string) bool { return k == KeyStack })
			is.add(key, "not a project-level key%s; allowed: %s (%s is each stack's own)", suggest(name, allowed),
				qualified(allowed), keyPath(KeyStack))
			continue
		}
		valueNode := v
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			is.add(key, "null is not a project-level value (Pulumi refuses to load the file); remove the key, or set null in the stack files that have no such block")
			continue
		}
		if v.Kind == yaml.MappingNode {
			// A map is a declaration: {value: ...} or {default: ...}, with a description.
			valueNode = nil
			for j := 0; j+1 < len(v.Content); j += 2 {
				dk, dv := v.Content[j], v.Content[j+1]
				p.lines[key+"."+dk.Value] = dk.Line
				switch {
				case !slices.Contains(declarationKeys, dk.Value):
					is.add(key+"."+dk.Value, "unknown declaration key%s; allowed: %s (an object value goes under value:)",
						suggest(dk.Value, declarationKeys), strings.Join(declarationKeys, ", "))
				case dk.Value == "description":
				case valueNode != nil:
					is.add(key+"."+dk.Value, "set value or default, not both")
				default:
					valueNode = dv
				}
			}
			if valueNode == nil {
				is.add(key, "no value; write `value:` with the value every stack gets")
				continue
			}
			if valueNode.Kind == yaml.ScalarNode && valueNode.Tag == "!!null" {
				// The engine would find neither value nor default and fail every stack without
				// the key as missing a required value.
				is.add(key, "a null value is no value: every stack without the key would fail as missing it; remove the key")
				continue
			}
		}
		tree, err := yamlToTree(valueNode, key, p.lines)
		if err != nil {
			is.add(key, "%v", err)
			continue
		}
		if hasSecure(tree) {
			is.add(key, "encrypted values cannot be shared through Pulumi.yaml; set them in each stack file")
			continue
		}
		p.values[name] = tree
	}
	if len(is) > 0 {
		out := make(Problems, len(is))
		for i, x := range is {
			x.File, x.Line = file, p.lines[x.Path]
			out[i] = x
		}
		return nil, out.Err()
	}
	return p, nil
}

// apply gives values (one stack file's project keys) every project value whose key the stack file
// does not set, as the engine does, and returns the keys it added.
func (p *ProjectConfig) apply(values map[string]any) []string {
	if p == nil {
		return nil
	}
	var added []string
	for k, v := range p.values {
		if _, set := values[k]; !set {
			values[k] = v
			added = append(added, k)
		}
	}
	return added
}

// Keys that hold no block, and so cannot be in a section of the defaults.
var notDefaultable = []string{KeyDefaults}

// sharedStackKeys are the keys of global-sovereign:stack a section of the defaults may set: values
// many stacks share, such as the account they deploy into. The rest (kind, code, region,
// environment, client, protection) say which stack a file is, and stay in each stack's own file.
var sharedStackKeys = []string{"allowedAccountIds"}

// The sections of global-sovereign:defaults: every stack, then a kind's stacks.
const defaultsForAll = "all"

// applyDefaults deep-merges the sections of values[KeyDefaults] that apply to the stack's kind
// under the stack's own blocks: maps merge key by key, a list or scalar the stack sets replaces
// the default whole, and a block the stack sets to null is left out (a region without a cache).
// It returns, for each key path the stack took from the defaults, the path in the defaults it
// came from, so that a problem names the line that wrote the value.
func applyDefaults(values map[string]any, is *issues) map[string]string {
	inherited := map[string]string{}
	raw, ok := values[KeyDefaults]
	if !ok || raw == nil {
		return inherited
	}
	sections, ok := raw.(map[string]any)
	if !ok {
		is.add(keyPath(KeyDefaults), "want a map of sections (%s), got %s", strings.Join(defaultSections(), ", "), describe(raw))
		return inherited
	}
	for _, name := range sortedKeys(sections) {
		if !slices.Contains(defaultSections(), name) {
			is.add(keyPath(KeyDefaults, name), "unknown section%s; allowed: %s", suggest(name, defaultSections()),
				strings.Join(defaultSections(), ", "))
		}
	}
	kind := ""
	if st, ok := values[KeyStack].(map[string]any); ok {
		kind, _ = st["kind"].(string)
	}
	for _, section := range []string{defaultsForAll, kind} {
		blocks, ok := sections[section]
		if !ok || blocks == nil || section == "" {
			continue
		}
		m, ok := blocks.(map[string]any)
		if !ok {
			is.add(keyPath(KeyDefaults, section), "want a map of config blocks, got %s", describe(blocks))
			continue
		}
		for _, block := range sortedKeys(m) {
			if !slices.Contains(Keys, block) || slices.Contains(notDefaultable, block) {
				allowed := slices.DeleteFunc(slices.Clone(Keys), func(k string) bool { return slices.Contains(notDefaultable, k) })
				is.add(keyPath(KeyDefaults, section, block), "not a block that has defaults%s; allowed: %s",
					suggest(block, allowed), strings.Join(allowed, ", "))
				continue
			}
			if block == KeyStack && !onlySharedStackKeys(m[block], keyPath(KeyDefaults, section, block), is) {
				continue
			}
			if own, set := values[block]; set && own == nil {
				continue // the stack writes `global-sovereign:<block>: null`: it has no such block
			}
			values[block] = mergeTree(m[block], values[block], keyPath(block), keyPath(KeyDefaults, section, block), inherited)
		}
	}
	return inherited
}

// onlySharedStackKeys reports whether a defaults section's stack block sets only sharedStackKeys,
// adding a problem for each key that is a stack's own.
func onlySharedStackKeys(block any, path string, is *issues) bool {
	m, ok := block.(map[string]any)
	if !ok {
		is.add(path, "want a map of %s, got %s", strings.Join(sharedStackKeys, ", "), describe(block))
		return false
	}
	ok = true
	for _, k := range sortedKeys(m) {
		if !slices.Contains(sharedStackKeys, k) {
			is.add(joinKey(path, k), "not a stack key that stacks share%s; allowed: %s (the others say which stack a file is: set them in its own file)",
				suggest(k, sharedStackKeys), strings.Join(sharedStackKeys, ", "))
			ok = false
		}
	}
	return ok
}

// defaultSections are the section names of global-sovereign:defaults.
func defaultSections() []string {
	out := []string{defaultsForAll}
	for _, k := range kinds {
		out = append(out, string(k))
	}
	return out
}

// mergeTree lays own over def: maps merge key by key, anything else own replaces. Every path
// that comes from def is recorded in inherited (path -> defaults path).
func mergeTree(def, own any, path, defPath string, inherited map[string]string) any {
	if own == nil {
		inherited[path] = defPath
		return def
	}
	dm, dok := def.(map[string]any)
	om, ook := own.(map[string]any)
	if !dok || !ook {
		return own
	}
	out := make(map[string]any, len(dm)+len(om))
	for k, v := range om {
		out[k] = v
	}
	for _, k := range sortedKeys(dm) {
		out[k] = mergeTree(dm[k], om[k], joinKey(path, k), joinKey(defPath, k), inherited)
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// locate finds the file and line that wrote a key path: the stack file when it holds the path
// or an ancestor of it, else Pulumi.yaml when the value came from there.
func (s *Stack) locate(path string) (string, int) {
	for p := path; p != ""; {
		if l, ok := s.lines[p]; ok {
			return s.File, l
		}
		if from, ok := s.inherited[p]; ok {
			from += path[len(p):]
			if _, own := s.lines[keyPath(KeyDefaults)]; own && strings.HasPrefix(from, keyPath(KeyDefaults)) {
				return s.File, s.lineOf(from) // the stack file sets the defaults itself
			}
			if s.project != nil {
				return s.project.File, s.project.lineOf(from)
			}
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return s.File, 0
}

// lineOf finds the line of a key path of Pulumi.yaml, or of its nearest ancestor.
func (p *ProjectConfig) lineOf(path string) int { return p.lines.nearest(path) }

// qualifiedInherited records, for project keys the engine supplied whole, that they came from
// Pulumi.yaml under the same key.
func qualifiedInherited(inherited map[string]string, keys []string) {
	for _, k := range keys {
		inherited[keyPath(k)] = keyPath(k)
	}
}
