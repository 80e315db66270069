# Policy and planner unit tests.
policy_unit_tests = \
	tests/unit/test-policy
check_PROGRAMS += $(policy_unit_tests)
TESTS += $(policy_unit_tests)
tests_unit_test_policy_LDADD = $(VTIER_TEST_LDADD)
