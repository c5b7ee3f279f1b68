package autoengine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// Check finds, before any stack runs, what would make every stack fail the same way: no Pulumi
// CLI or one too old for the Automation API, provider plugins that cannot be installed, no
// backend to keep state in, no AWS credentials (Options.Credentials). Each problem is one line
// that says how to fix it. Nothing is written but the plugins, which Check installs (Prepare's
// install of them is then a no-op): only a download shows that one is reachable.
func (e *Engine) Check(ctx context.Context) []string {
	var problems []string
	if cmd, err := newCommand(e.opts.PulumiRoot); err == nil {
		if p := e.installPlugins(ctx, cmd); p != "" {
			problems = append(problems, p)
		}
	} else {
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

// installPlugins installs Options.Plugins with the CLI (a plugin already there is a no-op) and
// returns one line naming those that could not be installed and how to fix it, or "".
func (e *Engine) installPlugins(ctx context.Context, cmd auto.PulumiCommand) string {
	env := make([]string, 0, len(e.opts.Env))
	for k, v := range e.opts.Env {
		env = append(env, k+"="+v)
	}
	var failed []string
	first := ""
	for _, p := range e.opts.Plugins {
		_, stderr, code, err := cmd.Run(ctx, os.TempDir(), nil, nil, nil, env, "plugin", "install", "resource", p.Name, p.Version)
		if err == nil && code == 0 {
			continue
		}
		failed = append(failed, p.Name+" "+p.Version)
		if first == "" {
			first = firstLine(stderr)
			if first == "" && err != nil {
				first = firstLine(err.Error())
			}
			if first == "" {
				first = fmt.Sprintf("exit %d", code)
			}
		}
	}
	if len(failed) == 0 {
		return ""
	}
	name, version, _ := strings.Cut(failed[0], " ")
	return fmt.Sprintf("Provider plugins: cannot install %s (%s): allow this machine to download from get.pulumi.com, "+
		"or install each from a downloaded file: pulumi plugin install resource %s %s --file pulumi-resource-%s-%s-<os>-<arch>.tar.gz",
		strings.Join(failed, ", "), first, name, version, name, version)
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
