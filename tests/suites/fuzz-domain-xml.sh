#!/bin/bash
# Fuzzes vtier's domain-XML parser (src/virt/domain-xml.c; VTIER_FUZZ_SECONDS, 20 s) with
# libFuzzer (tests/suites/fuzz-lib.bash: a clang build of its own, seeds replayed, then fuzzing
# into a scratch corpus). Ends with "N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/fuzz-lib.bash"
fuzz_require fuzz-domain-xml
# domain-xml.c calls libxml2 through its loader (src/common/libxml-dl.c); the fuzzer links libxml2
# all the same, so that the sanitizers see it from the start, and the loader finds it loaded.
fuzz_target domain-xml "${VTIER_FUZZ_SECONDS:-20}" 65536 "glib-2.0 json-glib-1.0 libxml-2.0" \
	"src/virt/domain-xml.c src/virt/guest.c src/common/libxml-dl.c src/common/dl.c
	src/common/error.c src/common/fileio.c src/common/json.c src/common/paths.c" \
	-DG_LOG_DOMAIN=\"vtier-fuzz\" -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74
finish
