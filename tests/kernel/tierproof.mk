# The real-kernel tiering proof of the DAMON driver (tests/suites/damon-tiering-proof.sh, docs/lab-tiering.md):
# lab-damon-pull drives DAMON through vtier_damon_driver_* inside the lab guest. It links the core
# library (and so carries the sanitizers of a sanitizer build; the workload it moves, lab-workload,
# is built without them).
check_PROGRAMS += tests/kernel/lab-damon-pull
tests_kernel_lab_damon_pull_SOURCES = tests/kernel/lab-damon-pull.c
tests_kernel_lab_damon_pull_LDADD = libvtier-core.la $(VTIER_LIBS)
# only the libraries it uses: loading libvirt's and libsoup's dependency trees takes seconds
# inside a TCG guest
tests_kernel_lab_damon_pull_LDFLAGS = $(AM_LDFLAGS) -Wl,--as-needed
EXTRA_DIST += tests/suites/damon-tiering-proof.sh tests/kernel/damon-tiering-proof-guest.sh \
	docs/lab-tiering.md
# The kernel's commit time for plans of 100 and 500 guests (bench/README.md): the planner's and
# the DAMON driver's C API inside the lab guest.
check_PROGRAMS += tests/kernel/lab-commit-time
tests_kernel_lab_commit_time_SOURCES = tests/kernel/lab-commit-time.c tests/unit/plan-scenario.c \
	tests/unit/plan-scenario.h tests/kernel/lab-proc.c tests/kernel/lab-proc.h
tests_kernel_lab_commit_time_LDADD = libvtier-daemon.la libvtier-core.la $(VTIER_LIBS)
tests_kernel_lab_commit_time_LDFLAGS = $(AM_LDFLAGS) -Wl,--as-needed
# The controller's closed loop in the lab (docs/controller.md, bench/tiering/).
check_PROGRAMS += tests/kernel/lab-damon-loop
tests_kernel_lab_damon_loop_SOURCES = tests/kernel/lab-damon-loop.c tests/kernel/lab-proc.c \
	tests/kernel/lab-proc.h
tests_kernel_lab_damon_loop_LDADD = libvtier-core.la $(VTIER_LIBS)
tests_kernel_lab_damon_loop_LDFLAGS = $(AM_LDFLAGS) -Wl,--as-needed
EXTRA_DIST += tests/kernel/controller-loop-guest.sh
EXTRA_DIST += tests/suites/tiering-bench.sh
EXTRA_DIST += tests/kernel/controller-acceptance-guest.sh tests/suites/controller-acceptance.sh
# the policy-change diagnostic (docs/controller.md), run by hand
EXTRA_DIST += tests/kernel/controller-retarget-guest.sh
# the kernel's own migration speed in the lab (bench/tiering/README.md), and the hot measure
# (docs/planner.md), pin-fast moving everything (docs/controller.md), run by hand
EXTRA_DIST += tests/kernel/migrate-floor-guest.sh tests/kernel/hot-measure-guest.sh \
	tests/kernel/pin-fast-guest.sh
# a move down: what the PUSH does, vtier's loop or DAMON's tuner (docs/controller.md), by hand
EXTRA_DIST += tests/kernel/push-guest.sh
# how soon DAMON's regions show a hot set that moved, without migration (docs/controller.md), by hand
EXTRA_DIST += tests/kernel/region-detect-guest.py
