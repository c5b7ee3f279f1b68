package program_test

// The Cassandra namespace's ingress policies and the cluster's TLS, read from every stack's
// synthesized graph: who reaches each port of each pod, and that every datacenter's certificates
// come from the one CA and are the ones the K8ssandraCluster names.

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/global-sovereign/global-sovereign/components/cassandra"
	"github.com/global-sovereign/global-sovereign/components/monitoring"
	"github.com/global-sovereign/global-sovereign/pkg/config"
	"github.com/global-sovereign/global-sovereign/pkg/netplan"
	"github.com/global-sovereign/global-sovereign/pkg/synth"
)

const (
	tCertificate = "kubernetes:cert-manager.io/v1:Certificate"
	tIssuer      = "kubernetes:cert-manager.io/v1:Issuer"
)

// policyOf reads a NetworkPolicy's spec.
func policyOf(r synth.Resource) (meta, spec map[string]any) {
	meta, _ = r.Inputs["metadata"].(map[string]any)
	spec, _ = r.Inputs["spec"].(map[string]any)
	return meta, spec
}

// internodePolicyFrom: r is a NetworkPolicy that admits the internode ports from cidr only.
func internodePolicyFrom(r synth.Resource, cidr string) bool {
	if r.Type != tNetworkPolicy {
		return false
	}
	_, spec := policyOf(r)
	rules := asList(spec["ingress"])
	for _, rule := range rules {
		from := asList(rule.(map[string]any)["from"])
		if len(from) != 1 || asString(from[0].(map[string]any)["ipBlock"].(map[string]any)["cidr"]) != cidr {
			return false
		}
	}
	return len(rules) == 2
}

// selectorString writes a label selector as "k=v" or "k in (a b)" or "k exists", sorted.
func selectorString(v any) string {
	m, _ := v.(map[string]any)
	var parts []string
	for k, val := range asMap(m["matchLabels"]) {
		parts = append(parts, k+"="+asString(val))
	}
	for _, e := range asList(m["matchExpressions"]) {
		em := e.(map[string]any)
		var vals []string
		for _, x := range asList(em["values"]) {
			vals = append(vals, asString(x))
		}
		parts = append(parts, strings.TrimSpace(fmt.Sprintf("%s %s %s", em["key"], strings.ToLower(asString(em["operator"])), strings.Join(vals, " "))))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Who reaches each port of the Cassandra namespace's pods, in every stack: a default deny, then
// only the named callers. Internode from the datacenter's own Cassandra pods and from each
// peer datacenter's VPC; the management API from the two operators and (data plane) the control
// plane's VPC, and Reaper where it runs; CQL only from this program's keyspace Job, Reaper and the client
// namespaces homed in the region that asked for a keyspace; Medusa's gRPC only from the
// k8ssandra-operator's own pod; Reaper's API only from that pod too; metrics
// only from the region's Prometheus; the operators' webhook port only from the VPC (the EKS API
// server). No rule without a source or a port, no address of the region's own VPC on a
// Cassandra port (its staging and development clusters share its subnets), and a stack without
// a datacenter declares none.
func TestCassandraNamespaceAdmitsOnlyItsCallers(t *testing.T) {
	fleet := committedFleet(t)
	checked := 0
	for name, r := range synthAll(t) {
		s := fleet.Stack(name)
		var policies []synth.Resource
		for _, p := range r.Graph.ByType(tNetworkPolicy) {
			if meta, _ := policyOf(p); meta["namespace"] == cassandra.Namespace {
				policies = append(policies, p)
			}
		}
		if s.Cassandra == nil {
			if len(policies) != 0 {
				t.Errorf("%s: %d policies in the Cassandra namespace without a datacenter", name, len(policies))
			}
			continue
		}
		checked++
		peers := map[string]bool{}
		for _, c := range fleet.CassandraPeerCIDRs(s) {
			peers[c] = true
		}
		cpCIDR := fleet.CassandraControlPlaneCIDR(s) // its Cassandra tier
		cassandraPods := cassandra.CassandraPodLabel + " exists"
		operators := cassandra.OperatorNameLabel + " in " + strings.Join(cassandra.Operators, " ")
		// The operators' own pods: the k8ssandra-operator's by its release's instance label too
		// (Reaper's pods carry its name label), cass-operator's by its name.
		operatorPods := map[string]bool{
			selectorOfString(cassandra.K8ssandraOperatorPod):           true,
			cassandra.OperatorNameLabel + "=" + cassandra.Operators[1]: true,
		}
		// Medusa's sidecars in every datacenter of a cluster with backups, Reaper in the control
		// plane's of one with repairs; CQL from the client namespaces homed in the region.
		cc := fleet.CassandraClusterOf(s.Settings.Environment)
		medusaHere := cc != nil && cc.Backup != nil
		reaperHere := cc != nil && cc.Repair != nil && s.Cassandra.ControlPlane
		reaperPods := selectorOfString(cassandra.ReaperPods)
		reaperCIDR := fleet.CassandraReaperCIDR(s) // Reaper in another region reads the metrics port
		operatorPod := selectorOfString(cassandra.K8ssandraOperatorPod)
		cqlNamespaces := map[string]bool{}
		for _, ns := range fleet.CassandraClientNamespaces(s) {
			cqlNamespaces[ns] = true
		}
		denyAll := false
		seen := map[string]int{}
		for _, p := range policies {
			_, spec := policyOf(p)
			selects := selectorString(spec["podSelector"])
			rules := asList(spec["ingress"])
			if selects == "" && len(rules) == 0 && slices.Equal(asList(spec["policyTypes"]), []any{"Ingress"}) {
				denyAll = true
				continue
			}
			for _, rule := range rules {
				rm := rule.(map[string]any)
				ports, from := asList(rm["ports"]), asList(rm["from"])
				if len(ports) == 0 || len(from) == 0 {
					t.Errorf("%s: %s admits every port or every source: %v", name, p.Name, rm)
					continue
				}
				for _, port := range ports {
					n := int(asMap(port)["port"].(float64))
					for _, f := range from {
						fm := asMap(f)
						var caller string
						switch {
						case fm["ipBlock"] != nil:
							caller = "cidr " + asString(asMap(fm["ipBlock"])["cidr"])
						case fm["namespaceSelector"] != nil:
							caller = "ns " + selectorString(fm["namespaceSelector"]) + " pods " + selectorString(fm["podSelector"])
						default:
							caller = "pods " + selectorString(fm["podSelector"])
						}
						cidr := strings.TrimPrefix(caller, "cidr ")
						ok := false
						switch n {
						case cassandra.InternodePort, cassandra.InternodeTLSPort:
							ok = selects == cassandraPods && (caller == "pods "+cassandraPods || peers[cidr])
						case cassandra.ManagementPort: // also ReaperAPIPort
							ok = selects == cassandraPods && (operatorPods[strings.TrimPrefix(caller, "pods ")] || (cpCIDR != "" && cidr == cpCIDR) ||
								(reaperHere && caller == "pods "+reaperPods)) ||
								reaperHere && selects == reaperPods && caller == "pods "+operatorPod
						case cassandra.NativePort:
							ns := strings.TrimPrefix(caller, "ns "+cassandra.NamespaceNameLabel+"=")
							ok = selects == cassandraPods && (caller == "pods "+cassandra.JobLabel+"=true" ||
								(reaperHere && caller == "pods "+reaperPods) ||
								(cqlNamespaces[strings.TrimSuffix(ns, " pods ")] && strings.HasSuffix(ns, " pods ")))
						case cassandra.MedusaPort:
							ok = medusaHere && selects == cassandraPods && caller == "pods "+operatorPod
						case cassandra.MetricsPort:
							ok = selects == cassandraPods && (caller == fmt.Sprintf("ns %s=%s pods %s=prometheus",
								cassandra.NamespaceNameLabel, monitoring.Namespace, cassandra.OperatorNameLabel) ||
								(reaperHere && caller == "pods "+reaperPods) || (reaperCIDR != "" && cidr == reaperCIDR))
						case cassandra.WebhookPort:
							ok = selects == operators && cidr == s.Network.VPCCIDR
						}
						if !ok {
							t.Errorf("%s: %s admits port %d of pods %q from %s: not its caller", name, p.Name, n, selects, caller)
						}
						if n != cassandra.WebhookPort && cidr == s.Network.VPCCIDR {
							t.Errorf("%s: %s admits the region's own VPC (its environments' clusters) to %d", name, p.Name, n)
						}
						seen[fmt.Sprint(n)]++
					}
				}
			}
		}
		if !denyAll {
			t.Errorf("%s: no default deny in the Cassandra namespace", name)
		}
		// Every named caller is admitted: own pods and each peer to each internode port, both
		// operators (and the control plane), the Job, Prometheus, the API server.
		wantMgmt := len(cassandra.Operators)
		if cpCIDR != "" {
			wantMgmt++
		}
		wantCQL, wantMedusa := 1+len(cqlNamespaces), 0
		if reaperHere {
			wantMgmt += 2 // Reaper to the nodes, the operator to Reaper's API
			wantCQL++
		}
		if medusaHere {
			wantMedusa = 1
		}
		wantMetrics := 1 // Prometheus
		if reaperHere || reaperCIDR != "" {
			wantMetrics++ // Reaper's pods here, or its region's VPC
		}
		want := map[string]int{"7000": 1 + len(peers), "7001": 1 + len(peers), "8080": wantMgmt, "9042": wantCQL, "9000": wantMetrics, "9443": 1,
			fmt.Sprint(cassandra.MedusaPort): wantMedusa}
		for port, n := range want {
			if seen[port] != n {
				t.Errorf("%s: %d callers of port %s, want %d (%v)", name, seen[port], port, n, seen)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no stack with a Cassandra datacenter")
	}
}

// selectorOfString writes a "k=v,k2=v2" pod selector of the policies as selectorString does.
func selectorOfString(s string) string {
	parts := strings.Split(s, ",")
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// The labels the policies admit are on the pods: the keyspace Job's pods carry JobLabel.
func TestKeyspaceJobCarriesThePolicyLabel(t *testing.T) {
	job := one(t, synthAll(t)["global"].Graph, "global", "kubernetes:batch/v1:Job")
	labels := asMap(asMap(asMap(asMap(job.Inputs["spec"])["template"])["metadata"])["labels"])
	if labels[cassandra.JobLabel] != "true" {
		t.Errorf("the keyspace Job's pods are labelled %v; the Cassandra namespace admits CQL from %s=true only", labels, cassandra.JobLabel)
	}
}

// One CA for the whole cluster: exactly one self-signed CA certificate over every stack, in the
// control plane's cluster, labelled for the ReplicatedSecret, which copies it to every data-plane
// datacenter; every datacenter's region has the CA Issuer on that Secret and issues from it the
// certificates the K8ssandraCluster names, JKS stores for Cassandra, PKCS#8 for the management API.
func TestOneCertificateAuthorityForTheCluster(t *testing.T) {
	fleet := committedFleet(t)
	results := synthAll(t)
	var cas []string
	for name, r := range results {
		s := fleet.Stack(name)
		certs := map[string]map[string]any{}
		for _, c := range r.Graph.ByType(tCertificate) {
			spec := asMap(c.Inputs["spec"])
			if spec["isCA"] == true {
				cas = append(cas, name)
				if s.Cassandra == nil || !s.Cassandra.ControlPlane {
					t.Errorf("%s: a CA outside the control plane's region", name)
				}
				if asMap(asMap(spec["secretTemplate"])["labels"])[cassandra.CALabel] != "true" || spec["secretName"] != cassandra.CASecret {
					t.Errorf("%s: the CA's Secret is not the one the ReplicatedSecret selects: %v", name, spec)
				}
				if !c.Protect && s.Protected() {
					t.Errorf("%s: the CA is not protected", name)
				}
				continue
			}
			certs[asString(spec["secretName"])] = spec
			// The control plane waits for its certificates; a data plane cannot (its CA arrives
			// only once the global stack has run), so it must not wait at all.
			ann := asMap(asMap(c.Inputs["metadata"])["annotations"])
			if cp := s.Cassandra != nil && s.Cassandra.ControlPlane; (cp && ann["pulumi.com/waitFor"] != "condition=Ready") ||
				(!cp && ann["pulumi.com/skipAwait"] != "true") {
				t.Errorf("%s: %s waits %v", name, c.Name, ann)
			}
		}
		if s.Cassandra == nil {
			if len(certs) != 0 {
				t.Errorf("%s: Cassandra certificates without a datacenter", name)
			}
			continue
		}
		issuers := 0
		for _, i := range r.Graph.ByType(tIssuer) {
			if asString(asMap(asMap(i.Inputs["spec"])["ca"])["secretName"]) == cassandra.CASecret {
				issuers++
			}
		}
		if issuers != 1 {
			t.Errorf("%s: %d CA issuers on %s, want 1", name, issuers, cassandra.CASecret)
		}
		for secret, jks := range map[string]bool{cassandra.InternodeSecret: true, cassandra.NativeSecret: true,
			cassandra.ManagementServerSecret: false, cassandra.ManagementClientSecret: false} {
			spec, ok := certs[secret]
			switch {
			case !ok:
				t.Errorf("%s: no certificate for %s", name, secret)
			case asString(asMap(spec["issuerRef"])["name"]) != cassandra.CAIssuer:
				t.Errorf("%s: %s is issued by %v, not the cluster's CA", name, secret, spec["issuerRef"])
			case asMap(spec["privateKey"])["encoding"] != "PKCS8":
				t.Errorf("%s: %s's key is not PKCS#8 (cass-operator refuses others for the management API)", name, secret)
			case jks != (asMap(asMap(spec["keystores"])["jks"])["create"] == true):
				t.Errorf("%s: %s JKS stores %v, want %v", name, secret, spec["keystores"], jks)
			}
		}
	}
	if len(cas) != 1 {
		t.Fatalf("CAs in %v, want exactly one for the cluster", cas)
	}
	// The ReplicatedSecret, in the control plane's cluster, targets every data-plane datacenter.
	global := results["global"].Graph
	rs := one(t, global, "global", tReplicatedSecret)
	spec := asMap(rs.Inputs["spec"])
	if asMap(asMap(spec["selector"])["matchLabels"])[cassandra.CALabel] != "true" {
		t.Errorf("the ReplicatedSecret selects %v, not the CA's label", spec["selector"])
	}
	var targets, want []string
	for _, x := range asList(spec["replicationTargets"]) {
		targets = append(targets, asString(asMap(x)["k8sContextName"]))
	}
	for _, s := range fleet.CassandraDatacenters(config.EnvProduction) {
		if !s.Cassandra.ControlPlane {
			want = append(want, s.Settings.Code)
		}
	}
	sort.Strings(targets)
	sort.Strings(want)
	if !slices.Equal(targets, want) || len(want) == 0 {
		t.Errorf("the CA is copied to %v, want every data plane %v", targets, want)
	}
	if k := one(t, global, "global", tK8ssandraCluster); !slices.Contains(k.DependsOn, rs.URN) {
		t.Error("the K8ssandraCluster does not wait for the CA's replication")
	}
}

// The K8ssandraCluster turns TLS on, in the form k8ssandra-operator v1.32.5 reads: the stores
// and the management API's mTLS on spec.cassandra naming the Secrets every region issues, and
// in every datacenter the cassandraYaml that makes the operator use the stores (internode all,
// client certificates required between nodes; the native transport TLS-only).
func TestClusterTrafficIsEncrypted(t *testing.T) {
	k := one(t, synthAll(t)["global"].Graph, "global", tK8ssandraCluster)
	c := asMap(asMap(k.Inputs["spec"])["cassandra"])
	manual := asMap(asMap(c["managementApiAuth"])["manual"])
	if manual["clientSecretName"] != cassandra.ManagementClientSecret || manual["serverSecretName"] != cassandra.ManagementServerSecret {
		t.Errorf("managementApiAuth %v", c["managementApiAuth"])
	}
	for field, secret := range map[string]string{"serverEncryptionStores": cassandra.InternodeSecret, "clientEncryptionStores": cassandra.NativeSecret} {
		st := asMap(c[field])
		for ref, key := range map[string]string{"keystoreSecretRef": cassandra.KeystoreKey, "truststoreSecretRef": cassandra.TruststoreKey} {
			if r := asMap(st[ref]); r["name"] != secret || r["key"] != key {
				t.Errorf("%s.%s = %v, want %s/%s", field, ref, st[ref], secret, key)
			}
		}
		for _, ref := range []string{"keystorePasswordSecretRef", "truststorePasswordSecretRef"} {
			if r := asMap(st[ref]); r["name"] != cassandra.StorePasswordSecret || r["key"] != cassandra.StorePasswordKey {
				t.Errorf("%s.%s = %v", field, ref, st[ref])
			}
		}
	}
	dcs := asList(c["datacenters"])
	if len(dcs) == 0 {
		t.Fatal("no datacenters")
	}
	for _, d := range dcs {
		y := asMap(asMap(asMap(d)["config"])["cassandraYaml"])
		server, client := asMap(y["server_encryption_options"]), asMap(y["client_encryption_options"])
		if server["internode_encryption"] != "all" || server["require_client_auth"] != true ||
			client["enabled"] != true || client["optional"] != false {
			t.Errorf("datacenter %v: cassandraYaml %v", asMap(asMap(d)["metadata"])["name"], y)
		}
	}
}

// The keyspace Job speaks TLS to CQL and verifies the nodes against the CA of the datacenter's
// CQL certificate, mounted read-only (the CA certificate only, not the key).
func TestKeyspaceJobUsesTLS(t *testing.T) {
	job := one(t, synthAll(t)["global"].Graph, "global", "kubernetes:batch/v1:Job")
	pod := asMap(asMap(asMap(job.Inputs["spec"])["template"])["spec"])
	script := fmt.Sprint(asMap(asList(pod["containers"])[0])["command"])
	if !strings.Contains(script, "cqlsh --ssl") || !strings.Contains(script, "validate = true") {
		t.Errorf("the keyspace Job does not verify TLS: %s", script)
	}
	found := false
	for _, v := range asList(pod["volumes"]) {
		sec := asMap(asMap(v)["secret"])
		if sec["secretName"] == cassandra.NativeSecret {
			items := asList(sec["items"])
			found = len(items) == 1 && asMap(items[0])["key"] == "ca.crt"
		}
	}
	if !found {
		t.Errorf("the Job mounts no ca.crt-only volume of %s: %v", cassandra.NativeSecret, pod["volumes"])
	}
}

// overlaps: two CIDRs share an address.
func overlaps(a, b string) bool {
	_, na, errA := net.ParseCIDR(a)
	_, nb, errB := net.ParseCIDR(b)
	return errA == nil && errB == nil && (na.Contains(nb.IP) || nb.Contains(na.IP))
}

// No environment stack's network reaches a production Cassandra port. An environment (staging,
// development) runs on its region's VPC, in the private tier; the Cassandra nodes sit in the
// Cassandra tier of their VPC (netplan.CassandraTier), which holds nothing else. Over every stack,
// each security group rule on the Cassandra nodes and each NetworkPolicy address block of the
// Cassandra namespace (the operators' webhook port aside, which the EKS API server calls from the
// region's VPC) admits a Cassandra tier of the same environment's datacenters and overlaps no
// environment's subnet; and the cluster still demands a client certificate of its CA on
// internode and the management API.
func TestEnvironmentNetworksReachNoCassandraPort(t *testing.T) {
	fleet := committedFleet(t)
	results := synthAll(t)
	var envNets []string // every subnet an environment's cluster or load balancers use
	for _, s := range fleet.Stacks {
		if s.Settings.Kind != config.KindEnvironment {
			continue
		}
		n := fleet.NetworkStack(s).Network
		plan, err := netplan.Compute(netip.MustParsePrefix(n.VPCCIDR), len(n.AvailabilityZones))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range append(append(append([]netip.Prefix{}, plan.Private...), plan.Public...), plan.Database...) {
			envNets = append(envNets, p.String())
		}
	}
	if len(envNets) == 0 {
		t.Fatal("no environment stack")
	}
	tiers := map[string]bool{}
	for _, s := range fleet.CassandraDatacenters(config.EnvProduction) {
		tiers[netplan.CassandraTier(netip.MustParsePrefix(s.Network.VPCCIDR)).String()] = true
	}
	checked := 0
	check := func(stack, what, cidr string, port int) {
		checked++
		if !tiers[cidr] {
			t.Errorf("%s: %s admits %s to Cassandra port %d: not a datacenter's Cassandra tier", stack, what, cidr, port)
		}
		for _, e := range envNets {
			if overlaps(cidr, e) {
				t.Errorf("%s: %s admits %s to Cassandra port %d, which covers an environment's subnet %s", stack, what, cidr, port, e)
			}
		}
	}
	for name, r := range results {
		groups := cassandraNodeSecurityGroups(r.Graph)
		for _, rule := range r.Graph.ByType(tIngressRule) {
			cidr, _ := rule.Inputs["cidrIpv4"].(string)
			if !groups[asString(rule.Inputs["securityGroupId"])] || cidr == "" {
				continue
			}
			from, _ := rule.Inputs["fromPort"].(float64)
			check(name, rule.Name, cidr, int(from))
		}
		for _, p := range r.Graph.ByType(tNetworkPolicy) {
			if meta, _ := policyOf(p); meta["namespace"] != cassandra.Namespace {
				continue
			}
			_, spec := policyOf(p)
			for _, rule := range asList(spec["ingress"]) {
				for _, f := range asList(asMap(rule)["from"]) {
					cidr := asString(asMap(asMap(f)["ipBlock"])["cidr"])
					if cidr == "" {
						continue
					}
					for _, port := range asList(asMap(rule)["ports"]) {
						if n := int(asMap(port)["port"].(float64)); n != cassandra.WebhookPort {
							check(name, p.Name, cidr, n)
						}
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no address admitted to a Cassandra port: the check saw nothing")
	}
	// What crosses regions still demands the cluster's client certificate.
	c := asMap(asMap(one(t, results["global"].Graph, "global", tK8ssandraCluster).Inputs["spec"])["cassandra"])
	if asMap(c["managementApiAuth"])["manual"] == nil {
		t.Error("the management API demands no client certificate")
	}
	for _, d := range asList(c["datacenters"]) {
		server := asMap(asMap(asMap(asMap(d)["config"])["cassandraYaml"])["server_encryption_options"])
		if server["internode_encryption"] != "all" || server["require_client_auth"] != true {
			t.Errorf("datacenter %v does not close internode with mutual TLS: %v", asMap(asMap(d)["metadata"])["name"], server)
		}
	}
}

// The operations' client certificates exist where the K8ssandraCluster names them: Medusa's PEM
// client certificate (the operator refuses a datacenter with client encryption without one) in
// every datacenter's region, and Reaper's JKS stores for the management API's mTLS in the control
// plane's region only (where Reaper runs), sealed with a password of their own (Reaper's).
func TestOperationsCertificatesWhereTheClusterNamesThem(t *testing.T) {
	fleet := committedFleet(t)
	results := synthAll(t)
	spec := asMap(one(t, results["global"].Graph, "global", tK8ssandraCluster).Inputs["spec"])
	stores := asMap(asMap(spec["medusa"])["clientEncryptionStores"])
	for field, key := range map[string]string{"keystoreSecretRef": "ca.crt", "truststoreSecretRef": "tls.crt", "truststorePasswordSecretRef": "tls.key"} {
		if ref := asMap(stores[field]); ref["name"] != cassandra.MedusaClientSecret || ref["key"] != key {
			t.Errorf("medusa.clientEncryptionStores.%s = %v, want %s/%s", field, ref, cassandra.MedusaClientSecret, key)
		}
	}
	httpMgmt := asMap(asMap(spec["reaper"])["httpManagement"])
	if httpMgmt["enabled"] != true || asMap(httpMgmt["keystores"])["name"] != cassandra.ReaperManagementSecret {
		t.Errorf("reaper.httpManagement = %v, want enabled with keystores %s", httpMgmt, cassandra.ReaperManagementSecret)
	}
	opsUsages := []any{}
	for _, u := range cassandra.OpsUsages {
		opsUsages = append(opsUsages, u)
	}
	if !slices.Contains(cassandra.OpsUsages, "client auth") {
		t.Errorf("the operations' certificates lack client auth: %v", cassandra.OpsUsages)
	}
	checked := 0
	for _, s := range fleet.CassandraDatacenters(config.EnvProduction) {
		g := results[s.Name].Graph
		certs := map[string]map[string]any{}
		for _, c := range g.ByType(tCertificate) {
			cs := asMap(c.Inputs["spec"])
			certs[asString(cs["secretName"])] = cs
		}
		medusa, ok := certs[cassandra.MedusaClientSecret]
		switch {
		case !ok:
			t.Errorf("%s: no certificate for Medusa's %s", s.Name, cassandra.MedusaClientSecret)
		case asString(asMap(medusa["issuerRef"])["name"]) != cassandra.CAIssuer || medusa["keystores"] != nil ||
			!slices.Equal(asList(medusa["usages"]), opsUsages):
			t.Errorf("%s: Medusa's certificate %v: want PEM, client auth, from the cluster's CA", s.Name, medusa)
		}
		reaper, ok := certs[cassandra.ReaperManagementSecret]
		if ok != s.Cassandra.ControlPlane {
			t.Errorf("%s: Reaper's certificate issued %v, want only in the control plane's region", s.Name, ok)
		}
		if !ok {
			continue
		}
		checked++
		jks := asMap(asMap(reaper["keystores"])["jks"])
		pwRef := asMap(jks["passwordSecretRef"])
		if asString(asMap(reaper["issuerRef"])["name"]) != cassandra.CAIssuer || jks["create"] != true ||
			!slices.Equal(asList(reaper["usages"]), opsUsages) || pwRef["name"] != cassandra.ReaperStorePasswordSecret {
			t.Errorf("%s: Reaper's certificate %v: want JKS, client auth, from the cluster's CA", s.Name, reaper)
		}
		// The password's value is masked in every graph (synth.SecretMarker); that it is the one
		// Reaper opens its stores with is cassandra.ReaperStorePassword's cited constant.
		found := false
		for _, sec := range g.ByType("kubernetes:core/v1:Secret") {
			meta := asMap(sec.Inputs["metadata"])
			found = found || meta["name"] == cassandra.ReaperStorePasswordSecret && meta["namespace"] == cassandra.Namespace
		}
		if !found {
			t.Errorf("%s: no Secret %s for Reaper's stores' password", s.Name, cassandra.ReaperStorePasswordSecret)
		}
	}
	if checked != 1 {
		t.Errorf("Reaper's certificate in %d regions, want the control plane's", checked)
	}
}
