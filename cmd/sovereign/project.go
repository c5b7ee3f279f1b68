package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// register puts -C/--cwd (and its old name --dir) on a command that works on the project.
// Commands that do not (version, drift-report) do not get it.
func (g *globalFlags) register(cmd *cobra.Command) *cobra.Command {
	fs := cmd.PersistentFlags()
	fs.StringVarP(&g.dir, "cwd", "C", "", "run as if started in this directory: the project is the nearest one holding Pulumi.yaml, here or above (as pulumi -C)")
	// --dir is the old name, kept so that scripts keep working: hidden and silent (cobra's
	// deprecation note goes to stdout and would break --json output).
	fs.StringVar(&g.dir, "dir", "", "old name of --cwd")
	_ = fs.MarkHidden("dir")
	return cmd
}

// resolveProject finds the project root as pulumi does: the nearest directory holding
// Pulumi.yaml, from the working directory (or -C) upwards, so that sovereign works from any
// directory of the checkout. Without one nothing can run; the error says how to fix it.
func (g *globalFlags) resolveProject(cmd *cobra.Command) error {
	if cmd.Flags().Lookup("cwd") == nil {
		return nil // a command that needs no project
	}
	start := g.dir
	if start == "" {
		start = "."
	}
	abs, err := filepath.Abs(start)
	if err != nil {
		return configError(err)
	}
	if info, err := os.Stat(abs); err != nil || !info.IsDir() {
		return configError(fmt.Errorf("-C %s: no such directory", start))
	}
	root, ok := findProjectRoot(abs)
	if !ok && cmd.Annotations[projectOptional] != "" {
		g.dir = abs // bootstrap: its bootstrap.yaml may come before the project's files
		return nil
	}
	if !ok {
		return configError(fmt.Errorf("no Pulumi.yaml in %s or any directory above it: run sovereign inside the project checkout, or pass -C <project directory>", abs))
	}
	g.dir = root
	return nil
}

// projectOptional marks a command that runs in the given directory when no Pulumi.yaml is found.
const projectOptional = "sovereign/project-optional"

// findProjectRoot is the nearest directory from dir upwards that holds Pulumi.yaml.
func findProjectRoot(dir string) (string, bool) {
	for {
		if info, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err == nil && !info.IsDir() {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
