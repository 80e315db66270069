bin_PROGRAMS += vtierctl
vtierctl_SOURCES = \
	src/cli/vtierctl.c \
	src/cli/cli.c src/cli/cli.h \
	src/cli/verb-config.c \
	src/cli/verb-version.c
vtierctl_LDADD = libvtier-core.la $(VTIER_LIBS)
vtierctl_SOURCES += src/cli/verb-topology.c
vtierctl_SOURCES += src/cli/verb-sampler.c
vtierctl_SOURCES += src/cli/policy-check.c src/cli/policy-check.h
vtierctl_SOURCES += src/cli/guests-qmp.c src/cli/guests-qmp.h
vtierctl_SOURCES += src/cli/guests-libvirt.c src/cli/guests-libvirt.h
vtierctl_SOURCES += src/cli/verb-guests.c
vtierctl_SOURCES += src/cli/verb-policy.c
vtierctl_SOURCES += src/cli/verb-probe.c
vtierctl_SOURCES += src/cli/verb-damon.c
vtierctl_SOURCES += src/cli/verb-plan.c
vtierctl_SOURCES += src/cli/verb-status.c src/cli/verb-top.c src/cli/verb-explain.c \
	src/cli/verb-attach.c
