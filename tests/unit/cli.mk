# vtierctl as a whole: hostile inputs to every verb.
cli_unit_tests = \
	tests/unit/test-cli-hostile \
	tests/unit/test-cli-dispatch \
	tests/unit/test-escape
check_PROGRAMS += $(cli_unit_tests)
TESTS += $(cli_unit_tests)
tests_unit_test_cli_hostile_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_escape_LDADD = $(VTIER_TEST_LDADD)
# the dispatcher is vtierctl's own code (src/cli/cli.c), not the core library's
tests_unit_test_cli_dispatch_SOURCES = tests/unit/test-cli-dispatch.c src/cli/cli.c
tests_unit_test_cli_dispatch_LDADD = $(VTIER_TEST_LDADD)
EXTRA_DIST += tests/suites/doc-examples.sh
