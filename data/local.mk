vtierconfdir = $(sysconfdir)/vtier
dist_vtierconf_DATA = data/vtierd.conf
systemdsystemunit_DATA = data/vtierd.service
CLEANFILES += data/vtierd.service
EXTRA_DIST += data/vtierd.service.in
data/vtierd.service: data/vtierd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) data && sed -e 's|@sbindir[@]|$(sbindir)|g' \
		-e 's|@sysconfdir[@]|$(sysconfdir)|g' $(srcdir)/data/vtierd.service.in > $@

# bash completion of vtierctl (verbs and options read from its --help, domains from virsh).
bashcompletiondir = $(datadir)/bash-completion/completions
dist_bashcompletion_DATA = data/bash-completion/vtierctl
