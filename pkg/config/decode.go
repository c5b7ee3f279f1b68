package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// decode copies the generic tree v into dst (a pointer), strictly: an unknown key, a value of
// the wrong type or a number out of range is a problem naming the key path. Field names are the
// `json` tags, which are the camelCase keys users write in YAML.
func decode(path string, v any, dst any, is *issues) {
	decodeValue(path, v, reflect.ValueOf(dst).Elem(), is)
}

func decodeValue(path string, v any, dst reflect.Value, is *issues) {
	if v == nil {
		return // absent or null: keep the zero value; validation decides whether it is required
	}
	if _, ok := v.(secureValue); ok {
		is.add(path, "encrypted values are not accepted here; write the value in plain text")
		return
	}
	switch dst.Kind() {
	case reflect.Pointer:
		p := reflect.New(dst.Type().Elem())
		decodeValue(path, v, p.Elem(), is)
		dst.Set(p)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			is.add(path, "want a map of keys (%s), got %s", strings.Join(fieldNames(dst.Type()), ", "), describe(v))
			return
		}
		fields := fieldIndex(dst.Type())
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			i, known := fields[k]
			if !known {
				is.add(joinKey(path, k), "unknown key%s; allowed keys: %s", suggest(k, fieldNames(dst.Type())),
					strings.Join(fieldNames(dst.Type()), ", "))
				continue
			}
			decodeValue(joinKey(path, k), m[k], dst.Field(i), is)
		}
	case reflect.Slice:
		s, ok := v.([]any)
		if !ok {
			is.add(path, "want a list, got %s", describe(v))
			return
		}
		out := reflect.MakeSlice(dst.Type(), len(s), len(s))
		for i, e := range s {
			decodeValue(fmt.Sprintf("%s[%d]", path, i), e, out.Index(i), is)
		}
		dst.Set(out)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			is.add(path, "want a map, got %s", describe(v))
			return
		}
		out := reflect.MakeMapWithSize(dst.Type(), len(m))
		for k, e := range m {
			ev := reflect.New(dst.Type().Elem()).Elem()
			decodeValue(joinKey(path, k), e, ev, is)
			out.SetMapIndex(reflect.ValueOf(k), ev)
		}
		dst.Set(out)
	case reflect.String:
		switch s := v.(type) {
		case string:
			dst.SetString(s)
		default:
			is.add(path, "want a string, got %s (quote it)", describe(v))
		}
	case reflect.Bool:
		switch b := v.(type) {
		case bool:
			dst.SetBool(b)
		case string:
			// The engine hands scalar config to programs as strings.
			switch b {
			case "true":
				dst.SetBool(true)
			case "false":
				dst.SetBool(false)
			default:
				is.add(path, "want true or false, got %q", b)
			}
		default:
			is.add(path, "want true or false, got %s", describe(v))
		}
	case reflect.Int, reflect.Int64:
		var n json.Number
		switch x := v.(type) {
		case json.Number:
			n = x
		default:
			is.add(path, "want a whole number, got %s", describe(v))
			return
		}
		i, err := n.Int64()
		if err != nil {
			is.add(path, "want a whole number, got %s", n)
			return
		}
		if dst.OverflowInt(i) {
			is.add(path, "number %d out of range", i)
			return
		}
		dst.SetInt(i)
	default:
		panic(fmt.Sprintf("config: unsupported field kind %s at %s", dst.Kind(), path)) // programming error
	}
}

func fieldIndex(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		if name := jsonName(t.Field(i)); name != "" {
			out[name] = i
		}
	}
	return out
}

func fieldNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if name := jsonName(t.Field(i)); name != "" {
			out = append(out, name)
		}
	}
	return out
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return ""
	}
	return name
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("string %q", x)
	case json.Number:
		return "number " + x.String()
	case bool:
		return fmt.Sprintf("boolean %t", x)
	case []any:
		return "a list"
	case map[string]any:
		return "a map"
	}
	return fmt.Sprintf("%v", v)
}

// suggest returns ` (did you mean "x"?)` when a known key is a small edit away from k.
func suggest(k string, known []string) string {
	best, bestD := "", 3
	for _, c := range known {
		if d := editDistance(strings.ToLower(k), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
