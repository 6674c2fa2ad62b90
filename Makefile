# The two commands of the quick start. Each does its own set-up (bin/setup is idempotent).
.PHONY: study study-quick test setup

setup:
	@bin/setup

# Every notebook, headless, in order, on the embedded platform; figures in figures/.
study: setup
	node bin/faasml.js notebooks

# The same in the quick profile (minutes).
study-quick: setup
	node bin/faasml.js notebooks --quick

# All tests (the notebooks run in their quick profile inside the suite).
test: setup
	npm test
