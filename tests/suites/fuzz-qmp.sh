#!/bin/sh
# Fuzzes the QMP line parser (src/qmp/framer.c and the typed parsers it feeds) with libFuzzer for
# a short while. Builds its own clang binary under $VTIER_BUILDDIR/fuzz/, leaving the gcc build
# alone; the checked-in seeds (tests/fuzz/qmp-lines/) are replayed first, then new inputs are
# searched for into a scratch corpus. Needs: clang, libclang-rt-14-dev (libFuzzer), pkg-config
# and the build's -dev packages. Ends with "N passed, N failed, N skipped".
set -u
src=${VTIER_SRCDIR:?VTIER_SRCDIR must point at the source tree}
build=${VTIER_BUILDDIR:?VTIER_BUILDDIR must point at a configured build tree}
seconds=${VTIER_FUZZ_SECONDS:-20}
out=$build/fuzz/qmp-lines
passed=0 failed=0 skipped=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }
skip() { echo "SKIP: $1"; skipped=$((skipped + 1)); }
finish() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit $?
}

cc=${VTIER_FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
	skip "fuzz-qmp: $cc is not installed (Debian package clang)"
	finish
fi
mkdir -p "$out"
probe=$out/probe.c
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' >"$probe"
if ! "$cc" -fsanitize=fuzzer "$probe" -o "$out/probe" 2>"$out/probe.log"; then
	skip "fuzz-qmp: $cc cannot link libFuzzer (Debian package libclang-rt-14-dev)"
	finish
fi

pkgs="glib-2.0 gio-2.0 gio-unix-2.0 json-glib-1.0 libvirt libvirt-qemu"
bin=$out/fuzz-qmp-lines
# shellcheck disable=SC2046 # word splitting of pkg-config output is intended
if "$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-include "$build/config.h" -I"$build" -I"$src/src" \
	$(pkg-config --cflags $pkgs) \
	"$src/tests/fuzz/fuzz-qmp-lines.c" "$src/src/qmp/framer.c" "$src/src/qmp/query.c" \
	"$src/src/qmp/client.c" "$src/src/qmp/client-libvirt.c" "$src/src/common/error.c" \
	$(pkg-config --libs $pkgs) -o "$bin" >"$out/build.log" 2>&1; then
	pass "fuzz-qmp: build $bin with $cc"
else
	cat "$out/build.log"
	fail "fuzz-qmp: build with $cc"
	finish
fi

export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$src/tests/lsan.supp
seeds=$src/tests/fuzz/qmp-lines
# the seeds alone, each once: a regression run
if "$bin" -runs=0 "$seeds" >"$out/replay.log" 2>&1; then
	pass "fuzz-qmp: replay $(ls "$seeds" | wc -l) seeds"
else
	tail -40 "$out/replay.log"
	fail "fuzz-qmp: replay seeds"
fi
# new inputs go to a scratch corpus; the checked-in seeds stay as they are
corpus=$out/corpus
mkdir -p "$corpus"
if "$bin" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
	-artifact_prefix="$out/" -print_final_stats=1 "$corpus" "$seeds" >"$out/fuzz.log" 2>&1; then
	stats=$(grep -E '^stat::number_of_executed_units' "$out/fuzz.log" | awk '{print $2}')
	cov=$(grep -oE 'cov: [0-9]+' "$out/fuzz.log" | tail -1)
	pass "fuzz-qmp: ${seconds}s of fuzzing, $stats runs, $cov, corpus $(ls "$corpus" | wc -l) inputs"
else
	tail -60 "$out/fuzz.log"
	fail "fuzz-qmp: fuzzing found a crash (reproducer: $(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* 2>/dev/null | head -1))"
fi
finish
