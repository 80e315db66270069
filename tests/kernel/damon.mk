# The DAMON driver's lab conformance program (run by tests/suites/damon-lab.sh inside the lab).
check_PROGRAMS += tests/kernel/damon-conformance
tests_kernel_damon_conformance_SOURCES = tests/kernel/damon-conformance.c
tests_kernel_damon_conformance_LDADD = libvtier-core.la $(VTIER_LIBS)
EXTRA_DIST += tests/suites/damon-lab.sh
EXTRA_DIST += tests/suites/damon-tiering.sh tests/kernel/damon-tiering-guest.sh
