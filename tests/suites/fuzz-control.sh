#!/bin/bash
# Fuzzes the control protocol's request and reply parsers (src/common/control.c;
# VTIER_FUZZ_SECONDS, 20 s) with libFuzzer (tests/suites/fuzz-lib.bash: a clang build of its own,
# seeds replayed, then fuzzing into a scratch corpus). VTIER_FUZZ_MAX_LEN (8192) bounds an input.
# Ends with "N passed, N failed, N skipped".
set -u
. "$(dirname "$0")/fuzz-lib.bash"
fuzz_require fuzz-control
fuzz_target control-request "${VTIER_FUZZ_SECONDS:-20}" "${VTIER_FUZZ_MAX_LEN:-8192}" \
	"glib-2.0 json-glib-1.0" \
	"src/common/control.c src/common/json.c src/common/error.c src/common/fileio.c src/common/paths.c"
finish
