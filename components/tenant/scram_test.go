package tenant

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

// RFC 7677's SCRAM-SHA-256 exchange (user "user", password "pencil"): the ServerKey derived here
// signs its AuthMessage into the server signature the RFC gives, and the StoredKey is the hash of
// the ClientKey its client proof reveals. A verifier built from these keys authenticates the same
// password the server would.
func TestSCRAMKeysAgainstRFC7677(t *testing.T) {
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	stored, server, err := scramKeys("pencil", salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	auth := "n=user,r=rOprNGfwEbeRWgbNEkqO," +
		"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096," +
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	if got := base64.StdEncoding.EncodeToString(hmacSHA256(server, auth)); got != "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" {
		t.Errorf("server signature %s, want RFC 7677's", got)
	}
	// ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage): recover ClientKey, hash it.
	proof, _ := base64.StdEncoding.DecodeString("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
	sig := hmacSHA256(stored, auth)
	clientKey := make([]byte, len(proof))
	for i := range proof {
		clientKey[i] = proof[i] ^ sig[i]
	}
	if got, want := base64.StdEncoding.EncodeToString(sha256Of(clientKey)), base64.StdEncoding.EncodeToString(stored); got != want {
		t.Errorf("stored key %s, want the hash of the RFC's client key %s", want, got)
	}
}

func TestSCRAMVerifier(t *testing.T) {
	v, err := SCRAMVerifier("ezra_app", "p4ss")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := SCRAMVerifier("ezra_app", "p4ss")
	other, _ := SCRAMVerifier("ezra_app", "p4sS")
	otherUser, _ := SCRAMVerifier("kim_app", "p4ss")
	parts := strings.Split(v, "$")
	if len(parts) != 3 || parts[0] != "SCRAM-SHA-256" || !strings.HasPrefix(parts[1], "4096:") || strings.Contains(v, "p4ss") {
		t.Errorf("verifier %q is not PostgreSQL's SCRAM-SHA-256 format", v)
	}
	if v != again || v == other || v == otherUser {
		t.Errorf("want the same verifier for the same user and password and another otherwise: %q %q %q %q", v, again, other, otherUser)
	}
}

func sha256Of(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
