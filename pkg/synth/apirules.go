package synth

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Requests AWS refuses, which a mock would otherwise accept: each rule is what the real API
// answers (or silently does) when a resource is created before what it needs, or with a
// key of another region. The mocks fail the registration with AWS's reason, so a synth (and
// every test over it) fails where the deployment would.

const (
	typeBucket      = "aws:s3/bucketV2:BucketV2"
	typeVersioning  = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	typeSSE         = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	typeReplication = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
	typeOIDC        = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
	typePeering     = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
	typeAccepter    = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
	typePeeringOpts = "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions"
)

// checkAPI applies the rules to a registration of an AWS resource in region, before the mocks
// answer it.
func (m *mocks) checkAPI(reg registration, region string) error {
	if err := checkConstraints(reg); err != nil {
		return err
	}
	what := reg.typ + " " + reg.name
	switch reg.typ {
	case typeSSE:
		// S3 encrypts with a KMS key of the bucket's own region only.
		for _, rule := range list(reg.inputs, "rules") {
			key := str(object(rule, "applyServerSideEncryptionByDefault"), "kmsMasterKeyId")
			if r := arnRegion(key); r != "" && r != region {
				return fmt.Errorf("%s: KMS key %s is in %s, the bucket in %s; S3 uses only keys of the bucket's region", what, key, r, region)
			}
		}
	case typeReplication:
		return m.checkReplication(reg, region)
	case typePeering, typeAccepter, typePeeringOpts:
		return m.checkPeering(reg, region)
	case typeRoute:
		if str(reg.inputs, "vpcPeeringConnectionId") != "" {
			return m.checkPeering(reg, region)
		}
	case typePodIdent:
		return m.checkPodIdentity(reg)
	case typeCertValid:
		return m.checkCertificateValidation(reg)
	case typeBudget, typeAnomalySub:
		return m.checkPublisherTopics(reg)
	case typeOIDC:
		// IAM allows one OIDC provider per URL in an account (EntityAlreadyExists).
		url := str(reg.inputs, "url")
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, r := range m.regs {
			if r.typ == typeOIDC && r.urn != reg.urn && str(r.inputs, "url") == url {
				return fmt.Errorf("%s: %s already declares an OIDC provider for %s; IAM allows one per URL (EntityAlreadyExists)", what, r.urn, url)
			}
		}
	}
	return nil
}

// checkReplication: PutBucketReplication fails unless versioning is enabled on the source and
// the destination bucket (InvalidRequest), so the configuration must depend on both bucket
// versioning resources; a rule that replicates SSE-KMS objects must name a replica key
// (InvalidArgument), in the destination bucket's region.
func (m *mocks) checkReplication(reg registration, region string) error {
	what := reg.typ + " " + reg.name
	m.mu.Lock()
	defer m.mu.Unlock()
	byURN := map[string]registration{}
	regions := map[string]string{} // bucket name -> region
	for _, r := range m.regs {
		byURN[r.urn] = r
		if r.typ == typeBucket {
			regions[str(r.inputs, "bucket")] = m.providers[providerURN(r.provider)]
		}
	}
	versioned := map[string]bool{}
	for _, d := range reg.dependencies {
		r, ok := byURN[d]
		if ok && r.typ == typeVersioning && str(object(r.inputs, "versioningConfiguration"), "status") == "Enabled" {
			versioned[str(r.inputs, "bucket")] = true
		}
	}
	source := str(reg.inputs, "bucket")
	var missing []string
	if !versioned[source] {
		missing = append(missing, "source "+source)
	}
	for _, rule := range list(reg.inputs, "rules") {
		dest := object(rule, "destination")
		bucket := strings.TrimPrefix(str(dest, "bucket"), "arn:aws:s3:::")
		if !versioned[bucket] {
			missing = append(missing, "destination "+bucket)
		}
		sseKMS := str(object(object(rule, "sourceSelectionCriteria"), "sseKmsEncryptedObjects"), "status") == "Enabled"
		key := str(object(dest, "encryptionConfiguration"), "replicaKmsKeyId")
		if sseKMS && key == "" {
			return fmt.Errorf("%s: replicating SSE-KMS objects needs destination.encryptionConfiguration.replicaKmsKeyId (InvalidArgument)", what)
		}
		if r := arnRegion(key); r != "" && regions[bucket] != "" && r != regions[bucket] {
			return fmt.Errorf("%s: replica key %s is in %s, the destination bucket %s in %s; S3 uses only keys of the bucket's region",
				what, key, r, bucket, regions[bucket])
		}
		if _, hasFilter := rule["filter"]; hasFilter {
			if str(object(rule, "deleteMarkerReplication"), "status") == "" {
				return fmt.Errorf("%s: a rule with a filter (replication configuration V2) needs deleteMarkerReplication (MalformedXML)", what)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: S3 refuses a replication configuration until versioning is enabled on both buckets (InvalidRequest); "+
			"it does not depend on an Enabled %s of the %s bucket", what, typeVersioning, strings.Join(missing, " and the "))
	}
	return nil
}

// list returns the objects of the list property k of m.
func list(m resource.PropertyMap, k string) []resource.PropertyMap {
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		return nil
	}
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsArray() {
		return nil
	}
	var out []resource.PropertyMap
	for _, e := range v.ArrayValue() {
		if e.IsObject() {
			out = append(out, e.ObjectValue())
		}
	}
	return out
}

// object returns the object property k of m, or nil.
func object(m resource.PropertyMap, k string) resource.PropertyMap {
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		return nil
	}
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsObject() {
		return nil
	}
	return v.ObjectValue()
}

// arnRegion is the region of an ARN (arn:aws:kms:<region>:...), or "".
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}

// checkPeering: a cross-region request cannot auto-accept (the provider refuses autoAccept with
// peerRegion); only the peer region sees the request, so the accepter must use its provider
// (InvalidVpcPeeringConnectionID.NotFound elsewhere); options and routes need an active
// connection, so they must depend on the accepter; each side's options, and its routes, are set
// from that side's region (OperationNotPermitted).
func (m *mocks) checkPeering(reg registration, region string) error {
	what := reg.typ + " " + reg.name
	if reg.typ == typePeering {
		peer := str(reg.inputs, "peerRegion")
		if peer != "" && peer != region && autoAcceptSet(reg.inputs) {
			return fmt.Errorf("%s: autoAccept on a cross-region request (%s to %s); accept it with a VpcPeeringConnectionAccepter in %s", what, region, peer, peer)
		}
		return nil
	}
	id := str(reg.inputs, "vpcPeeringConnectionId")
	m.aws.mu.Lock()
	sides, known := m.aws.peerings[id]
	m.aws.mu.Unlock()
	if !known {
		return fmt.Errorf("%s: no VPC peering connection %q was requested", what, id)
	}
	if reg.typ == typeAccepter {
		if region != sides.accepter {
			return fmt.Errorf("%s: the request for %s is visible only in its peer region %s, the accepter runs in %s (InvalidVpcPeeringConnectionID.NotFound)", what, id, sides.accepter, region)
		}
		return nil
	}
	if !m.dependsOnAccepter(reg, id) {
		return fmt.Errorf("%s: %s is pending acceptance until its VpcPeeringConnectionAccepter exists; take the connection id from the accepter's output", what, id)
	}
	switch {
	case reg.typ == typePeeringOpts && len(object(reg.inputs, "requester")) > 0 && region != sides.requester:
		return fmt.Errorf("%s: requester options of %s are set in the requester's region %s, not %s (OperationNotPermitted)", what, id, sides.requester, region)
	case reg.typ == typePeeringOpts && len(object(reg.inputs, "accepter")) > 0 && region != sides.accepter:
		return fmt.Errorf("%s: accepter options of %s are set in the accepter's region %s, not %s (OperationNotPermitted)", what, id, sides.accepter, region)
	case reg.typ == typeRoute && region != sides.requester && region != sides.accepter:
		return fmt.Errorf("%s: a route through %s (%s-%s) in a route table of %s", what, id, sides.requester, sides.accepter, region)
	}
	return nil
}

// dependsOnAccepter: reg depends on the accepter of connection id.
func (m *mocks) dependsOnAccepter(reg registration, id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range reg.dependencies {
		for _, r := range m.regs {
			if r.urn == d && r.typ == typeAccepter && str(r.inputs, "vpcPeeringConnectionId") == id {
				return true
			}
		}
	}
	return false
}

func autoAcceptSet(inputs resource.PropertyMap) bool {
	v, _ := boolInput(inputs, "autoAccept")
	return v
}

// checkPodIdentity: EKS refuses a Pod Identity association for a cluster that does not exist
// (ResourceNotFoundException). In a stack of the fleet the cluster is one the stack declares or
// the eksCluster a stack it reads through a StackReference exports.
func (m *mocks) checkPodIdentity(reg registration) error {
	if !m.knownClustersOnly {
		return nil
	}
	name := str(reg.inputs, "clusterName")
	if name == "" {
		return nil // unknown in a preview: the mock monitor drops unknown inputs
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var known []string
	for urn := range m.standIns {
		if a, ok := m.answers[urn]; ok && str(a.state, "name") != "" {
			known = append(known, str(a.state, "name"))
		}
	}
	for _, r := range m.regs {
		switch {
		case r.typ == typeCluster:
			known = append(known, str(r.inputs, "name"))
		case r.typ == typeStackReference:
			if outs, ok := m.refs[str(r.inputs, "name")]; ok {
				known = append(known, str(object(outs, "eksCluster"), "name"))
			}
		}
	}
	for _, k := range known {
		if k != "" && k == name {
			return nil
		}
	}
	return fmt.Errorf("%s %s: no EKS cluster %q exists for the association (ResourceNotFoundException); known: %v",
		reg.typ, reg.name, name, known)
}

const (
	typeCertificate = "aws:acm/certificate:Certificate"
	typeCertValid   = "aws:acm/certificateValidation:CertificateValidation"
)

// certificateNames are the names a certificate request covers: its domain name and its
// subject alternative names, once each.
func certificateNames(inputs resource.PropertyMap) []string {
	names := []string{str(inputs, "domainName")}
	if v, ok := inputs["subjectAlternativeNames"]; ok && v.IsArray() {
		for _, e := range v.ArrayValue() {
			if e.IsString() && e.StringValue() != names[0] {
				names = append(names, e.StringValue())
			}
		}
	}
	return names
}

// checkCertificateValidation: ACM issues a DNS-validated certificate only once the CNAME of
// every name it covers resolves; the provider then waits (75 minutes by default) and fails. A
// validation that does not name a record for each of the certificate's names never completes.
func (m *mocks) checkCertificateValidation(reg registration) error {
	arnIn := str(reg.inputs, "certificateArn")
	if arnIn == "" {
		return nil // unknown in a preview
	}
	m.mu.Lock()
	var cert *answer
	for _, r := range m.regs {
		if a, ok := m.answers[r.urn]; ok && r.typ == typeCertificate && a.id == arnIn {
			cert = &a
			break
		}
	}
	m.mu.Unlock()
	if cert == nil {
		return fmt.Errorf("%s %s: no certificate %s was requested (ResourceNotFoundException)", reg.typ, reg.name, arnIn)
	}
	have := map[string]bool{}
	if v, ok := reg.inputs["validationRecordFqdns"]; ok && v.IsArray() {
		for _, e := range v.ArrayValue() {
			if e.IsString() {
				have[strings.TrimSuffix(e.StringValue(), ".")] = true
			}
		}
	}
	if len(have) == 0 {
		return fmt.Errorf("%s %s: no validationRecordFqdns; name the validation record of every name of the certificate, so the graph says it waits for them", reg.typ, reg.name)
	}
	var missing []string
	for _, o := range list(cert.state, "domainValidationOptions") {
		if rec := strings.TrimSuffix(str(o, "resourceRecordName"), "."); !have[rec] {
			missing = append(missing, str(o, "domainName")+" ("+rec+")")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s %s: no validation record for %s: ACM never issues the certificate and the validation times out",
			reg.typ, reg.name, strings.Join(missing, ", "))
	}
	return nil
}

const (
	typeBudget         = "aws:budgets/budget:Budget"
	typeAnomalySub     = "aws:costexplorer/anomalySubscription:AnomalySubscription"
	typeTopicPolicy    = "aws:sns/topicPolicy:TopicPolicy"
	budgetsPrincipal   = "budgets.amazonaws.com"
	costAlertPrincipal = "costalerts.amazonaws.com"
)

// checkPublisherTopics: AWS Budgets and Cost Anomaly Detection test the SNS topic of a
// subscriber when it is added, and refuse one whose policy does not let their service publish
// (Budgets: "...does not have permission to publish"; the anomaly subscription likewise). The
// registration must depend on a topic policy of that topic that admits the service.
func (m *mocks) checkPublisherTopics(reg registration) error {
	var topics []string
	principal := budgetsPrincipal
	if reg.typ == typeBudget {
		for _, n := range list(reg.inputs, "notifications") {
			if v, ok := n["subscriberSnsTopicArns"]; ok && v.IsArray() {
				for _, e := range v.ArrayValue() {
					if e.IsString() {
						topics = append(topics, e.StringValue())
					}
				}
			}
		}
	} else {
		principal = costAlertPrincipal
		for _, s := range list(reg.inputs, "subscribers") {
			if str(s, "type") == "SNS" {
				topics = append(topics, str(s, "address"))
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, topic := range topics {
		if topic == "" {
			continue // unknown in a preview
		}
		ok := false
		for _, d := range reg.dependencies {
			for _, r := range m.regs {
				if r.urn == d && r.typ == typeTopicPolicy && str(r.inputs, "arn") == topic && strings.Contains(str(r.inputs, "policy"), principal) {
					ok = true
				}
			}
		}
		if !ok {
			return fmt.Errorf("%s %s: topic %s does not let %s publish yet: depend on its topic policy (take the topic ARN from the policy's output)",
				reg.typ, reg.name, topic, principal)
		}
	}
	return nil
}
