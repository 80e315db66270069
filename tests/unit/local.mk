# One GTest binary per module.
unit_tests = \
	tests/unit/test-config \
	tests/unit/test-error \
	tests/unit/test-paths
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)
tests_unit_test_config_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_error_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_paths_LDADD = $(VTIER_TEST_LDADD)
EXTRA_DIST += tests/data
include $(srcdir)/tests/unit/policy.mk
include $(srcdir)/tests/unit/topology.mk
include $(srcdir)/tests/unit/damon.mk
include $(srcdir)/tests/unit/qmp.mk
include $(srcdir)/tests/unit/virt.mk
include $(srcdir)/tests/unit/docs.mk
include $(srcdir)/tests/unit/controller.mk
include $(srcdir)/tests/unit/metrics.mk
include $(srcdir)/tests/unit/cli.mk
include $(srcdir)/tests/unit/control.mk
include $(srcdir)/tests/unit/daemon.mk
