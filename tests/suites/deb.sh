#!/bin/bash
# The Debian package: `dpkg-buildpackage -us -uc -b` in a copy of the tree, lintian (errors fail),
# the package's contents and maintainer scripts (no service enabled or started at install), then
# installed with dpkg into a fresh Debian 12 tree (debootstrap --variant=minbase, cached as a
# tarball in $VTIER_TOOLS_DIR), where vtierctl version, vtierd --help, `systemd-analyze verify` of
# the unit and `systemd-analyze security` (exposure score printed; goal <= 3.0) run; then removed
# and purged without leftovers.
#
# Needs: root, dpkg-dev, debhelper, lintian, debootstrap, fakeroot (quickstart.sh check installs
# them); the first run downloads Debian 12 packages for the tree (debootstrap's default mirror).
# Environment: VTIER_BUILDDIR, VTIER_SRCDIR.
set -uo pipefail

build=${VTIER_BUILDDIR:?VTIER_BUILDDIR must be set}
src=${VTIER_SRCDIR:?VTIER_SRCDIR must be set}
tools=${VTIER_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vtier/tools}
pass=0 fail=0 skip=0
work=$(mktemp -d "$build/deb-suite.XXXXXX")
mounted=()
cleanup() {
	local m
	for m in "${mounted[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
skipped() { echo "skip: $*"; skip=$((skip + 1)); }
finish() { echo "$pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit; }

for tool in dpkg-buildpackage dh lintian debootstrap fakeroot; do
	command -v "$tool" >/dev/null || { ko "$tool missing (./quickstart.sh check installs it)"; finish; }
done

# The tree: Debian 12 minbase with what the checks run; vtier's own dependencies (read from the
# .deb) are installed into it with apt the first time and kept in the cached tarball, so later
# runs install the .deb with dpkg alone, without network.
tree_pkgs=systemd,man-db,bash-completion
tree_tar="$tools/debian12-minbase-vtier.tar"
tree_stamp="$tree_tar.pkgs"

build_deb() {
	local copy="$work/src/vtier"
	mkdir -p "$copy"
	(cd "$src" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -P -t "$copy") ||
		{ ko "cannot copy the source tree"; return 1; }
	rm -rf "$copy/_build"
	if (cd "$copy" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) \
		>"$work/build.log" 2>&1; then
		ok "dpkg-buildpackage -us -uc -b: $(cd "$work/src" && ls -- vtier_*.deb | grep -v dbgsym)"
	else
		ko "dpkg-buildpackage -us -uc -b"; tail -40 "$work/build.log"; return 1
	fi
	deb=$(ls "$work"/src/vtier_*.deb | grep -v dbgsym | head -n1)
}

check_lintian() {
	local out
	out=$(lintian --fail-on error --suppress-tags-from-file /dev/null "$deb" 2>&1)
	local rc=$?
	if [ $rc -eq 0 ]; then
		ok "lintian: no errors ($(grep -c '^W:' <<<"$out") warnings, $(grep -c '^I:' <<<"$out") notes)"
	else
		ko "lintian errors:"
	fi
	grep -E '^(E|W):' <<<"$out" | sed 's/^/  /'
}

check_contents() {
	local list f missing="" deps
	# no vtier program links libvirt, libpfm4, libxml2, libnuma or libsoup (loaded at run time):
	# the package must name them
	deps=$(dpkg-deb -f "$deb" Depends)
	for f in libvirt0 libpfm4 libxml2 libnuma1 libsoup-3.0-0; do
		grep -qE "(^|, )$f( |,|\$)" <<<"$deps" && ok "Depends names $f: $deps" ||
			ko "Depends lacks $f (vtier loads it at run time, shlibs cannot see it): $deps"
	done
	list=$(dpkg-deb -c "$deb" | awk '{print $6}')
	for f in ./usr/sbin/vtierd ./usr/bin/vtierctl ./lib/systemd/system/vtierd.service \
		./etc/vtier/vtierd.conf ./usr/share/vtier/policies/default.xml \
		./usr/share/vtier/policies/vtier-policy.rng ./usr/share/man/man8/vtierd.8.gz \
		./usr/share/man/man8/vtierctl.8.gz ./usr/share/man/man5/vtierd.conf.5.gz \
		./usr/share/man/man5/vtier-policy.5.gz ./usr/share/bash-completion/completions/vtierctl; do
		grep -qxF "$f" <<<"$list" || missing+=" $f"
	done
	[ -z "$missing" ] && ok "the package holds vtierd, vtierctl, the unit, config, policies, man pages, completion" ||
		ko "missing from the package:$missing"
	# the libvirt hook: whatever virt-hooks/ installs into qemu.d/
	if grep -q 'qemu.d' "$src/virt-hooks/local.mk" 2>/dev/null; then
		grep -q '^\./etc/libvirt/hooks/qemu\.d/.' <<<"$list" &&
			ok "the package holds the libvirt hook: $(grep '^\./etc/libvirt/hooks/qemu\.d/.' <<<"$list" | tr '\n' ' ')" ||
			ko "virt-hooks/ installs a hook but the package has none in /etc/libvirt/hooks/qemu.d/"
		grep -qx '\./etc/libvirt/hooks/qemu' <<<"$list" && ko "the package ships /etc/libvirt/hooks/qemu (the admin's file)"
	else
		skipped "virt-hooks/ installs no hook yet in this tree"
	fi
	dpkg-deb -e "$deb" "$work/control"
	# dh_installsystemd re-enables on upgrade only what the admin had enabled (was-enabled)
	if grep -qE 'deb-systemd-invoke|systemctl (start|restart|enable)' "$work/control/postinst" ||
		awk '/was-enabled/ { guarded = 1 } /deb-systemd-helper enable/ && !guarded { bad = 1 }
			/^[[:space:]]*fi$/ { guarded = 0 } END { exit !bad }' "$work/control/postinst"; then
		ko "postinst enables or starts vtierd:"; grep -nE 'start|enable' "$work/control/postinst"
	else
		ok "postinst neither enables nor starts vtierd"
	fi
	grep -qx /etc/vtier/vtierd.conf "$work/control/conffiles" && ok "vtierd.conf is a conffile" ||
		ko "vtierd.conf is not a conffile"
}

# A fresh Debian 12 tree in $work/root, from the cached tarball (made once with debootstrap).
fresh_tree() {
	root="$work/root"
	if [ ! -s "$tree_tar" ] || [ "$(cat "$tree_stamp" 2>/dev/null)" != "$tree_pkgs" ]; then
		local tmp
		echo "debootstrap --variant=minbase bookworm (once; cached in $tree_tar)"
		mkdir -p "$tools"
		tmp=$(mktemp -d "$tools/tree.XXXXXX")
		if ! debootstrap --variant=minbase --include="$tree_pkgs" bookworm "$tmp/root" \
			>"$tmp/debootstrap.log" 2>&1; then
			tail -5 "$tmp/debootstrap.log"
			tail -5 "$tmp/root/debootstrap/debootstrap.log" 2>/dev/null
			rm -rf "$tmp"
			return 1
		fi
		rm -rf "$tmp/root/var/cache/apt/archives/"*.deb
		tar -C "$tmp/root" -cf "$tree_tar.tmp" . && mv "$tree_tar.tmp" "$tree_tar" &&
			echo "$tree_pkgs" >"$tree_stamp"
		rm -rf "$tmp"
	fi
	mkdir -p "$root" && tar -C "$root" -xf "$tree_tar"
	fresh_tree_mounts
}

in_tree() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
	DEBIAN_FRONTEND=noninteractive "$@"; }

# Installs what the .deb depends on and the tree lacks (apt, once), then refreshes the cache.
tree_deps() {
	local deps missing=() p
	deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g')
	for p in $deps; do
		in_tree dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing vtier's dependencies in the tree (once): ${missing[*]}"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
	if ! in_tree apt-get update -q >"$work/apt.log" 2>&1 ||
		! in_tree apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$work/apt.log" 2>&1; then
		tail -15 "$work/apt.log"
		return 1
	fi
	in_tree apt-get clean
	rm -f "$root/usr/sbin/policy-rc.d"
	umount "$root/proc" 2>/dev/null
	tar -C "$root" -cf "$tree_tar.tmp" . && mv "$tree_tar.tmp" "$tree_tar"
	fresh_tree_mounts
}

# /proc in the tree, and no service of any package starts there.
fresh_tree_mounts() {
	mount -t proc proc "$root/proc" 2>/dev/null && mounted+=("$root/proc")
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod 755 "$root/usr/sbin/policy-rc.d"
}

install_in_tree() {
	local out score
	if [ "$(id -u)" -ne 0 ]; then
		skipped "not root: cannot debootstrap or chroot into a Debian 12 tree"; return
	fi
	if ! fresh_tree; then
		skipped "debootstrap cannot make a Debian 12 tree here (no mirror reachable?)"; return
	fi
	if ! tree_deps; then
		skipped "cannot install vtier's dependencies in the Debian 12 tree (no mirror reachable?)"; return
	fi
	cp "$deb" "$root/tmp/vtier.deb"
	if out=$(in_tree dpkg -i /tmp/vtier.deb 2>&1); then
		ok "dpkg -i in a fresh Debian 12 tree"
	else
		ko "dpkg -i in a fresh Debian 12 tree:"; echo "$out" | tail -20; return
	fi
	out=$(in_tree vtierctl version 2>&1) && ok "vtierctl version: $(head -n1 <<<"$out")" ||
		ko "vtierctl version: $out"
	# vtier loads libvirt at run time (src/virt/libvirt-dl.c), which shlibs cannot see: the
	# package names libvirt0 itself, and its test driver answers through the loaded library
	out=$(in_tree vtierctl guests --connect test:///default 2>&1) && grep -q '^test ' <<<"$out" &&
		ok "vtierctl guests --connect test:///default (libvirt loaded at run time)" ||
		ko "vtierctl guests --connect test:///default: $out"
	# libxml2 likewise (src/common/libxml-dl.c): the installed schema and templates parse through it
	out=$(in_tree vtierctl policy templates 2>&1) && grep -q '^balanced:' <<<"$out" &&
		ok "vtierctl policy templates (libxml2 loaded at run time)" ||
		ko "vtierctl policy templates: $out"
	out=$(in_tree vtierd --help 2>&1) && grep -q -- '--config' <<<"$out" &&
		ok "vtierd --help" || ko "vtierd --help: $out"
	[ -e "$root/etc/systemd/system/multi-user.target.wants/vtierd.service" ] &&
		ko "vtierd.service is enabled at install" || ok "vtierd.service is not enabled at install"
	if out=$(in_tree systemd-analyze verify /lib/systemd/system/vtierd.service 2>&1) &&
		! grep -qiE 'vtierd|error' <<<"$out"; then
		ok "systemd-analyze verify vtierd.service"
	else
		ko "systemd-analyze verify vtierd.service:"; echo "$out"
	fi
	out=$(in_tree systemd-analyze security --offline=true /lib/systemd/system/vtierd.service 2>&1)
	score=$(sed -nE 's/.*Overall exposure level for vtierd.service: ([0-9.]+).*/\1/p' <<<"$out")
	echo "systemd-analyze security vtierd.service: ${score:-?} ($(grep -c '✗' <<<"$out") settings open)"
	grep '✗' <<<"$out" | sed 's/^/  /'
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }'; then
		ok "systemd-analyze security: exposure $score <= 3.0"
	else
		ko "systemd-analyze security: exposure ${score:-unknown} (goal <= 3.0)"
	fi
	bash_completion_check
	if grep -q 'qemu.d' "$src/virt-hooks/local.mk" 2>/dev/null; then
		out=$(in_tree sh -c 'for f in /etc/libvirt/hooks/qemu.d/*; do [ -x "$f" ] && echo "$f"; done')
		[ -n "$out" ] && ok "the hook in qemu.d is executable: $out" || ko "no executable hook in qemu.d"
	fi
	if out=$(in_tree dpkg -P vtier 2>&1) && [ ! -e "$root/etc/vtier" ] && [ ! -e "$root/usr/sbin/vtierd" ]; then
		ok "dpkg -P vtier leaves nothing in /etc/vtier or /usr/sbin"
	else
		ko "dpkg -P vtier:"; echo "$out" | tail -5; ls -la "$root/etc/vtier" 2>&1
	fi
}

# The installed completion completes verbs and a verb's options, as bash-completion loads it.
bash_completion_check() {
	local out
	out=$(in_tree bash -c 'source /usr/share/bash-completion/completions/vtierctl
		COMP_WORDS=(vtierctl ""); COMP_CWORD=1; _vtierctl; echo "${COMPREPLY[*]}"
		COMP_WORDS=(vtierctl policy --); COMP_CWORD=2; _vtierctl; echo "${COMPREPLY[*]}"' 2>&1)
	if grep -qw version <<<"$out" && grep -qw policy <<<"$out" && grep -q -- '--connect' <<<"$out"; then
		ok "bash completion: verbs and options ($(head -n1 <<<"$out" | wc -w) verbs)"
	else
		ko "bash completion: $out"
	fi
}

build_deb || finish
check_lintian
check_contents
install_in_tree
finish
