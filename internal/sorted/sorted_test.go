package sorted

import (
	"encoding/json"
	"testing"
)

func TestUnique(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, `[]`},
		{[]string{}, `[]`},
		{[]string{"b", "a", "b", "c", "a"}, `["a","b","c"]`},
		{[]string{"x"}, `["x"]`},
	}
	for _, tt := range tests {
		in := append([]string(nil), tt.in...)
		b, _ := json.Marshal(Unique(tt.in))
		if string(b) != tt.want {
			t.Errorf("Unique(%v) = %s, want %s", tt.in, b, tt.want)
		}
		for i := range in {
			if in[i] != tt.in[i] {
				t.Errorf("Unique modified its input: %v", tt.in)
			}
		}
	}
}
