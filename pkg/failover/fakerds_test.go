package failover_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeRDS answers the three calls of the failover as the RDS query API does (form-encoded
// requests, XML responses, errors as <ErrorResponse>), over a model of one global cluster:
// its status, its members (writer, synchronization) and the failover state of a running
// switchover or failover, which advances one step per DescribeGlobalClusters.
type fakeRDS struct {
	mu      sync.Mutex
	id      string
	status  string
	members []*member
	// op is the running operation: the target ARN and the states it still has to pass through
	// (one per describe); empty when none runs.
	opTarget string
	opSteps  []string
	// cancel makes the running operation end without moving the writer.
	cancel bool
	// failCall makes Switchover/FailoverGlobalCluster answer this error code.
	failCall string
	// stuck keeps the operation in its current state (the wait times out).
	stuck bool

	// clusterStatus is DescribeDBClusters' Status per cluster identifier (default available);
	// lag the AuroraGlobalDBReplicationLag datapoints per identifier, newest first (default
	// one datapoint of 20 ms; an empty slice: not reporting).
	clusterStatus map[string]string
	lag           map[string][]float64

	// secretStatus is the master secret's ReplicationStatus per replica region (default InSync
	// for every region of a member but the home's); homeDown makes the home region's Secrets
	// Manager unreachable (it answers 503), where a replica answers with its PrimaryRegion.
	secretHome   string
	secretStatus map[string]string
	homeDown     bool

	calls   []call
	regions []string
	url     string
}

type member struct {
	arn    string
	writer bool
	sync   string
}

type call struct {
	action string
	form   map[string]string
}

func newFake(id string, writer string, readers ...string) *fakeRDS {
	f := &fakeRDS{id: id, status: "available", secretHome: "eu-west-1"}
	f.members = append(f.members, &member{arn: writer, writer: true})
	for _, r := range readers {
		f.members = append(f.members, &member{arn: r, sync: "connected"})
	}
	return f
}

func (f *fakeRDS) serve(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if target := r.Header.Get("X-Amz-Target"); target != "" {
			f.secretsManager(w, r, target)
			return
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("form: %v", err)
		}
		form := map[string]string{}
		for k, v := range r.PostForm {
			form[k] = v[0]
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		action := form["Action"]
		if action == "SwitchoverGlobalCluster" || action == "FailoverGlobalCluster" {
			f.calls = append(f.calls, call{action: action, form: form})
		}
		// The SigV4 scope names the region the client called.
		if auth := r.Header.Get("Authorization"); auth != "" {
			if i := strings.Index(auth, "Credential="); i >= 0 {
				parts := strings.Split(auth[i:], "/")
				if len(parts) > 2 {
					f.regions = append(f.regions, action+"@"+parts[2])
				}
			}
		}
		switch action {
		case "DescribeGlobalClusters":
			if form["GlobalClusterIdentifier"] != f.id {
				f.fail(w, "GlobalClusterNotFoundFault", "GlobalCluster "+form["GlobalClusterIdentifier"]+" not found")
				return
			}
			body := f.cluster()
			f.advance()
			fmt.Fprintf(w, "<DescribeGlobalClustersResponse><DescribeGlobalClustersResult><GlobalClusters><GlobalClusterMember>%s</GlobalClusterMember></GlobalClusters></DescribeGlobalClustersResult></DescribeGlobalClustersResponse>", body)
		case "DescribeDBClusters":
			id := form["DBClusterIdentifier"]
			if f.find(id) == nil && !slices.ContainsFunc(f.members, func(m *member) bool { return strings.HasSuffix(m.arn, ":cluster:"+id) }) {
				f.fail(w, "DBClusterNotFoundFault", "DBCluster "+id+" not found")
				return
			}
			status := "available"
			if s, ok := f.clusterStatus[id]; ok {
				status = s
			}
			fmt.Fprintf(w, "<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster><DBClusterIdentifier>%s</DBClusterIdentifier><Status>%s</Status></DBCluster></DBClusters></DescribeDBClustersResult></DescribeDBClustersResponse>", id, status)
		case "GetMetricData":
			// CloudWatch's Query API: the one Metrics Insights query names the cluster.
			expr := form["MetricDataQueries.member.1.Expression"]
			if !strings.Contains(expr, "AuroraGlobalDBReplicationLag") || form["MetricDataQueries.member.1.Period"] != "60" {
				f.fail(w, "InvalidParameterValue", "unexpected query "+expr)
				return
			}
			values := []float64{20}
			for id, v := range f.lag {
				if strings.Contains(expr, "'"+id+"'") {
					values = v
				}
			}
			var ts, vs strings.Builder
			for _, v := range values {
				ts.WriteString("<member>2026-12-07T05:00:00Z</member>")
				fmt.Fprintf(&vs, "<member>%g</member>", v)
			}
			fmt.Fprintf(w, `<GetMetricDataResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><GetMetricDataResult><MetricDataResults><member><Id>%s</Id><Label>lag</Label><Timestamps>%s</Timestamps><Values>%s</Values><StatusCode>Complete</StatusCode></member></MetricDataResults></GetMetricDataResult></GetMetricDataResponse>`,
				form["MetricDataQueries.member.1.Id"], ts.String(), vs.String())
		case "SwitchoverGlobalCluster", "FailoverGlobalCluster":
			if f.failCall != "" {
				f.fail(w, f.failCall, "the fake refuses")
				return
			}
			target := form["TargetDbClusterIdentifier"]
			if f.find(target) == nil {
				f.fail(w, "DBClusterNotFoundFault", target+" is not a member")
				return
			}
			if f.status != "available" || f.opTarget != "" {
				f.fail(w, "InvalidGlobalClusterStateFault", "global cluster is "+f.status)
				return
			}
			if action == "FailoverGlobalCluster" && form["AllowDataLoss"] == "true" {
				f.opSteps = []string{"pending", "failing-over", "failing-over"}
			} else {
				f.opSteps = []string{"pending", "switching-over", "switching-over"}
			}
			f.opTarget = target
			fmt.Fprintf(w, "<%sResponse><%sResult><GlobalCluster>%s</GlobalCluster></%sResult></%sResponse>", action, action, f.cluster(), action, action)
		default:
			f.fail(w, "InvalidAction", action)
		}
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return srv
}

func (f *fakeRDS) fail(w http.ResponseWriter, code, msg string) {
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake</RequestId></ErrorResponse>", code, msg)
}

func (f *fakeRDS) find(arn string) *member {
	for _, m := range f.members {
		if m.arn == arn {
			return m
		}
	}
	return nil
}

// advance moves a running operation one state on; past the last, the target writes (or, when
// cancelled, nothing changed).
func (f *fakeRDS) advance() {
	if f.opTarget == "" || f.stuck {
		return
	}
	f.opSteps = f.opSteps[1:]
	if len(f.opSteps) > 0 {
		return
	}
	if !f.cancel {
		for _, m := range f.members {
			m.writer = m.arn == f.opTarget
			m.sync = "connected"
			if m.writer {
				m.sync = ""
			}
		}
	}
	f.opTarget = ""
}

func (f *fakeRDS) cluster() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<GlobalClusterIdentifier>%s</GlobalClusterIdentifier><Status>%s</Status><Engine>aurora-postgresql</Engine>", f.id, f.status)
	if f.opTarget != "" && len(f.opSteps) > 0 {
		var from string
		for _, m := range f.members {
			if m.writer {
				from = m.arn
			}
		}
		fmt.Fprintf(&b, "<FailoverState><Status>%s</Status><FromDbClusterArn>%s</FromDbClusterArn><ToDbClusterArn>%s</ToDbClusterArn></FailoverState>",
			f.opSteps[0], from, f.opTarget)
	}
	b.WriteString("<GlobalClusterMembers>")
	for _, m := range f.members {
		fmt.Fprintf(&b, "<GlobalClusterMember><DBClusterArn>%s</DBClusterArn><IsWriter>%v</IsWriter>", m.arn, m.writer)
		if m.sync != "" {
			fmt.Fprintf(&b, "<SynchronizationStatus>%s</SynchronizationStatus>", m.sync)
		}
		b.WriteString("</GlobalClusterMember>")
	}
	b.WriteString("</GlobalClusterMembers>")
	return b.String()
}

func (f *fakeRDS) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		out = append(out, c.action)
	}
	return out
}

// secretsManager answers DescribeSecret (JSON 1.1) for the master secret.
func (f *fakeRDS) secretsManager(w http.ResponseWriter, r *http.Request, target string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	region := ""
	if i := strings.Index(r.Header.Get("Authorization"), "Credential="); i >= 0 {
		if parts := strings.Split(r.Header.Get("Authorization")[i:], "/"); len(parts) > 2 {
			region = parts[2]
		}
	}
	f.regions = append(f.regions, "DescribeSecret@"+region)
	var in struct{ SecretId string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch {
	case target != "secretsmanager.DescribeSecret":
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"UnknownOperationException","message":%q}`, target)
	case in.SecretId != f.id+"/master":
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`)
	case region == f.secretHome && f.homeDown:
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"__type":"ServiceUnavailable","message":"region down"}`)
	case region != f.secretHome:
		fmt.Fprintf(w, `{"ARN":"arn:aws:secretsmanager:%s:111122223333:secret:%s-AbCdEf","Name":%q,"PrimaryRegion":%q}`, region, in.SecretId, in.SecretId, f.secretHome)
	default:
		var reps []string
		for _, m := range f.members {
			reg := strings.Split(m.arn, ":")[3]
			if reg == f.secretHome {
				continue
			}
			status, ok := f.secretStatus[reg]
			if !ok {
				status = "InSync"
			}
			if status == "absent" {
				continue
			}
			reps = append(reps, fmt.Sprintf(`{"Region":%q,"KmsKeyId":"alias/x","Status":%q,"StatusMessage":"fake %s"}`, reg, status, status))
		}
		fmt.Fprintf(w, `{"ARN":"arn:aws:secretsmanager:%s:111122223333:secret:%s-AbCdEf","Name":%q,"ReplicationStatus":[%s]}`, region, in.SecretId, in.SecretId, strings.Join(reps, ","))
	}
}
