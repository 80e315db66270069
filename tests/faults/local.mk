# Faults and soak (docs/faults.md): host-side fault tests of a dry-run vtierd, their suites, and
# the lab's guest scripts for the faults that need real DAMON and for the soak.
EXTRA_DIST += \
	tests/faults/lib.sh \
	tests/faults/memcg-removed.sh \
	tests/faults/state-file.sh \
	tests/faults/hook-storm.sh \
	tests/faults/bad-input.sh \
	tests/faults/restart.sh \
	tests/faults/slow-commit.sh \
	tests/faults/soak-client.py \
	tests/suites/faults.sh \
	tests/suites/soak.sh \
	tests/kernel/faults-guest.sh \
	tests/kernel/soak-guest.sh \
	docs/faults.md
