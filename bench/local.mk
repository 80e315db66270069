# Benchmarks: built with `make check` (so they keep compiling), run with `make bench`.
check_PROGRAMS += bench/bench-planner
bench_bench_planner_SOURCES = bench/bench-planner.c tests/unit/plan-scenario.c \
	tests/unit/plan-scenario.h
bench_bench_planner_LDADD = libvtier-core.la $(VTIER_LIBS)

bench: bench/bench-planner
	$(AM_V_at)./bench/bench-planner
.PHONY: bench

# The /metrics renderer and endpoint on synthetic guests; bench/metrics.sh drives it with wrk.
check_PROGRAMS += bench/bench-metrics
bench_bench_metrics_SOURCES = bench/bench-metrics.c tests/unit/metrics-fixture.c \
	tests/unit/metrics-fixture.h
bench_bench_metrics_LDADD = libvtier-core.la $(VTIER_LIBS)
EXTRA_DIST += bench/metrics.sh
