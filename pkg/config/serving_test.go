package config

import "testing"

// A region serves the API when ingress.serving says so, or by default when the platform deploys
// the API itself (cluster.api.image).
func TestServesAPI(t *testing.T) {
	yes, no := true, false
	for _, tt := range []struct {
		name    string
		ingress *Ingress
		image   string
		want    bool
	}{
		{"no ingress", nil, "ghcr.io/corp/api:1", false},
		{"no image, unset", &Ingress{}, "", false},
		{"image, unset", &Ingress{}, "ghcr.io/corp/api:1", true},
		{"a pipeline's API", &Ingress{Serving: &yes}, "", true},
		{"image, said not serving", &Ingress{Serving: &no}, "ghcr.io/corp/api:1", false},
	} {
		s := &Stack{Ingress: tt.ingress, Cluster: &Cluster{API: &APIWorkload{Image: tt.image}}}
		if got := s.ServesAPI(); got != tt.want {
			t.Errorf("%s: ServesAPI() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
