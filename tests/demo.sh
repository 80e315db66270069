#!/usr/bin/env bash
# The demo `./quickstart.sh demo` runs: vtier's main job on an embedded default host, with no CXL
# hardware needed. On the shipped AMD Turin + CXL fixture host (tests/data/sysfs/amd-turin-cxl) it
# shows what vtier sees (topology, sampler), what the kernel profile offers, and the DAMON plan it
# would apply for two guests in hot-split mode: the seed's Configuration A, as the exact sysfs
# writes. Nothing touches this machine's kernel. Every step prints its command first.
set -euo pipefail
builddir=${1:?usage: tests/demo.sh BUILDDIR}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
cd "$srcdir"
# ./run: the build tree's programs with this tree's policy schema and templates (as installed)
vtierctl="$builddir/vtierctl"
run="$builddir/run"
host=tests/data/sysfs/amd-turin-cxl

step() {
	printf '\n\033[1m$ %s\033[0m\n' "$*"
	"$run" "$@"
}

step "$vtierctl" version
step "$vtierctl" topology --sysroot "$host"
step "$vtierctl" policy check tests/data/plan/vm1-hot-split.xml
step "$vtierctl" plan --sysroot "$host" --kernel-features 7.3+hw-rfc \
	--domain tests/data/plan/vm1-hot-split.xml --domain tests/data/plan/vm2-hot-split.xml \
	--memcg 'vm1=/machine.slice/machine-qemu\x2d1\x2dvm1.scope' \
	--memcg 'vm2=/machine.slice/machine-qemu\x2d2\x2dvm2.scope'
printf '\nThe plan above lists the exact writes to /sys/kernel/mm/damon/admin that applying it makes\n'
printf 'on that host (`vtierctl damon apply PLAN.json` with --format=json); nothing was written here.\n'
