# plain-build.bash — sourced by soak.sh and faults.sh (not a suite itself): a vtierd and vtierctl
# without sanitizers for the runs that judge timing with real DAMON under TCG, where a sanitized
# vtierd steps every 5-15 s for a 1 s interval (docs/faults.md); the ASan and valgrind phases and
# vtierd-lab keep judging the sanitized build.
#
#   plain_vtierd SRCDIR BUILDDIR   prints the path of such a vtierd (vtierctl beside it): BUILDDIR's
#                                  own when it was not configured with --enable-sanitizers, else
#                                  one configured (-O1 -g) and built once under
#                                  $VTIER_SOAK_PLAIN_BUILDDIR (default BUILDDIR/soak-plain);
#                                  returns 1 with make's or configure's tail on stderr
#   plain_builddir SRCDIR BUILDDIR TARGET...
#                                  the same build tree (BUILDDIR itself when it has no sanitizers)
#                                  with the make TARGETs built; prints its path (e2e.sh: `make
#                                  install` and the lab's helpers from it)
plain_builddir() {
	local src=$1 build=$2 dir
	shift 2
	if ! grep -q -- '--enable-sanitizers' "$build/config.status" 2>/dev/null; then
		dir=$build
	else
		dir=${VTIER_SOAK_PLAIN_BUILDDIR:-$build/soak-plain}
		mkdir -p "$dir"
		if [ ! -f "$dir/Makefile" ]; then
			(cd "$dir" && "$src/configure" CFLAGS="-O1 -g" >configure.out 2>&1) || { tail -5 "$dir/configure.out" >&2; return 1; }
		fi
	fi
	make -C "$dir" -j"$(nproc)" "$@" >"$dir/make.out" 2>&1 || { tail -10 "$dir/make.out" >&2; return 1; }
	echo "$dir"
}
plain_vtierd() {
	local dir
	dir=$(plain_builddir "$1" "$2" vtierd vtierctl) || return 1
	echo "$dir/vtierd"
}
