#!/usr/bin/env bash
# The demo `./quickstart.sh demo` runs: vtier's main job on an embedded default, with no CXL host
# needed. Every step prints the command first, so an admin can replay it.
set -euo pipefail
builddir=${1:?usage: tests/demo.sh BUILDDIR}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
vtierctl="$builddir/vtierctl"
fixtures="$srcdir/tests/data/sysfs"

step() {
	printf '\n\033[1m$ %s\033[0m\n' "$*"
	"$@"
}
has_verb() { "$vtierctl" help | grep -qE "^  $1 "; }

step "$vtierctl" version
step "$vtierctl" config --config "$srcdir/data/vtierd.conf"
if has_verb topology && [ -d "$fixtures/amd-turin-cxl" ]; then
	step "$vtierctl" topology --sysroot "$fixtures/amd-turin-cxl"
fi
if has_verb sampler && [ -d "$fixtures/amd-turin-cxl" ]; then
	step "$vtierctl" sampler --sysroot "$fixtures/amd-turin-cxl"
fi
