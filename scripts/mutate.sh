#!/usr/bin/env bash
# Mutation testing of the packages without the cloud SDKs: gremlins (pinned) breaks one thing at
# a time in the code and runs the package's tests; a mutant the tests do not notice "lived".
# Prints each package's score and fails when one kills less than $THRESHOLD% of the mutants its
# tests cover. The survivors we keep, each with its reason, are in docs/mutation-survivors.md.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
GREMLINS_VERSION=${GREMLINS_VERSION:?}
THRESHOLD=${THRESHOLD:-85}
out=${MUTATE_OUT:-.tools/mutate}
mkdir -p "$out"

# package:exclude-regexp (autoengine is the Automation API engine: its tests are the e2e tier).
packages=(pkg/config: pkg/netplan: pkg/stackgraph: pkg/iampolicy: "pkg/orchestrate:autoengine/")
status=0
rows=()
for entry in "${packages[@]}"; do
  pkg=${entry%%:*} exclude=${entry#*:}
  log="$out/$(basename "$pkg").txt"
  args=(unleash --workers 1 --timeout-coefficient 10 --invert-logical --invert-loopctrl)
  [ -n "$exclude" ] && args+=(-E "$exclude")
  start=$SECONDS
  printf '==> %s ' "$pkg"
  "$GO" run "github.com/go-gremlins/gremlins/cmd/gremlins@$GREMLINS_VERSION" "${args[@]}" "./$pkg" >"$log" 2>&1 || true
  killed=$(sed -n 's/^Killed: \([0-9]*\), Lived: \([0-9]*\).*/\1/p' "$log")
  lived=$(sed -n 's/^Killed: \([0-9]*\), Lived: \([0-9]*\).*/\2/p' "$log")
  uncovered=$(sed -n 's/.*Not covered: \([0-9]*\).*/\1/p' "$log")
  timedout=$(sed -n 's/^Timed out: \([0-9]*\).*/\1/p' "$log")
  if [ -z "$killed" ]; then
    echo "gremlins did not finish; log: $log"; tail -n 20 "$log"; status=1; continue
  fi
  score=$(awk -v k="$killed" -v l="$lived" 'BEGIN { if (k + l == 0) print "100.0"; else printf "%.1f", 100 * k / (k + l) }')
  echo "$score% in $((SECONDS - start))s"
  rows+=("$(printf '%-16s %7s %6s %6s %10s %9s' "$pkg" "$killed" "$lived" "$timedout" "$uncovered" "$score%")")
  if awk -v s="$score" -v t="$THRESHOLD" 'BEGIN { exit !(s < t) }'; then
    echo "  below $THRESHOLD%: the survivors are the LIVED lines of $log"; status=1
  fi
done
printf '\n%-16s %7s %6s %6s %10s %9s\n' PACKAGE KILLED LIVED TIMEOUT UNCOVERED EFFICACY
printf '%s\n' "${rows[@]}"
echo "(efficacy = killed / (killed + lived); threshold $THRESHOLD%; logs in $out)"
exit $status
