# Benchmarks: built with `make check` (so they keep compiling), run with `make bench`.
check_PROGRAMS += bench/bench-planner
bench_bench_planner_SOURCES = bench/bench-planner.c tests/unit/plan-scenario.c \
	tests/unit/plan-scenario.h
bench_bench_planner_LDADD = libvtier-core.la $(VTIER_LIBS)

bench: bench/bench-planner
	$(AM_V_at)./bench/bench-planner
.PHONY: bench
# The tiering benchmark (lab, minutes): bench/tiering/README.md; not run by `make bench`.
EXTRA_DIST += bench/tiering/README.md bench/tiering/run.sh bench/tiering/analyze.py
