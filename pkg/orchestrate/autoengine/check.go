package autoengine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Check finds, before any stack runs, what would make every stack fail the same way: no Pulumi
// CLI or one too old for the Automation API, no backend to keep state in, no AWS credentials
// (Options.Credentials). Each problem is one line that says how to fix it; nothing is written.
func (e *Engine) Check(ctx context.Context) []string {
	var problems []string
	if _, err := newCommand(e.opts.PulumiRoot); err != nil {
		where := "on PATH"
		if e.opts.PulumiRoot != "" {
			where = "in " + filepath.Join(e.opts.PulumiRoot, "bin")
		}
		problems = append(problems, fmt.Sprintf("Pulumi CLI: no usable pulumi %s (%s): install it (https://www.pulumi.com/docs/iac/download-install/) or pass --pulumi-root <dir with bin/pulumi>",
			where, firstLine(err.Error())))
	}
	if !hasBackend() {
		problems = append(problems, "Pulumi backend: not logged in to any: run `pulumi login s3://<state bucket>` (sovereign bootstrap prints the URL) or set PULUMI_BACKEND_URL")
	}
	if e.opts.Credentials != nil {
		if err := e.opts.Credentials(ctx); err != nil {
			problems = append(problems, "AWS credentials: "+firstLine(err.Error()))
		}
	}
	return problems
}

// hasBackend reports whether the CLI has a backend to use: PULUMI_BACKEND_URL, or a current
// login in $PULUMI_HOME/credentials.json (~/.pulumi), where `pulumi login` records it.
func hasBackend() bool {
	if os.Getenv("PULUMI_BACKEND_URL") != "" {
		return true
	}
	home := os.Getenv("PULUMI_HOME")
	if home == "" {
		dir, err := os.UserHomeDir()
		if err != nil {
			return false
		}
		home = filepath.Join(dir, ".pulumi")
	}
	data, err := os.ReadFile(filepath.Join(home, "credentials.json"))
	if err != nil {
		return false
	}
	var creds struct {
		Current string `json:"current"`
	}
	return json.Unmarshal(data, &creds) == nil && creds.Current != ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
