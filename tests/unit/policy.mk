# Policy and planner unit tests.
policy_unit_tests = \
	tests/unit/test-policy \
	tests/unit/test-policy-cli \
	tests/unit/test-planner \
	tests/unit/test-planner-golden \
	tests/unit/test-planner-reuse \
	tests/unit/test-plan-cli
check_PROGRAMS += $(policy_unit_tests)
TESTS += $(policy_unit_tests)
tests_unit_test_policy_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_planner_SOURCES = tests/unit/test-planner.c tests/unit/plan-scenario.c \
	tests/unit/plan-scenario.h
tests_unit_test_planner_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_planner_reuse_SOURCES = tests/unit/test-planner-reuse.c \
	tests/unit/plan-scenario.c tests/unit/plan-scenario.h
tests_unit_test_planner_reuse_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_planner_golden_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_plan_cli_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_policy_cli_LDADD = $(VTIER_TEST_LDADD)
# Suites and lab scripts of the planner (run by ./quickstart.sh check).
EXTRA_DIST += tests/suites/planner-bench.sh tests/suites/planner-lab.sh tests/kernel/planner-modes.sh
