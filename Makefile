# Shortcuts for the commands in README.md; npm scripts and `npx warden` are the real interface.
.PHONY: all install build pack demo test typecheck conformance bench types ci

all: install test

install:
	npm ci --no-audit --no-fund

build:
	npm run build

pack:
	npm pack

demo:
	npx warden demo

test:
	npm test

typecheck:
	npx tsc --noEmit -p .

conformance:
	npm run conformance -- --engine wasm

bench:
	npm run bench

types:
	npm run gen:types

ci:
	.ci/run
