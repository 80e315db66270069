# The libvirt hook (virt-hooks/README.md). Built from the control protocol's client sources alone,
# so that it links GLib and json-glib but never libvirt (tests/unit/test-hook.c checks). Installed
# as $(libvirthooksdir)/qemu.d/vtier; never as the legacy hooks/qemu script.
noinst_PROGRAMS = virt-hooks/vtier-hook
virt_hooks_vtier_hook_SOURCES = virt-hooks/vtier-hook.c \
	src/common/control.c src/common/control.h src/common/control-client.c \
	src/common/json.c src/common/json.h \
	src/common/error.c src/common/error.h \
	src/common/fileio.c src/common/fileio.h \
	src/common/paths.c src/common/paths.h \
	src/common/escape.c src/common/escape.h
# own flags: its objects are its own, apart from libvtier-core's
virt_hooks_vtier_hook_CFLAGS = $(AM_CFLAGS)
virt_hooks_vtier_hook_LDADD = $(GLIB_LIBS) $(JSON_GLIB_LIBS)
EXTRA_DIST += virt-hooks/README.md

vtierhookdir = $(libvirthooksdir)/qemu.d
install-exec-local: install-vtier-hook
install-vtier-hook: virt-hooks/vtier-hook
	$(MKDIR_P) "$(DESTDIR)$(vtierhookdir)"
	$(INSTALL_PROGRAM) virt-hooks/vtier-hook "$(DESTDIR)$(vtierhookdir)/vtier"
uninstall-local: uninstall-vtier-hook
uninstall-vtier-hook:
	rm -f "$(DESTDIR)$(vtierhookdir)/vtier"
.PHONY: install-vtier-hook uninstall-vtier-hook
