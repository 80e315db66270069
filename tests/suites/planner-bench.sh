#!/bin/sh
# Runs the planner benchmark briefly and checks its promise: the sysfs writes for adding or
# removing one guest do not depend on how many guests there are (1, 10, 100, 500).
# Needs: VTIER_BUILDDIR (the build tree, after `make check`, which builds bench/bench-planner).
set -u
pass=0 fail=0 skip=0
bench="${VTIER_BUILDDIR:-}/bench/bench-planner"
if [ ! -x "$bench" ]; then
	echo "FAIL: $bench is missing (run make check first)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
out=$("$bench" --quick) || { echo "$out"; echo "FAIL: bench-planner exited with an error"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
echo "$out"
rows=$(echo "$out" | awk '$1 ~ /^[0-9]+$/')
nrows=$(echo "$rows" | wc -l)
if [ "$nrows" -eq 4 ]; then
	pass=$((pass + 1)); echo "ok: four sizes measured"
else
	fail=$((fail + 1)); echo "FAIL: expected 4 sizes, got $nrows"
fi
for col in 5 6; do
	distinct=$(echo "$rows" | awk -v c=$col '{print $c}' | sort -u | wc -l)
	what=$([ $col -eq 5 ] && echo "add one guest" || echo "remove one guest")
	if [ "$distinct" -eq 1 ]; then
		pass=$((pass + 1)); echo "ok: writes to $what are the same at every size"
	else
		fail=$((fail + 1)); echo "FAIL: writes to $what depend on the guest count"
	fi
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
