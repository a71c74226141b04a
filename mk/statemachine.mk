# State machine: ASL checks and path tests (aws-local-stepfunctions), and the
# local runner's dependencies. Included by the main Makefile.

NODE ?= node
NPM ?= npm

statemachine/node_modules/.package-lock.json: statemachine/package.json statemachine/package-lock.json
	cd statemachine && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: statemachine-deps test-statemachine
statemachine-deps: statemachine/node_modules/.package-lock.json ## npm ci for the state machine tools

test-statemachine: statemachine-deps ## asl-validator, structure and every path of the ASL, the local runner
	cd statemachine && $(NODE) -r ./test/polyfill.cjs --test test/*.test.mjs
