# State machine (statemachine/): its npm tools, the ASL checks and path tests,
# the local runner. Included by the main Makefile; also works on its own:
#   make -f mk/statemachine.mk test-statemachine
#
# STATEMACHINE_NODE is the node command for anything that loads
# aws-local-stepfunctions (it targets Node >= 22; the preloaded polyfill makes
# it work on Node 20 and does nothing on newer Node), e.g.
#   $(STATEMACHINE_NODE) statemachine/run-local.mjs --port … --input …
# (run-local.mjs also loads the polyfill itself).

NODE ?= node
NPM ?= npm
STATEMACHINE_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../statemachine)
STATEMACHINE_NODE := $(NODE) -r $(STATEMACHINE_DIR)/test/polyfill.cjs
STATEMACHINE_STAMP := $(STATEMACHINE_DIR)/node_modules/.package-lock.json
sm_now = date +%s.%N
# aws-local-stepfunctions 3 wants Node >= 22; 20 works with the polyfill; older does not.
sm_node_check = $(NODE) -e 'const m = +process.versions.node.split(".")[0]; if (m < 20) { console.error("statemachine: Node >= 20 required, found " + process.version); process.exit(1); }'
sm_took = awk -v a="$$1" -v b="$$($(sm_now))" 'BEGIN { printf "%.1f", b - a }'

# npm ci writes node_modules/.package-lock.json: its age against the lock file
# says whether node_modules is current.
$(STATEMACHINE_STAMP): $(STATEMACHINE_DIR)/package.json $(STATEMACHINE_DIR)/package-lock.json
	@$(sm_node_check)
	@set -e; start=$$($(sm_now)); \
	echo "statemachine: npm ci ($$($(NODE) --version), npm $$($(NPM) --version))"; \
	cd $(STATEMACHINE_DIR); $(NPM) ci --no-audit --no-fund --loglevel=error; touch $@; \
	set -- $$start; echo "statemachine: npm ci done in $$($(sm_took)) s"

.PHONY: statemachine-deps test-statemachine
statemachine-deps: $(STATEMACHINE_STAMP) ## npm ci in statemachine/ when node_modules is missing or the lock changed

test-statemachine: statemachine-deps ## asl-validator on the rendered ASL, then node --test: structure, every path, the local runner
	@$(sm_node_check)
	@set -e; cd $(STATEMACHINE_DIR); \
	start=$$($(sm_now)); \
	rendered=$$(mktemp -t dmsflow-asl.XXXXXX.json); trap 'rm -f "$$rendered"' EXIT; \
	$(NODE) render.mjs --out "$$rendered"; \
	node_modules/.bin/asl-validator --json-path "$$rendered"; \
	set -- $$start; echo "statemachine: asl-validator in $$($(sm_took)) s"; \
	start=$$($(sm_now)); \
	$(STATEMACHINE_NODE) --test --test-reporter=spec test/*.test.mjs; \
	set -- $$start; echo "statemachine: node --test in $$($(sm_took)) s"
