#!/usr/bin/env bash
# Runs the orchestrator's end-to-end test against the real Pulumi engine. The CLI is, in order:
# $SOVEREIGN_PULUMI_ROOT/bin/pulumi; the pinned build in .tools/pulumi; a pulumi on PATH; else
# it is built from the Go module proxy into .tools/pulumi (about 6 minutes, once).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
PULUMI_VERSION=${PULUMI_VERSION:?}
ours=$PWD/.tools/pulumi

if [ -n "${SOVEREIGN_PULUMI_ROOT:-}" ]; then
  root=$SOVEREIGN_PULUMI_ROOT
elif [ -x "$ours/bin/pulumi" ] && [ "$("$ours/bin/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
  root=$ours
elif command -v pulumi >/dev/null 2>&1; then
  root=""
  echo "using $(command -v pulumi) $(pulumi version)"
else
  echo "building the Pulumi CLI $PULUMI_VERSION from the Go module proxy into $ours (once)"
  (cd tools/pulumi && "$GO" build \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$ours/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  root=$ours
fi
[ -n "$root" ] && echo "using $root/bin/pulumi $("$root/bin/pulumi" version)"

mkdir -p .tools
log=.tools/e2e.log
set +e
SOVEREIGN_PULUMI_ROOT=$root "$GO" test -tags e2e -count=1 -timeout 20m -v -run E2E ./pkg/orchestrate/autoengine >"$log" 2>&1
status=$?
set -e
# The summary lines and measurements; the whole log (progress, tables) stays in $log.
grep -E '^(--- |PASS|FAIL|ok|e2e )|_test\.go:[0-9]+: [^[ ]' "$log" || true
[ $status -eq 0 ] || { echo "e2e failed; full log: $log"; tail -n 60 "$log"; }
exit $status
