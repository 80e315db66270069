# Benchmarks: built with `make check` (so they keep compiling), run with `make bench`.
check_PROGRAMS += bench/bench-planner
bench_bench_planner_SOURCES = bench/bench-planner.c tests/unit/plan-scenario.c \
	tests/unit/plan-scenario.h
bench_bench_planner_LDADD = libvtier-core.la $(VTIER_LIBS)

check_PROGRAMS += bench/bench-plan-shell
bench_bench_plan_shell_SOURCES = bench/bench-plan-shell.c tests/unit/plan-scenario.c \
	tests/unit/plan-scenario.h
bench_bench_plan_shell_LDADD = libvtier-core.la $(VTIER_LIBS)
EXTRA_DIST += bench/bench-plan-cli.sh

check_PROGRAMS += bench/bench-hook
bench_bench_hook_SOURCES = bench/bench-hook.c tests/unit/control-fake.c tests/unit/control-fake.h
bench_bench_hook_LDADD = $(VTIER_TEST_LDADD)
check_PROGRAMS += bench/bench-status
bench_bench_status_SOURCES = bench/bench-status.c tests/unit/control-fake.c \
	tests/unit/control-fake.h
bench_bench_status_LDADD = $(VTIER_TEST_LDADD)

bench: bench/bench-planner bench/bench-plan-shell bench/bench-daemon bench/bench-hook \
	bench/bench-status virt-hooks/vtier-hook vtierctl
	$(AM_V_at)./bench/bench-planner
	$(AM_V_at)./bench/bench-plan-shell
	$(AM_V_at)$(SHELL) $(srcdir)/bench/bench-plan-cli.sh $(abs_top_builddir)
	$(AM_V_at)./bench/bench-daemon
	$(AM_V_at)VTIER_BUILDDIR=$(abs_top_builddir) ./bench/bench-hook
	$(AM_V_at)VTIER_BUILDDIR=$(abs_top_builddir) ./bench/bench-status
.PHONY: bench
check_PROGRAMS += bench/bench-daemon
bench_bench_daemon_SOURCES = bench/bench-daemon.c
bench_bench_daemon_CPPFLAGS = $(AM_CPPFLAGS) -DVTIER_SRCDIR_FALLBACK=\"$(abs_top_srcdir)\"
bench_bench_daemon_LDADD = libvtier-daemon.la $(VTIER_TEST_LDADD)

# The /metrics renderer and endpoint on synthetic guests; bench/metrics.sh drives it with wrk.
check_PROGRAMS += bench/bench-metrics
bench_bench_metrics_SOURCES = bench/bench-metrics.c tests/unit/metrics-fixture.c \
	tests/unit/metrics-fixture.h
bench_bench_metrics_LDADD = libvtier-core.la $(VTIER_LIBS)
EXTRA_DIST += bench/metrics.sh
# The real vtierd --dry-run idle with N attached guests (bench/README.md).
EXTRA_DIST += bench/idle-real.sh

# The tiering benchmark (lab, minutes): bench/tiering/README.md; not run by `make bench`.
EXTRA_DIST += bench/tiering/README.md bench/tiering/run.sh bench/tiering/analyze.py \
	bench/tiering/guest.sh bench/tiering/mtier-model.sh bench/tiering/damon-reader.py \
	bench/tiering/results/7.3-full.md bench/tiering/results/7.3-full-share.png \
	bench/tiering/results/7.3-moving.png bench/tiering/results/7.3-three.png \
	bench/tiering/results/7.3.md bench/tiering/results/7.3-share.png \
	bench/tiering/results/6.18.md bench/tiering/results/6.18-share.png
