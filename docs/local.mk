# Man pages, written in troff.
dist_man_MANS += docs/man/vtierd.8 docs/man/vtierctl.8 docs/man/vtierd.conf.5 docs/man/vtier-policy.5
# The project's and the parts' documents (docs/damon.md, guests.md, lab*.md and qmp.md are listed
# by their parts' fragments).
EXTRA_DIST += docs/design.md docs/hacking.md docs/topology.md docs/policy.md docs/planner.md \
	docs/daemon.md docs/controller.md
EXTRA_DIST += docs/control.md docs/demo.md
