# The README's two commands, for those who type `make`.
.PHONY: run test

run:
	bin/run

test:
	bin/test
