package iampolicy

// Deny is a Deny statement for every principal, the shape of a resource-policy guard.
func Deny(sid string, actions, resources []string) Statement {
	return Statement{Sid: sid, Effect: "Deny", Principal: map[string][]string{"AWS": {"*"}}, Action: actions, Resource: resources}
}

// DenyInsecureTransport refuses every S3 request to the bucket and its objects that does not
// come over TLS (aws:SecureTransport is false for plain HTTP).
func DenyInsecureTransport(bucketArn string) Statement {
	return Deny("TLSOnly", []string{"s3:*"}, []string{bucketArn, bucketArn + "/*"}).
		When("Bool", "aws:SecureTransport", "false")
}
