# One GTest binary per module.
unit_tests = \
	tests/unit/test-config \
	tests/unit/test-error \
	tests/unit/test-libxml-dl \
	tests/unit/test-paths
check_PROGRAMS += $(unit_tests)
TESTS += $(unit_tests)
tests_unit_test_config_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_error_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_paths_LDADD = $(VTIER_TEST_LDADD)
# Its own libxml2 loader, pointed at a library that does not exist (the core's copy is then not
# linked in): every XML parser must fail with the loader's error.
tests_unit_test_libxml_dl_SOURCES = tests/unit/test-libxml-dl.c src/common/libxml-dl.c
tests_unit_test_libxml_dl_CPPFLAGS = $(AM_CPPFLAGS) \
	-DVTIER_LIBXML_LOAD_SONAME=\"libvtier-absent.so.0\"
tests_unit_test_libxml_dl_LDADD = $(VTIER_TEST_LDADD)
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
