# Topology and sampler unit tests (src/tiering/topology*, src/tiering/sampler*).
topology_unit_tests = tests/unit/test-topology tests/unit/test-sampler
check_PROGRAMS += $(topology_unit_tests)
TESTS += $(topology_unit_tests)
tests_unit_test_topology_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_sampler_LDADD = $(VTIER_TEST_LDADD)
