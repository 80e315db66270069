#!/bin/bash
# `make install` / `make uninstall` symmetry: installing into DESTDIR and uninstalling again
# leaves nothing but empty folders; the libvirt hook goes into qemu.d/ of /etc/libvirt/hooks (whatever
# the prefix) and never over an admin's own hooks/qemu script, which install and uninstall leave
# as they found it. The installed bash completion completes running domains (a fake virsh on
# PATH) one word each, spaces and all.
#
# Environment: VTIER_BUILDDIR (a configured, built tree), VTIER_SRCDIR.
set -uo pipefail

build=${VTIER_BUILDDIR:?VTIER_BUILDDIR must be set}
src=${VTIER_SRCDIR:?VTIER_SRCDIR must be set}
pass=0 fail=0 skip=0
work=$(mktemp -d "$build/install-suite.XXXXXX")
trap 'rm -rf "$work"' EXIT

ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
skipped() { echo "skip: $*"; skip=$((skip + 1)); }

dest="$work/dest"
hooks=$(make -s -C "$build" -f Makefile -f - print-hooksdir <<<'print-hooksdir: ; @echo $(libvirthooksdir)' 2>/dev/null)
prefix=$(make -s -C "$build" -f Makefile -f - print-prefix <<<'print-prefix: ; @echo $(prefix)' 2>/dev/null)
legacy="$dest$hooks/qemu"
# libvirt reads /etc/libvirt/hooks whatever vtier's prefix: without --with-libvirthooksdir the
# hook goes there (a hook below /usr/local/etc would never run)
if "$build/config.status" --config | grep -q -- '--with-libvirthooksdir'; then
	skipped "the build chose its hooks dir ($hooks): the default is not checked"
elif [ "$hooks" = /etc/libvirt/hooks ]; then
	ok "the default hooks dir is /etc/libvirt/hooks (prefix $prefix)"
else
	ko "the default hooks dir is $hooks, not /etc/libvirt/hooks where libvirt looks (prefix $prefix)"
fi
mkdir -p "$(dirname "$legacy")"
printf '#!/bin/sh\n# the admin'"'"'s own hook\nexit 0\n' >"$legacy"
sum=$(sha256sum <"$legacy")

if make -C "$build" install DESTDIR="$dest" >"$work/install.log" 2>&1; then
	ok "make install DESTDIR=... ($(find "$dest" -type f -o -type l | wc -l) files)"
else
	ko "make install"; tail -20 "$work/install.log"
fi
for f in "$prefix/sbin/vtierd" "$prefix/bin/vtierctl" "$prefix/share/bash-completion/completions/vtierctl"; do
	[ -e "$dest$f" ] && ok "installed $f" || ko "not installed: $f"
done
[ "$(sha256sum <"$legacy")" = "$sum" ] && ok "the admin's $hooks/qemu is untouched by install" ||
	ko "make install changed $hooks/qemu"
if grep -q 'qemu.d' "$src/virt-hooks/local.mk"; then
	found=$(find "$dest$hooks/qemu.d" -mindepth 1 \( -type f -o -type l \) 2>/dev/null)
	[ -n "$found" ] && ok "the hook is in qemu.d: ${found#"$dest"}" || ko "no hook in $hooks/qemu.d"
else
	skipped "virt-hooks/ installs no hook yet"
fi

# completion_check: the installed completion, with the built vtierctl and a fake virsh on PATH
# whose domains are "db", "db 2" (a space), "it's" (a quote) and "web".
completion_check() {
	local file="$dest$prefix/share/bash-completion/completions/vtierctl" out
	mkdir -p "$work/bin"
	cat >"$work/bin/virsh" <<-'EOF'
		#!/bin/sh
		printf '%s\n' db "db 2" "it's" web
	EOF
	chmod +x "$work/bin/virsh"
	# each case: the words typed (the last one as typed, quotes and backslashes included), then
	# the replies, one a line between [ ]
	cat >"$work/complete.bash" <<-'EOF'
		source "$1"
		complete_words() {
			COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMPREPLY=()
			_vtierctl
			echo "$*:"
			printf '[%s]\n' "${COMPREPLY[@]}"
		}
		complete_words vtierctl explain ""
		complete_words vtierctl explain 'db\ '
		complete_words vtierctl explain '"db 2'
		complete_words vtierctl policy get "it\\'"
		complete_words vtierctl explain w
	EOF
	cat >"$work/complete.want" <<-'EOF'
		vtierctl explain :
		[db]
		[db 2]
		[it's]
		[web]
		vtierctl explain db\ :
		[db 2]
		vtierctl explain "db 2:
		[db 2]
		vtierctl policy get it\':
		[it's]
		vtierctl explain w:
		[web]
	EOF
	out=$(PATH="$work/bin:$build:$PATH" bash "$work/complete.bash" "$file" 2>&1)
	if [ "$out" = "$(cat "$work/complete.want")" ]; then
		ok "bash completion: running domains, one word each (\"db 2\", \"it's\")"
	else
		ko "bash completion of domains:"; diff "$work/complete.want" <(echo "$out") | sed 's/^/  /'
	fi
}
completion_check

if make -C "$build" uninstall DESTDIR="$dest" >"$work/uninstall.log" 2>&1; then
	ok "make uninstall DESTDIR=..."
else
	ko "make uninstall"; tail -20 "$work/uninstall.log"
fi
[ "$(sha256sum <"$legacy" 2>/dev/null)" = "$sum" ] && ok "the admin's $hooks/qemu is untouched by uninstall" ||
	ko "make uninstall removed or changed $hooks/qemu"
rm -f "$legacy"
left=$(find "$dest" \( -type f -o -type l \) -printf '%P\n')
if [ -z "$left" ]; then
	ok "uninstall removed everything install put there (only empty folders left)"
else
	ko "left after make uninstall:"; echo "$left" | sed 's/^/  /'
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
