package iampolicy

import "testing"

func TestDocumentJSON(t *testing.T) {
	d := New(
		Allow("Admin", []string{"kms:*"}, []string{"*"}).ForAWS("arn:aws:iam::123456789012:root"),
		Allow("Logs", []string{"kms:Decrypt"}, []string{"*"}).ForService("logs.eu-west-1.amazonaws.com").
			When("ArnLike", "kms:EncryptionContext:aws:logs:arn", "arn:aws:logs:eu-west-1:123456789012:log-group:*").
			When("StringEquals", "aws:SourceAccount", "123456789012"),
	)
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root"]},"Action":["kms:*"],"Resource":["*"]},` +
		`{"Sid":"Logs","Effect":"Allow","Principal":{"Service":["logs.eu-west-1.amazonaws.com"]},"Action":["kms:Decrypt"],"Resource":["*"],` +
		`"Condition":{"ArnLike":{"kms:EncryptionContext:aws:logs:arn":"arn:aws:logs:eu-west-1:123456789012:log-group:*"},"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}`
	if got := d.JSON(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// When must not alias the condition map of the statement it was called on.
func TestWhenCopies(t *testing.T) {
	base := Allow("", []string{"a"}, []string{"*"}).When("StringEquals", "k", "1")
	other := base.When("StringEquals", "k", "2")
	if base.Condition["StringEquals"]["k"] != "1" || other.Condition["StringEquals"]["k"] != "2" {
		t.Errorf("conditions alias: %v %v", base.Condition, other.Condition)
	}
}
