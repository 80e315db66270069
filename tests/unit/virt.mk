# Unit tests of src/virt/ (libvirt discovery, domain XML, memcg resolution).
virt_unit_tests = \
	tests/unit/test-guest \
	tests/unit/test-domain-xml \
	tests/unit/test-memcg \
	tests/unit/test-virt-connection \
	tests/unit/test-cli-virt \
	tests/unit/test-virt-event
check_PROGRAMS += $(virt_unit_tests)
TESTS += $(virt_unit_tests)
tests_unit_test_guest_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_domain_xml_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_memcg_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_virt_connection_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_cli_virt_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_virt_event_LDADD = $(VTIER_TEST_LDADD)

# The program tests/suites/libvirt.sh drives against a real libvirtd (built by make check, run
# only by the suite).
check_PROGRAMS += tests/suites/libvirt-real
tests_suites_libvirt_real_SOURCES = tests/suites/libvirt-real.c
tests_suites_libvirt_real_LDADD = $(VTIER_TEST_LDADD)
EXTRA_DIST += tests/suites/libvirt.sh tests/suites/vtierd-libvirt.sh tests/suites/fuzz-domain-xml.sh tests/fuzz \
	tests/suites/fuzz-lib.bash
EXTRA_DIST += docs/guests.md
