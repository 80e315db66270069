# The policy schema and the shipped templates, installed to $(pkgdatadir)/policies
# (VTIER_POLICYDIR); see vtier-policy(5).
policiesdir = $(pkgdatadir)/policies
dist_policies_DATA = \
	policies/vtier-policy.rng \
	policies/balanced.xml \
	policies/capacity.xml \
	policies/default.xml \
	policies/latency-critical.xml
