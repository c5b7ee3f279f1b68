package reach

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// checkIP serves a fixed answer as the check-ip service would.
func checkIP(t *testing.T, answer string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(answer + "\n")) }))
	t.Cleanup(srv.Close)
	return srv.URL
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestBeforeDeploy(t *testing.T) {
	office := []string{"178.162.141.130/32", "203.0.113.0/28"}
	for _, tc := range []struct {
		name    string
		guard   Guard
		answer  string
		wantErr []string // empty: no error
	}{
		{"admitted", Guard{Allowed: office}, "203.0.113.5", nil},
		{"outside names the /32 to add and the key", Guard{File: "Pulumi.ams.yaml", Cluster: "gs-ams", Allowed: office}, "198.51.100.7",
			[]string{"Pulumi.ams.yaml", "198.51.100.7/32", "global-sovereign:cluster.deployer.cidrs", "178.162.141.130/32", "gs-ams"}},
		{"private deployer is not checked", Guard{Allowed: office, Private: true}, "198.51.100.7", nil},
		{"private-only endpoint is not checked", Guard{}, "198.51.100.7", nil},
		{"unknown egress defers to the probe", Guard{Allowed: office}, "not an address", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.guard
			g.CheckIPURL = checkIP(t, tc.answer)
			err := g.BeforeDeploy(context.Background())
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	g := Guard{File: "Pulumi.iad.yaml", Cluster: "gs-iad", Allowed: []string{"203.0.113.0/28"}, DialTimeout: 2 * time.Second}
	g.CheckIPURL = checkIP(t, "198.51.100.9")
	if err := g.Probe(context.Background(), "https://"+l.Addr().String()); err != nil {
		t.Fatalf("reachable endpoint: %v", err)
	}

	start := time.Now()
	err = g.Probe(context.Background(), "https://"+closedPort(t))
	if err == nil {
		t.Fatal("closed endpoint: no error")
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("probe took %s; it must fail fast", time.Since(start))
	}
	for _, w := range []string{"198.51.100.9/32", "cluster.deployer.cidrs", "Pulumi.iad.yaml"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}

	// Admitted but unreachable: the message says what is allowed and how to check.
	g.CheckIPURL = checkIP(t, "203.0.113.3")
	if err := g.Probe(context.Background(), "https://"+closedPort(t)); err == nil || !strings.Contains(err.Error(), "203.0.113.0/28") {
		t.Errorf("admitted but unreachable: %v", err)
	}
	// Private deployer: the message points at the network path, not at a CIDR.
	p := Guard{File: "Pulumi.iad.yaml", Cluster: "gs-iad", Private: true}
	if err := p.Probe(context.Background(), "https://"+closedPort(t)); err == nil || !strings.Contains(err.Error(), "deployer.private") {
		t.Errorf("private: %v", err)
	}
	if err := g.Probe(context.Background(), "::not a url"); err == nil {
		t.Error("bad endpoint: no error")
	}
}
