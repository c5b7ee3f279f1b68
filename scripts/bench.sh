#!/usr/bin/env bash
# How `sovereign synth --all` and `sovereign validate --all` scale with the number of stacks.
# For each fleet size it builds a fleet in a temp dir (the committed stack files plus region
# stacks cloned from Pulumi.iad.yaml, each with its own code x001, x002, ... and a free /16
# VPC, in staging (production's global stack would mesh them all); the clones have no database
# or backup (nor a Cassandra datacenter: staging has no Cassandra cluster), as production allows five secondary database
# regions), runs both commands BENCH_RUNS times under /usr/bin/time and prints the median wall
# time per stack, the CPU time (user+sys) per stack and the peak memory (max RSS), then the
# ratio of the per-stack synth time at the largest fleet to that at the smallest. It fails when
# that ratio is over BENCH_MAX_RATIO.
#
#   SOVEREIGN=bin/sovereign BENCH_SIZES="7 50 100" BENCH_RUNS=3 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SOVEREIGN=${SOVEREIGN:-bin/sovereign}
BENCH_SIZES=${BENCH_SIZES:-7 50 100}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_MAX_RATIO=${BENCH_MAX_RATIO:-1.25}

[ -x "$SOVEREIGN" ] || { echo "no $SOVEREIGN; run make build (or make bench)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (GNU time) for the peak memory" >&2; exit 2; }
sovereign=$(cd "$(dirname "$SOVEREIGN")" && pwd)/$(basename "$SOVEREIGN")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fleet DIR N: the committed stack files plus clones of Pulumi.iad.yaml, N stacks in all.
fleet() {
  local dir=$1 n=$2 have used octet=0 i=0 code
  mkdir -p "$dir"
  cp Pulumi.yaml Pulumi.*.yaml "$dir"/
  have=$(find "$dir" -maxdepth 1 -name 'Pulumi.*.yaml' | wc -l)
  [ "$have" -le "$n" ] || { echo "the committed fleet already has $have stacks; want at least $n" >&2; exit 2; }
  used=" $(sed -n 's/^ *vpcCidr: *10\.\([0-9]*\)\..*/\1/p' Pulumi.*.yaml | tr '\n' ' ') "
  while [ "$have" -lt "$n" ]; do
    while [[ "$used" == *" $octet "* ]]; do octet=$((octet + 1)); done
    [ "$octet" -le 255 ] || { echo "no free /16 left in 10.0.0.0/8" >&2; exit 2; }
    i=$((i + 1))
    code=$(printf 'x%03d' "$i")
    awk -v code="$code" -v cidr="10.$octet.0.0/16" '
      /^  [a-z-]+:[a-zA-Z-]+:/ { skip = ($1 == "global-sovereign:database:" || $1 == "global-sovereign:backup:" || $1 == "global-sovereign:cassandra:") }
      skip { next }
      /^    code: iad$/ { print "    code: " code; next }
      /^    environment: production$/ { print "    environment: staging"; next }
      /^    vpcCidr: / { print "    vpcCidr: " cidr; next }
      { print }
      END { print "  global-sovereign:database: null" }' Pulumi.iad.yaml >"$dir/Pulumi.$code.yaml"
    used="$used$octet "
    have=$((have + 1))
  done
}

# measure NAME DIR CMD...: runs CMD BENCH_RUNS times in DIR; sets wall, cpu (medians, s) and
# peak (max, KiB).
measure() {
  local name=$1 dir=$2 _
  shift 2
  : >"$tmp/$name.times"
  for _ in $(seq "$BENCH_RUNS"); do
    (cd "$dir" && /usr/bin/time -f '%e %U %S %M' -o "$tmp/$name.time" "$@" >"$tmp/$name.log" 2>&1) ||
      { echo "$name failed:" >&2; cat "$tmp/$name.log" >&2; exit 1; }
    cat "$tmp/$name.time" >>"$tmp/$name.times"
  done
  wall=$(awk '{print $1}' "$tmp/$name.times" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  cpu=$(awk '{print $2 + $3}' "$tmp/$name.times" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  peak=$(awk '$4 > m {m = $4} END {print m}' "$tmp/$name.times")
}

echo "sovereign synth --all / validate --all, median of $BENCH_RUNS runs, $(nproc) CPU(s)"
printf '%6s  %8s  %10s  %10s  %9s  %10s  %10s  %9s\n' stacks "synth s" "ms/stack" "cpu ms/st" "peak MiB" "validate s" "ms/stack" "peak MiB"
first="" last=""
for n in $BENCH_SIZES; do
  dir=$tmp/fleet$n
  fleet "$dir" "$n"
  measure "validate$n" "$dir" "$sovereign" validate --all
  vwall=$wall vpeak=$peak
  measure "synth$n" "$dir" "$sovereign" synth --all --out "$tmp/out$n"
  graphs=$(find "$tmp/out$n" -name '*.json' | wc -l)
  [ "$graphs" -eq "$n" ] || { echo "synth wrote $graphs graphs for $n stacks" >&2; exit 1; }
  per=$(awk -v w="$wall" -v n="$n" 'BEGIN {printf "%.1f", 1000 * w / n}')
  cpuper=$(awk -v c="$cpu" -v n="$n" 'BEGIN {printf "%.1f", 1000 * c / n}')
  awk -v n="$n" -v w="$wall" -v c="$cpu" -v p="$peak" -v vw="$vwall" -v vp="$vpeak" 'BEGIN {
    printf "%6d  %8.2f  %10.1f  %10.1f  %9.0f  %10.2f  %10.2f  %9.0f\n", n, w, 1000 * w / n, 1000 * c / n, p / 1024, vw, 1000 * vw / n, vp / 1024 }'
  [ -n "$first" ] || { first=$per firstcpu=$cpuper firstn=$n; }
  last=$per lastcpu=$cpuper lastn=$n
  rm -rf "$dir" "$tmp/out$n"
done
ratio=$(awk -v a="$last" -v b="$first" 'BEGIN {printf "%.2f", a / b}')
echo "per-stack synth CPU time at $lastn stacks / at $firstn stacks: $lastcpu ms / $firstcpu ms = $(awk -v a="$lastcpu" -v b="$firstcpu" 'BEGIN {printf "%.2f", a / b}')x"
echo "per-stack synth time at $lastn stacks / at $firstn stacks: $last ms / $first ms = ${ratio}x (limit ${BENCH_MAX_RATIO}x)"
awk -v r="$ratio" -v m="$BENCH_MAX_RATIO" 'BEGIN {exit !(r <= m)}' ||
  { echo "per-stack synth cost grows with the fleet: ${ratio}x > ${BENCH_MAX_RATIO}x" >&2; exit 1; }
