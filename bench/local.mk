# Benchmarks: built with `make check` (so they keep compiling), run with `make bench`.
check_PROGRAMS += bench/bench-planner
bench_bench_planner_SOURCES = bench/bench-planner.c tests/unit/plan-scenario.c \
	tests/unit/plan-scenario.h
bench_bench_planner_LDADD = libvtier-core.la $(VTIER_LIBS)

bench: bench/bench-planner bench/bench-daemon
	$(AM_V_at)./bench/bench-planner
	$(AM_V_at)./bench/bench-daemon
.PHONY: bench

check_PROGRAMS += bench/bench-daemon
bench_bench_daemon_SOURCES = bench/bench-daemon.c
bench_bench_daemon_CPPFLAGS = $(AM_CPPFLAGS) -DVTIER_SRCDIR_FALLBACK=\"$(abs_top_srcdir)\"
bench_bench_daemon_LDADD = libvtier-daemon.la $(VTIER_TEST_LDADD)
