# The controller's unit tests: the step against a small plant (controller-plant.c).
controller_unit_tests = tests/unit/test-controller
check_PROGRAMS += $(controller_unit_tests)
TESTS += $(controller_unit_tests)
tests_unit_test_controller_SOURCES = tests/unit/test-controller.c \
	tests/unit/test-controller-arbiter.c \
	tests/unit/test-controller-traces.c \
	tests/unit/controller-plant.c tests/unit/controller-plant.h
tests_unit_test_controller_LDADD = $(VTIER_TEST_LDADD)
