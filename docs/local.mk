# Man pages, written in troff.
dist_man_MANS += docs/man/vtierd.8 docs/man/vtierctl.8 docs/man/vtierd.conf.5
EXTRA_DIST += docs/design.md docs/hacking.md
EXTRA_DIST += docs/policy.md docs/planner.md docs/man/vtier-policy.md docs/man/planner.md
