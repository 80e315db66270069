# Unit tests of the DAMON driver (src/tiering/damon/), all on literal inputs or the fake sysfs.
damon_unit_tests = \
	tests/unit/test-damon-model \
	tests/unit/test-damon-features
check_PROGRAMS += $(damon_unit_tests)
TESTS += $(damon_unit_tests)
tests_unit_test_damon_model_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_damon_features_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_damon_model_SOURCES = tests/unit/test-damon-model.c \
	tests/unit/damon-test-util.c tests/unit/damon-test-util.h
