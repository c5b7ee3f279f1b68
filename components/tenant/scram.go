package tenant

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// scramIterations is PostgreSQL's default scram_iterations.
const scramIterations = 4096

// SCRAMVerifier is the SCRAM-SHA-256 verifier PostgreSQL stores for a password
// (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, RFC 5802/7677). The Job sets the
// client's password as this verifier, which PostgreSQL stores as it is: the plain password never
// reaches the server, so a logged statement (slow or failed) or a server-side trace shows only the
// verifier. The salt is derived from the user and the password, so the same password gives the
// same verifier and the Job does not change without reason; a different password or user gives a
// different salt. The passwords here are ASCII, which SASLprep leaves as they are.
func SCRAMVerifier(user, password string) (string, error) {
	seed := sha256.Sum256([]byte("global-sovereign scram salt\x00" + user + "\x00" + password))
	salt := seed[:16]
	stored, server, err := scramKeys(password, salt, scramIterations)
	if err != nil {
		return "", err
	}
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", scramIterations, b64(salt), b64(stored), b64(server)), nil
}

// scramKeys are SCRAM's StoredKey and ServerKey of a password.
func scramKeys(password string, salt []byte, iterations int) (stored, server []byte, err error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return nil, nil, err
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	return storedKey[:], hmacSHA256(salted, "Server Key"), nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
