# Unit tests of src/daemon/ (vtierd's manager, in dry-run on fixture hosts).
daemon_unit_tests = tests/unit/test-daemon tests/unit/test-snapshot
check_PROGRAMS += $(daemon_unit_tests)
TESTS += $(daemon_unit_tests)
# an HTTP client of the /metrics endpoint: libsoup, which vtier programs load at run time
tests_unit_test_daemon_LDADD = libvtier-daemon.la $(VTIER_TEST_LDADD) $(SOUP_LIBS)
tests_unit_test_snapshot_LDADD = $(VTIER_TEST_LDADD)
# vtierd as a process, with vtierctl and the hook (the built programs).
daemon_process_tests = tests/unit/test-vtierd
check_PROGRAMS += $(daemon_process_tests)
TESTS += $(daemon_process_tests)
tests_unit_test_vtierd_LDADD = $(VTIER_TEST_LDADD)
