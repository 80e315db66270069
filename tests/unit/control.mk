# The control protocol (docs/control.md): codec, client, server against hostile clients; the
# terminal escaper; status/top/explain rendering.
control_unit_tests = \
	tests/unit/test-control \
	tests/unit/test-escape-terminal \
	tests/unit/test-status-render \
	tests/unit/test-hook \
	tests/unit/test-cli-control
check_PROGRAMS += $(control_unit_tests)
TESTS += $(control_unit_tests)
tests_unit_test_control_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_escape_terminal_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_status_render_SOURCES = tests/unit/test-status-render.c \
	tests/unit/control-fake.c tests/unit/control-fake.h
tests_unit_test_status_render_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_hook_SOURCES = tests/unit/test-hook.c \
	tests/unit/control-fake.c tests/unit/control-fake.h
tests_unit_test_hook_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_cli_control_SOURCES = tests/unit/test-cli-control.c \
	tests/unit/control-fake.c tests/unit/control-fake.h
tests_unit_test_cli_control_LDADD = $(VTIER_TEST_LDADD)
# The fuzz target is built by tests/suites/fuzz-control.sh with clang, not by make.
EXTRA_DIST += tests/fuzz/fuzz-control-request.c tests/fuzz/control-request \
	tests/suites/fuzz-control.sh
