#!/bin/bash
# Fuzzes the QMP line parser (src/qmp/framer.c and the typed parsers it feeds; VTIER_FUZZ_SECONDS,
# 20 s) and the QEMU command-line parser (src/qmp/cmdline.c; VTIER_FUZZ_CMDLINE_SECONDS, 10 s)
# with libFuzzer (tests/suites/fuzz-lib.bash: a clang build of its own, seeds replayed, then
# fuzzing into a scratch corpus). Ends with "N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/fuzz-lib.bash"
fuzz_require fuzz-qmp
pkgs="glib-2.0 gio-2.0 gio-unix-2.0 json-glib-1.0 libvirt libvirt-qemu"
core="src/qmp/framer.c src/qmp/query.c src/qmp/client.c src/qmp/client-libvirt.c
	src/qmp/cmdline.c src/virt/guest.c src/virt/libvirt-dl.c src/common/dl.c src/common/error.c
	src/common/fileio.c src/common/json.c src/common/paths.c"
fuzz_target qmp-lines "${VTIER_FUZZ_SECONDS:-20}" 8192 "$pkgs" "$core"
fuzz_target qmp-cmdline "${VTIER_FUZZ_CMDLINE_SECONDS:-10}" 8192 "$pkgs" "$core"
finish
