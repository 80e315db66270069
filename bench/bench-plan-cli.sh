#!/bin/sh
# bench-plan-cli: `vtierctl plan` end to end for N ratio guests (default 500) on the AMD Turin +
# CXL fixture host, kernel profile 7.3: the shell script (the default) against --format=json,
# CPU seconds and peak RSS of each (best of 3). Issue 10's promise: the script within 2x of
# JSON. Prints figures, asserts nothing.
#   bench/bench-plan-cli.sh BUILDDIR [N]
set -eu
builddir=${1:?usage: bench/bench-plan-cli.sh BUILDDIR [N]}
n=${2:-500}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=""
i=1
while [ "$i" -le "$n" ]; do
	uuid=$(printf '6f1c0e1a-0000-4000-8000-%012d' "$i")
	cat > "$work/vm$i.xml" <<XML
<domain type='kvm' xmlns:vt='https://vtier.dev/xmlns/policy/1.0'>
  <name>vm$i</name>
  <uuid>$uuid</uuid>
  <metadata><vt:policy mode='ratio'><vt:fast ratio='30%'/></vt:policy></metadata>
  <memory unit='MiB'>512</memory>
</domain>
XML
	args="$args -d $work/vm$i.xml -m vm$i=/machine.slice/vm$i.scope"
	i=$((i + 1))
done
measure() {
	best=""
	for _ in 1 2 3; do
		# shellcheck disable=SC2086
		/usr/bin/time -f '%U %S %M' -o "$work/time" "$builddir/run" "$builddir/vtierctl" plan \
			--sysroot "$srcdir/tests/data/sysfs/amd-turin-cxl" -k 7.3 $args "$@" \
			> "$work/out" 2>/dev/null
		cpu=$(awk '{printf "%.3f", $1 + $2}' "$work/time")
		rss=$(awk '{print $3}' "$work/time")
		if [ -z "$best" ] || awk -v a="$cpu" -v b="$best" 'BEGIN{exit !(a < b)}'; then
			best=$cpu best_rss=$rss
		fi
	done
	echo "$best $best_rss $(wc -c < "$work/out")"
}
set -- $(measure -f json)
json_cpu=$1 json_rss=$2 json_bytes=$3
set -- $(measure -f shell)
shell_cpu=$1 shell_rss=$2 shell_bytes=$3
echo "vtierctl plan, $n ratio guests, profile 7.3 (CPU s, peak RSS KiB, output bytes; best of 3)"
printf '%-8s %8s %10s %10s\n' format cpu_s rss_kib bytes
printf '%-8s %8s %10s %10s\n' json "$json_cpu" "$json_rss" "$json_bytes"
printf '%-8s %8s %10s %10s\n' shell "$shell_cpu" "$shell_rss" "$shell_bytes"
awk -v s="$shell_cpu" -v j="$json_cpu" 'BEGIN{printf "shell/json CPU ratio: %.2f\n", s / j}'
