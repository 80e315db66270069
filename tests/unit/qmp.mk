# QMP client tests (docs/qmp.md): pure parsers, the client against a scripted fake peer, and the
# client against a real QEMU.
qmp_unit_tests = \
	tests/unit/test-qmp-parse \
	tests/unit/test-qmp-client \
	tests/unit/test-qmp-qemu
check_PROGRAMS += $(qmp_unit_tests)
TESTS += $(qmp_unit_tests)
tests_unit_test_qmp_parse_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_qmp_client_SOURCES = tests/unit/test-qmp-client.c \
	tests/unit/qmp-fake-peer.c tests/unit/qmp-fake-peer.h
tests_unit_test_qmp_client_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_qmp_qemu_SOURCES = tests/unit/test-qmp-qemu.c \
	tests/unit/qmp-qemu.c tests/unit/qmp-qemu.h
tests_unit_test_qmp_qemu_LDADD = $(VTIER_TEST_LDADD)
# The fuzz target is built by tests/suites/fuzz-qmp.sh with clang, not by make.
EXTRA_DIST += tests/fuzz/fuzz-qmp-lines.c tests/fuzz/qmp-lines tests/suites/fuzz-qmp.sh \
	tests/fuzz/fuzz-qmp-cmdline.c tests/fuzz/qmp-cmdline
# Run by tests/suites/qmp-libvirt.sh against a real libvirtd, not by make check.
check_PROGRAMS += tests/suites/qmp-libvirt-real
tests_suites_qmp_libvirt_real_LDADD = $(VTIER_TEST_LDADD)
EXTRA_DIST += tests/suites/qmp-libvirt.sh
