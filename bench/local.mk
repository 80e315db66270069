# Benchmarks: built with `make check` (so they keep compiling), run with `make bench`.
check_PROGRAMS += bench/bench-planner
bench_bench_planner_SOURCES = bench/bench-planner.c tests/unit/plan-scenario.c \
	tests/unit/plan-scenario.h
bench_bench_planner_LDADD = libvtier-core.la $(VTIER_LIBS)

check_PROGRAMS += bench/bench-plan-shell
bench_bench_plan_shell_SOURCES = bench/bench-plan-shell.c tests/unit/plan-scenario.c \
	tests/unit/plan-scenario.h
bench_bench_plan_shell_LDADD = libvtier-core.la $(VTIER_LIBS)

bench: bench/bench-planner bench/bench-plan-shell
	$(AM_V_at)./bench/bench-planner
	$(AM_V_at)./bench/bench-plan-shell
	$(AM_V_at)$(SHELL) $(srcdir)/bench/bench-plan-cli.sh $(abs_top_builddir)
EXTRA_DIST += bench/bench-plan-cli.sh
.PHONY: bench
