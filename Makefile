# Gloss: the two commands a new user runs are `make demo` and `make test`.
# Both install what a fresh Debian machine lacks (as root, with apt-get), build, and run.
SWIFT ?= swift
ARGS ?=

.PHONY: all deps build demo test vectors bench clean

all: build

deps:
	@bash .ci/install-deps

build: deps
	$(SWIFT) build

demo: build
	@bash .ci/demo "$$($(SWIFT) build --show-bin-path)/gloss"

# Unit, vector and integration tests (real gloss processes on temporary ledgers), then the
# independent Python checks of the vectors against Protocol/EVENTS.md, MERGE.md and SYNC.md,
# and hostile peers (a Python peer written from SYNC.md) against a real gloss serve.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	python3 Protocol/vectors/check_events.py
	python3 Protocol/vectors/check_merge.py
	python3 Protocol/vectors/peer.py
	GLOSS_BIN="$$($(SWIFT) build --show-bin-path)/gloss" python3 Protocol/vectors/hostile_peers.py

# Rewrites Protocol/vectors/events.json after a deliberate change of the event format.
vectors:
	GLOSS_WRITE_VECTORS=1 $(SWIFT) test --filter VectorTests

clean:
	rm -rf .build

# Speed as ratios against this machine's own limits (release build). ARGS=--quick for a smoke run.
bench: deps
	$(SWIFT) build -c release --product Benchmarks
	$(SWIFT) build -c release --product gloss
	"$$($(SWIFT) build -c release --show-bin-path)/Benchmarks" $(ARGS)
