# vtierctl as a whole: hostile inputs to every verb.
cli_unit_tests = \
	tests/unit/test-cli-hostile \
	tests/unit/test-escape
check_PROGRAMS += $(cli_unit_tests)
TESTS += $(cli_unit_tests)
tests_unit_test_cli_hostile_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_escape_LDADD = $(VTIER_TEST_LDADD)
EXTRA_DIST += tests/suites/doc-examples.sh
