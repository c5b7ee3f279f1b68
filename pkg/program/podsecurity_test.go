package program_test

// The platform's Jobs meet the restricted Pod Security profile, as the Pod Security Standards
// (kubernetes.io/docs/concepts/security/pod-security-standards, Kubernetes 1.33) define it:
// every baseline control plus the restricted ones. Pulumi waits for each Job as long as it may run.

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
)

// restrictedVolumeTypes are the volume sources the restricted profile allows.
var restrictedVolumeTypes = []string{"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}

// restrictedViolations lists what a pod spec (as the graph records its inputs) breaks.
func restrictedViolations(pod map[string]any) []string {
	var out []string
	bad := func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }
	for _, k := range []string{"hostNetwork", "hostPID", "hostIPC"} {
		if pod[k] == true {
			bad("%s", k)
		}
	}
	psc, _ := pod["securityContext"].(map[string]any)
	podNonRoot := psc["runAsNonRoot"] == true
	podSeccomp := seccompOK(psc)
	if psc["runAsUser"] == float64(0) {
		bad("pod runAsUser 0")
	}
	if _, ok := psc["sysctls"]; ok {
		bad("pod sysctls")
	}
	if st, ok := psc["seccompProfile"].(map[string]any); ok && st["type"] == "Unconfined" {
		bad("pod seccomp Unconfined")
	}
	for _, v := range asList(pod["volumes"]) {
		vol := v.(map[string]any)
		for k := range vol {
			if k != "name" && !slices.Contains(restrictedVolumeTypes, k) {
				bad("volume %v of type %s", vol["name"], k)
			}
		}
	}
	var containers []any
	for _, k := range []string{"initContainers", "containers", "ephemeralContainers"} {
		containers = append(containers, asList(pod[k])...)
	}
	if len(containers) == 0 {
		bad("no containers")
	}
	for _, x := range containers {
		c := x.(map[string]any)
		name := c["name"]
		sc, _ := c["securityContext"].(map[string]any)
		if sc["privileged"] == true {
			bad("%v privileged", name)
		}
		if sc["allowPrivilegeEscalation"] != false {
			bad("%v: allowPrivilegeEscalation must be false", name)
		}
		if !(podNonRoot && sc["runAsNonRoot"] != false) && sc["runAsNonRoot"] != true {
			bad("%v: runAsNonRoot must be true", name)
		}
		if sc["runAsUser"] == float64(0) {
			bad("%v: runAsUser 0", name)
		}
		if !(seccompOK(sc) || (podSeccomp && sc["seccompProfile"] == nil)) {
			bad("%v: seccompProfile must be RuntimeDefault or Localhost", name)
		}
		caps, _ := sc["capabilities"].(map[string]any)
		if !slices.Contains(asList(caps["drop"]), any("ALL")) {
			bad("%v: capabilities must drop ALL", name)
		}
		for _, a := range asList(caps["add"]) {
			if a != "NET_BIND_SERVICE" {
				bad("%v: adds capability %v", name, a)
			}
		}
		if pm, ok := sc["procMount"]; ok && pm != "Default" {
			bad("%v: procMount %v", name, pm)
		}
		for _, p := range asList(c["ports"]) {
			if hp, ok := p.(map[string]any)["hostPort"]; ok && hp != float64(0) {
				bad("%v: hostPort %v", name, hp)
			}
		}
	}
	return out
}

func seccompOK(sc map[string]any) bool {
	st, _ := sc["seccompProfile"].(map[string]any)
	return st["type"] == "RuntimeDefault" || st["type"] == "Localhost"
}

// The checker refuses what the last round's keyspace Job was, and passes a restricted pod.
func TestRestrictedCheckerRefuses(t *testing.T) {
	ok := map[string]any{
		"securityContext": map[string]any{"runAsNonRoot": true, "runAsUser": float64(999), "seccompProfile": map[string]any{"type": "RuntimeDefault"}},
		"containers": []any{map[string]any{"name": "c", "securityContext": map[string]any{
			"allowPrivilegeEscalation": false, "capabilities": map[string]any{"drop": []any{"ALL"}}}}},
		"volumes": []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{}}},
	}
	if v := restrictedViolations(ok); len(v) != 0 {
		t.Errorf("a restricted pod: %v", v)
	}
	old := map[string]any{
		"securityContext": map[string]any{"runAsNonRoot": true, "runAsUser": float64(999)},
		"containers":      []any{map[string]any{"name": "cqlsh", "securityContext": map[string]any{"allowPrivilegeEscalation": false}}},
	}
	if v := restrictedViolations(old); len(v) != 2 {
		t.Errorf("the old keyspace Job: %v, want no seccomp and no drop ALL", v)
	}
	host := map[string]any{"hostNetwork": true, "volumes": []any{map[string]any{"name": "h", "hostPath": map[string]any{}}}}
	if v := restrictedViolations(host); len(v) < 3 {
		t.Errorf("host access: %v", v)
	}
}

// Every Job of every stack: restricted, no service-account token, a read-only root, resources,
// and a Pulumi timeout no shorter than the Job's own deadline.
func TestJobsAreRestrictedAndWaitedFor(t *testing.T) {
	jobs := 0
	for name, r := range synthAll(t) {
		for _, job := range r.Graph.ByType("kubernetes:batch/v1:Job") {
			jobs++
			spec := job.Inputs["spec"].(map[string]any)
			pod := spec["template"].(map[string]any)["spec"].(map[string]any)
			for _, v := range restrictedViolations(pod) {
				t.Errorf("%s: Job %s: %s", name, job.Name, v)
			}
			if pod["automountServiceAccountToken"] != false {
				t.Errorf("%s: Job %s mounts a service-account token", name, job.Name)
			}
			for _, c := range asList(pod["containers"]) {
				c := c.(map[string]any)
				sc, _ := c["securityContext"].(map[string]any)
				res, _ := c["resources"].(map[string]any)
				if sc["readOnlyRootFilesystem"] != true || res["limits"] == nil || res["requests"] == nil {
					t.Errorf("%s: Job %s container %v: read-only root %v, resources %v", name, job.Name, c["name"], sc["readOnlyRootFilesystem"], res)
				}
			}
			deadline, _ := spec["activeDeadlineSeconds"].(float64)
			ann, _ := job.Inputs["metadata"].(map[string]any)["annotations"].(map[string]any)
			// pulumi-kubernetes provider/pkg/await/job.go: DefaultJobTimeoutMins = 10.
			timeout, err := 600, error(nil)
			if v, ok := ann["pulumi.com/timeoutSeconds"]; ok {
				timeout, err = strconv.Atoi(asString(v))
			}
			if deadline == 0 || err != nil || float64(timeout) < deadline {
				t.Errorf("%s: Job %s runs up to %vs but Pulumi waits %v (default 600s)", name, job.Name, deadline, ann["pulumi.com/timeoutSeconds"])
			}
		}
	}
	if jobs == 0 {
		t.Fatal("no Job in any graph")
	}
}
