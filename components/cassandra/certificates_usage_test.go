package cassandra

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// x509Usages maps cert-manager's usage strings to what it writes into the certificate
// (cert-manager v1.21.1 pkg/util/pki: KeyUsageType to x509.KeyUsage / x509.ExtKeyUsage).
func x509Usages(t *testing.T, usages []string) (x509.KeyUsage, []x509.ExtKeyUsage) {
	t.Helper()
	var ku x509.KeyUsage
	var eku []x509.ExtKeyUsage
	for _, u := range usages {
		switch u {
		case "digital signature":
			ku |= x509.KeyUsageDigitalSignature
		case "key encipherment":
			ku |= x509.KeyUsageKeyEncipherment
		case "server auth":
			eku = append(eku, x509.ExtKeyUsageServerAuth)
		case "client auth":
			eku = append(eku, x509.ExtKeyUsageClientAuth)
		default:
			t.Fatalf("usage %q: not modelled here", u)
		}
	}
	return ku, eku
}

// Every leaf passes every verifier that checks it, given the usages the program declares:
//   - cass-operator validates both management Secrets with x509 Verify and no KeyUsages (Go then
//     requires serverAuth; cass-operator v1.30.3 pkg/httphelper/security.go
//     validatePeerACertificateSignedByPeerBCa/verifyPeerCertificateNoHostCheck), and so does every
//     operator's management client verifying the server;
//   - the management server certificate is the probes' and preStop's client certificate;
//   - the internode certificate is both ends of a connection;
//   - the native certificate is the CQL server's and the JMX client's (nodetool, Reaper).
func TestLeafCertificatesPassTheirVerifiers(t *testing.T) {
	const cassOperator = x509.ExtKeyUsage(-1) // Verify with no KeyUsages, as cass-operator calls it
	need := map[string][]x509.ExtKeyUsage{
		ManagementServerSecret: {cassOperator, x509.ExtKeyUsageClientAuth},
		ManagementClientSecret: {cassOperator},
		InternodeSecret:        {x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		NativeSecret:           {x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cassandra-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	roots := x509.NewCertPool()
	roots.AddCert(ca)

	leaves := leafCertificates([]string{"dc-service"})
	if len(leaves) != len(need) {
		t.Fatalf("%d leaves, %d with verifiers here: name what verifies the new one", len(leaves), len(need))
	}
	for i, c := range leaves {
		t.Run(c.secret, func(t *testing.T) {
			ku, eku := x509Usages(t, c.usages)
			key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 2)), Subject: pkix.Name{CommonName: c.commonName},
				NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: ku, ExtKeyUsage: eku, DNSNames: c.dnsNames}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
			if err != nil {
				t.Fatal(err)
			}
			leaf, _ := x509.ParseCertificate(der)
			verifiers, ok := need[c.secret]
			if !ok {
				t.Fatalf("no verifier named for %s", c.secret)
			}
			for _, u := range verifiers {
				opts := x509.VerifyOptions{Roots: roots}
				if u != cassOperator {
					opts.KeyUsages = []x509.ExtKeyUsage{u}
				}
				if _, err := leaf.Verify(opts); err != nil {
					t.Errorf("usages %v, verified for %v: %v", c.usages, opts.KeyUsages, err)
				}
			}
		})
	}
}
