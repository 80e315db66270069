# The man pages stay true to the programs (vtierctl(8) verbs and options, vtierd(8) options, every
# page installed and free of groff warnings).
docs_unit_tests = tests/unit/test-man
check_PROGRAMS += $(docs_unit_tests)
TESTS += $(docs_unit_tests)
tests_unit_test_man_LDADD = $(VTIER_TEST_LDADD)
