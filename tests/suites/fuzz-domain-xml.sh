#!/bin/bash
# Fuzzes vtier's domain-XML parser (src/virt/domain-xml.c) with libFuzzer for a short time:
# builds tests/fuzz/fuzz-domain-xml.c with clang (-fsanitize=fuzzer,address,undefined) into the
# build directory (the normal gcc build is not touched), replays the checked-in seed corpus, then
# fuzzes for VTIER_FUZZ_SECONDS (default 20) with new inputs kept in a temporary corpus.
# Last line: "N passed, N failed, N skipped".
set -u

src=${VTIER_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${VTIER_BUILDDIR:-$src/_build}
seconds=${VTIER_FUZZ_SECONDS:-20}
out=$build/tests/fuzz
pass=0
fail=0

ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }
finish() {
	echo "$pass passed, $fail failed, 0 skipped"
	[ $fail -eq 0 ]
	exit
}

command -v clang >/dev/null || { echo "SKIP: clang is not installed (Debian package clang)"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
[ -f "$build/config.h" ] || { notok "$build/config.h missing: configure first"; finish; }

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2046
if clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-include "$build/config.h" -I"$build" -I"$src/src" \
	-DG_LOG_DOMAIN=\"vtier-fuzz\" -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74 \
	$(pkg-config --cflags glib-2.0 json-glib-1.0 libxml-2.0) \
	-o "$out/fuzz-domain-xml" \
	"$src/tests/fuzz/fuzz-domain-xml.c" "$src/src/virt/domain-xml.c" "$src/src/virt/guest.c" \
	"$src/src/common/error.c" "$src/src/common/fileio.c" "$src/src/common/paths.c" \
	$(pkg-config --libs glib-2.0 json-glib-1.0 libxml-2.0) >"$work/build.log" 2>&1; then
	ok "built the libFuzzer target with clang"
else
	cat "$work/build.log"
	notok "build the libFuzzer target"
	finish
fi

cd "$out" || exit 1
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if ./fuzz-domain-xml -runs=0 "$src/tests/fuzz/domain-xml" >"$work/seeds.log" 2>&1; then
	ok "seed corpus replays cleanly ($(ls "$src/tests/fuzz/domain-xml" | wc -l) inputs)"
else
	tail -40 "$work/seeds.log"
	notok "seed corpus replay"
fi
mkdir "$work/corpus"
if ./fuzz-domain-xml -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 "$work/corpus" "$src/tests/fuzz/domain-xml" >"$work/fuzz.log" 2>&1; then
	ok "fuzzed ${seconds}s: $(grep -E '^stat::number_of_executed_units' "$work/fuzz.log" | awk '{print $2}') executions, $(ls "$work/corpus" | wc -l) new corpus inputs, no crash"
else
	tail -60 "$work/fuzz.log"
	notok "fuzzing found a crash (reproducer: $out/crash-* or leak-*/timeout-*)"
fi
finish
