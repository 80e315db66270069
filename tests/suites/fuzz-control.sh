#!/bin/sh
# Fuzzes the control protocol's request and reply parsers (src/common/control.c; 20 s) with
# libFuzzer. Builds its own clang binary under $VTIER_BUILDDIR/fuzz/, leaving the gcc build alone; the checked-in seeds (tests/fuzz/<target>/) are replayed first, then new inputs are
# searched for into a scratch corpus. Needs: clang, libclang-rt-14-dev (libFuzzer), pkg-config
# and the build's -dev packages. Ends with "N passed, N failed, N skipped".
set -u
src=${VTIER_SRCDIR:?VTIER_SRCDIR must point at the source tree}
build=${VTIER_BUILDDIR:?VTIER_BUILDDIR must point at a configured build tree}
seconds=${VTIER_FUZZ_SECONDS:-20}
out=$build/fuzz
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
	skip "fuzz-control: $cc is not installed (Debian package clang)"
	finish
fi
mkdir -p "$out"
probe=$out/probe.c
printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' >"$probe"
if ! "$cc" -fsanitize=fuzzer "$probe" -o "$out/probe" 2>"$out/probe.log"; then
	skip "fuzz-control: $cc cannot link libFuzzer (Debian package libclang-rt-14-dev)"
	finish
fi

pkgs="glib-2.0 json-glib-1.0"
core="src/common/control.c src/common/json.c src/common/error.c src/common/fileio.c
	src/common/paths.c"
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$src/tests/lsan.supp

# $1: target name (tests/fuzz/fuzz-$1.c, seeds in tests/fuzz/$1/), $2: seconds
fuzz_target() {
	local name=$1 secs=$2 dir=$build/fuzz/$1 bin seeds corpus stats cov
	bin=$dir/fuzz-$name
	seeds=$src/tests/fuzz/$name
	corpus=$dir/corpus
	mkdir -p "$corpus"
	# shellcheck disable=SC2046,SC2086 # word splitting of pkg-config output is intended
	if ! "$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-include "$build/config.h" -I"$build" -I"$src/src" $(pkg-config --cflags $pkgs) \
		"$src/tests/fuzz/fuzz-$name.c" $(for f in $core; do echo "$src/$f"; done) \
		$(pkg-config --libs $pkgs) -o "$bin" >"$dir/build.log" 2>&1; then
		cat "$dir/build.log"
		fail "$name: build with $cc"
		return
	fi
	pass "$name: build $bin with $cc"
	# the seeds alone, each once: a regression run
	if "$bin" -runs=0 "$seeds" >"$dir/replay.log" 2>&1; then
		pass "$name: replay $(ls "$seeds" | wc -l) seeds"
	else
		tail -40 "$dir/replay.log"
		fail "$name: replay seeds"
	fi
	# new inputs go to a scratch corpus; the checked-in seeds stay as they are
	if "$bin" -max_total_time="$secs" -max_len=${VTIER_FUZZ_MAX_LEN:-8192} -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$dir/" -print_final_stats=1 "$corpus" "$seeds" >"$dir/fuzz.log" 2>&1; then
		stats=$(grep -E '^stat::number_of_executed_units' "$dir/fuzz.log" | awk '{print $2}')
		cov=$(grep -oE 'cov: [0-9]+' "$dir/fuzz.log" | tail -1)
		pass "$name: ${secs}s of fuzzing, $stats runs, $cov, corpus $(ls "$corpus" | wc -l) inputs"
	else
		tail -60 "$dir/fuzz.log"
		fail "$name: fuzzing found a crash (reproducer: $(ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* 2>/dev/null | head -1))"
	fi
}

fuzz_target control-request "$seconds"
finish
