#!/bin/sh
# House-style bans (docs/hacking.md): unsafe string functions, raw allocation, goto, g_error, and
# /sys or /proc path literals outside src/common/paths.c.
top=${1:-.}
cd "$top" || exit 2
files=$(find src tests/unit bench -name '*.[ch]' 2>/dev/null | sort)
[ -n "$files" ] || { echo "syntax-check: no sources found"; exit 2; }
fail=0
check() {
	# $1: description, $2: extended regex, $3: files
	hits=$(grep -nE "$2" $3 2>/dev/null | grep -v 'syntax-check: allow')
	if [ -n "$hits" ]; then
		echo "syntax-check: $1:"
		echo "$hits" | sed 's/^/  /'
		fail=1
	fi
}
check "use g_strdup_printf/g_snprintf, not sprintf" '(^|[^_a-z])v?sprintf[[:space:]]*\(' "$files"
check "use g_strlcpy/g_strdup, not strcpy" '(^|[^_a-z])strcpy[[:space:]]*\(' "$files"
check "use g_strlcpy, not strncpy" '(^|[^_a-z])strncpy[[:space:]]*\(' "$files"
check "use g_new/g_malloc, not malloc" '(^|[^_a-z])(malloc|calloc|realloc)[[:space:]]*\(' "$files"
check "use g_free/g_autofree, not free" '(^|[^_a-z.>])free[[:space:]]*\(' "$files"
check "use g_auto* cleanup, not goto" '(^|[^_a-z])goto[[:space:]]' "$files"
check "never g_error() (it aborts the daemon)" '(^|[^_a-z])g_error[[:space:]]*\(' "$files"
nonpaths=$(echo "$files" | grep -v '^src/common/paths.c$' | grep '^src/')
check "spell /sys and /proc paths through src/common/paths.c" '"/(sys|proc)(/|")' "$nonpaths"
if [ $fail -ne 0 ]; then
	echo "syntax-check: FAILED"
	exit 1
fi
echo "syntax-check: OK ($(echo "$files" | wc -l) files)"
