# The real-kernel lab (docs/lab.md): scripts that boot Debian kernels under QEMU, and the helper
# programs tests run inside the guest. The helpers are built without sanitizers: they run inside
# the lab guest, where ASan's shadow memory and allocator would distort page placement.
lab_helper_cflags = $(WARN_CFLAGS) $(NUMA_CFLAGS)
check_PROGRAMS += tests/kernel/lab-workload tests/kernel/lab-placement
tests_kernel_lab_workload_SOURCES = tests/kernel/lab-workload.c
tests_kernel_lab_workload_CFLAGS = $(lab_helper_cflags)
tests_kernel_lab_workload_LDFLAGS =
tests_kernel_lab_workload_LDADD = $(NUMA_LIBS)
tests_kernel_lab_placement_SOURCES = tests/kernel/lab-placement.c
tests_kernel_lab_placement_CFLAGS = $(lab_helper_cflags) $(GLIB_CFLAGS)
tests_kernel_lab_placement_LDFLAGS =
tests_kernel_lab_placement_LDADD = $(NUMA_LIBS) $(GLIB_LIBS)
EXTRA_DIST += \
	tests/kernel/lab \
	tests/kernel/lab-init \
	tests/kernel/lab-init-systemd \
	tests/kernel/fetch-kernel \
	tests/kernel/lab-damon-hotcheck \
	tests/kernel/lab-damon-tree \
	tests/kernel/lab-capture \
	tests/kernel/lab-capture-topology \
	tests/kernel/lab-selftest \
	tests/kernel/examples/damon-pull.sh \
	tests/kernel/examples/damon-unmovable.sh \
	tests/suites/suite-lib.bash \
	tests/suites/plain-build.bash \
	tests/suites/lab-smoke.sh \
	tests/suites/vtierd-lab.sh \
	tests/kernel/vtierd-guest.sh \
	tests/kernel/vtierd-guest-lib.bash \
	tests/kernel/damon-read.bash \
	tests/demo.sh \
	tests/kernel/demo-guest.sh \
	tests/suites/demo.sh \
	docs/lab.md
include $(srcdir)/tests/kernel/tierproof.mk
