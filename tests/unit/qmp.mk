# QMP client tests (docs/qmp.md).
qmp_unit_tests = \
	tests/unit/test-qmp-client
check_PROGRAMS += $(qmp_unit_tests)
TESTS += $(qmp_unit_tests)
tests_unit_test_qmp_client_SOURCES = tests/unit/test-qmp-client.c \
	tests/unit/qmp-fake-peer.c tests/unit/qmp-fake-peer.h
tests_unit_test_qmp_client_LDADD = $(VTIER_TEST_LDADD)
qmp_unit_tests += tests/unit/test-qmp-qemu
check_PROGRAMS += tests/unit/test-qmp-qemu
TESTS += tests/unit/test-qmp-qemu
tests_unit_test_qmp_qemu_SOURCES = tests/unit/test-qmp-qemu.c \
	tests/unit/qmp-qemu.c tests/unit/qmp-qemu.h
tests_unit_test_qmp_qemu_LDADD = $(VTIER_TEST_LDADD)
check_PROGRAMS += tests/unit/test-qmp-parse
TESTS += tests/unit/test-qmp-parse
tests_unit_test_qmp_parse_LDADD = $(VTIER_TEST_LDADD)
# The fuzz target is built by tests/suites/fuzz-qmp.sh with clang, not by make.
EXTRA_DIST += tests/fuzz/fuzz-qmp-lines.c tests/fuzz/qmp-lines tests/suites/fuzz-qmp.sh
