package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// newVersion prints what a bug report needs: this build's commit, Go, the Pulumi SDK and the
// provider plugins its programs start (the versions compiled in, from the build info).
func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the commit of this build, its Pulumi SDK and the provider plugin versions it uses",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info, ok := debug.ReadBuildInfo()
			if !ok {
				return fmt.Errorf("this binary carries no build information")
			}
			_, err := fmt.Fprint(cmd.OutOrStdout(), versionText(info))
			return err
		},
	}
}

func versionText(info *debug.BuildInfo) string {
	var b strings.Builder
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	commit := settings["vcs.revision"]
	if commit == "" {
		commit = "unknown (built without VCS information, e.g. go run or go test)"
	} else if settings["vcs.modified"] == "true" {
		commit += " (with uncommitted changes)"
	}
	fmt.Fprintf(&b, "sovereign %s\n", info.Main.Version)
	fmt.Fprintf(&b, "commit:     %s\n", commit)
	if t := settings["vcs.time"]; t != "" {
		fmt.Fprintf(&b, "committed:  %s\n", t)
	}
	fmt.Fprintf(&b, "go:         %s %s/%s\n", info.GoVersion, runtime.GOOS, runtime.GOARCH)
	for _, dep := range info.Deps {
		if dep.Path == "github.com/pulumi/pulumi/sdk/v3" {
			fmt.Fprintf(&b, "pulumi sdk: %s\n", moduleVersion(dep))
		}
	}
	for _, p := range pluginsOf(info.Deps) {
		fmt.Fprintf(&b, "plugin:     %s %s\n", p.Name, p.Version)
	}
	return b.String()
}

func moduleVersion(m *debug.Module) string {
	if m.Replace != nil && m.Replace.Version != "" {
		return m.Replace.Version
	}
	return m.Version
}
