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
damon_unit_tests += tests/unit/test-damon-writer
check_PROGRAMS += tests/unit/test-damon-writer
TESTS += tests/unit/test-damon-writer
tests_unit_test_damon_writer_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_damon_writer_SOURCES = tests/unit/test-damon-writer.c \
	tests/unit/damon-test-util.c tests/unit/damon-test-util.h
check_PROGRAMS += tests/unit/test-damon-probe
TESTS += tests/unit/test-damon-probe
tests_unit_test_damon_probe_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_damon_probe_SOURCES = tests/unit/test-damon-probe.c \
	tests/unit/damon-test-util.c tests/unit/damon-test-util.h
check_PROGRAMS += tests/unit/test-damon-ownership
TESTS += tests/unit/test-damon-ownership
tests_unit_test_damon_ownership_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_damon_ownership_SOURCES = tests/unit/test-damon-ownership.c \
	tests/unit/damon-test-util.c tests/unit/damon-test-util.h
include $(srcdir)/tests/kernel/damon.mk
check_PROGRAMS += tests/unit/test-damon-fake
TESTS += tests/unit/test-damon-fake
tests_unit_test_damon_fake_LDADD = $(VTIER_TEST_LDADD)
check_PROGRAMS += tests/unit/test-damon-driver
TESTS += tests/unit/test-damon-driver
tests_unit_test_damon_driver_LDADD = $(VTIER_TEST_LDADD)
tests_unit_test_damon_driver_SOURCES = tests/unit/test-damon-driver.c \
	tests/unit/damon-test-util.c tests/unit/damon-test-util.h
