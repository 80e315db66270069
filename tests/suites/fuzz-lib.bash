# fuzz-lib.bash — sourced by the fuzz suites (tests/suites/fuzz-*.sh): builds a libFuzzer target
# with clang (-fsanitize=fuzzer,address,undefined) under $builddir/fuzz/NAME, leaving the gcc
# build alone; replays its checked-in seeds (tests/fuzz/NAME/) once, then fuzzes for a while with
# new inputs in a scratch corpus (the seeds stay as they are). Needs clang, libFuzzer
# (libclang-rt-14-dev), pkg-config and the build's -dev packages.
#
#   . "$(dirname "$0")/fuzz-lib.bash"
#   fuzz_require SUITE-NAME          skips the suite (and finishes) without clang or libFuzzer
#   fuzz_target NAME SECONDS MAX-LEN "PKG..." "SOURCE..." [CFLAG...]
#       tests/fuzz/fuzz-NAME.c linked with SOURCE... (paths in the tree): three results (build,
#       replay, fuzz), a crash's reproducer named in the failure
#   finish
# VTIER_FUZZ_CC picks the compiler (clang). Under CI=true the fuzzing is the short version:
# VTIER_FUZZ_SECONDS 10 and VTIER_FUZZ_CMDLINE_SECONDS 5 unless set (the suites' defaults are 20
# and 10), to keep CI under its time goal; the seeds are replayed in full either way.

. "$(dirname "${BASH_SOURCE[0]}")/suite-lib.bash"
fuzz_cc=${VTIER_FUZZ_CC:-clang}
if [ "${CI:-}" = true ]; then
	: "${VTIER_FUZZ_SECONDS:=10}" "${VTIER_FUZZ_CMDLINE_SECONDS:=5}"
fi
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$srcdir/tests/lsan.supp

fuzz_require() { # SUITE-NAME
	local out=$builddir/fuzz
	if ! command -v "$fuzz_cc" >/dev/null 2>&1; then
		result skip "$1: $fuzz_cc is not installed (Debian package clang)"
		finish
	fi
	if [ ! -f "$builddir/config.h" ]; then
		result fail "$1: $builddir/config.h missing: configure first"
		finish
	fi
	mkdir -p "$out"
	printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' >"$out/probe.c"
	if ! "$fuzz_cc" -fsanitize=fuzzer "$out/probe.c" -o "$out/probe" 2>"$out/probe.log"; then
		result skip "$1: $fuzz_cc cannot link libFuzzer (Debian package libclang-rt-14-dev)"
		finish
	fi
}

fuzz_target() { # NAME SECONDS MAX-LEN "PKG..." "SOURCE..." [CFLAG...]
	local name=$1 secs=$2 max_len=$3 pkgs=$4 sources=$5 dir=$builddir/fuzz/$1 bin seeds corpus
	local runs cov f
	shift 5
	bin=$dir/fuzz-$name seeds=$srcdir/tests/fuzz/$name corpus=$dir/corpus
	rm -rf "$corpus"
	mkdir -p "$corpus"
	# shellcheck disable=SC2046,SC2086 # word splitting of pkg-config output and lists is intended
	if ! "$fuzz_cc" -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-include "$builddir/config.h" -I"$builddir" -I"$srcdir/src" "$@" $(pkg-config --cflags $pkgs) \
		"$srcdir/tests/fuzz/fuzz-$name.c" $(for f in $sources; do echo "$srcdir/$f"; done) \
		$(pkg-config --libs $pkgs) -o "$bin" >"$dir/build.log" 2>&1; then
		cat "$dir/build.log"
		result fail "$name: build with $fuzz_cc"
		return
	fi
	result ok "$name: build $bin with $fuzz_cc"
	if "$bin" -runs=0 "$seeds" >"$dir/replay.log" 2>&1; then
		result ok "$name: replay $(ls "$seeds" | wc -l) seeds"
	else
		tail -40 "$dir/replay.log"
		result fail "$name: replay seeds"
	fi
	if "$bin" -max_total_time="$secs" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$dir/" -print_final_stats=1 "$corpus" "$seeds" >"$dir/fuzz.log" 2>&1; then
		runs=$(grep -E '^stat::number_of_executed_units' "$dir/fuzz.log" | awk '{print $2}')
		cov=$(grep -oE 'cov: [0-9]+' "$dir/fuzz.log" | tail -1)
		result ok "$name: ${secs}s of fuzzing, $runs runs, $cov, corpus $(ls "$corpus" | wc -l) new inputs"
	else
		tail -60 "$dir/fuzz.log"
		result fail "$name: fuzzing found a crash (reproducer: $(ls "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* 2>/dev/null | head -1))"
	fi
}
