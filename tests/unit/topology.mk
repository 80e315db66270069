# Topology and sampler unit tests (src/tiering/topology*, src/tiering/sampler*).
topology_unit_tests = tests/unit/test-topology tests/unit/test-sampler \
	tests/unit/test-topology-nolibnuma
check_PROGRAMS += $(topology_unit_tests)
TESTS += $(topology_unit_tests)
tests_unit_test_topology_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_sampler_LDADD = $(VTIER_TEST_LDADD)
# Its own topology reader, pointed at a libnuma that does not exist (the core's copy is then not
# linked in): the real machine's topology must come from sysfs, with a note naming the library.
tests_unit_test_topology_nolibnuma_SOURCES = tests/unit/test-topology-nolibnuma.c \
	src/tiering/topology-read.c
tests_unit_test_topology_nolibnuma_CPPFLAGS = $(AM_CPPFLAGS) \
	-DVTIER_LIBNUMA_LOAD_SONAME=\"libvtier-absent.so.0\"
tests_unit_test_topology_nolibnuma_LDADD = $(VTIER_TEST_LDADD)
