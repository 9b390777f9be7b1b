# Gloss: the two commands a new user runs are `make demo` and `make test`.
# Both install what a fresh Debian machine lacks (as root, with apt-get), build, and run.
SHELL := /bin/bash
SWIFT ?= swift
ARGS ?=

.PHONY: all deps build demo test vectors bench fuzz campaign clean

all: build

deps:
	@bash .ci/install-deps

build: deps
	$(SWIFT) build

demo: build
	@bash .ci/demo "$$($(SWIFT) build --show-bin-path)/gloss"

# Unit, vector and integration tests (real gloss processes on temporary ledgers), then the
# independent Python checks of the vectors against Protocol/EVENTS.md, MERGE.md and SYNC.md,
# hostile peers (a Python peer written from SYNC.md) against a real gloss serve, short crash
# and load campaigns, and gloss web in headless Chromium (Tests/system/web_app.py).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	python3 Protocol/vectors/check_events.py
	python3 Protocol/vectors/check_merge.py
	python3 Protocol/vectors/check_anchoring.py
	python3 Protocol/vectors/peer.py
	python3 Protocol/vectors/check_reconcile.py
	GLOSS_BIN="$$($(SWIFT) build --show-bin-path)/gloss" python3 Protocol/vectors/hostile_peers.py
	GLOSS_BIN="$$($(SWIFT) build --show-bin-path)/gloss" python3 Protocol/vectors/hostile_peers.py --hub
	$(MAKE) fuzz FUZZ_SECONDS=10
	GLOSS_BIN="$$($(SWIFT) build --show-bin-path)/gloss" python3 Tests/system/crash_campaign.py
	GLOSS_BIN="$$($(SWIFT) build --show-bin-path)/gloss" python3 Tests/system/load.py --events 100 --rss-limit 160
	GLOSS_BIN="$$($(SWIFT) build --show-bin-path)/gloss" python3 Tests/system/hub_load.py --clients 10 --events 100
	GLOSS_BIN="$$($(SWIFT) build --show-bin-path)/gloss" python3 Tests/system/web_app.py

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

# The long campaigns that `make test` runs in a shortened form: 20 SIGKILLs during a bulk import
# and 20 during a large sync (either side), 50 clients of 1,000 events each at once, 500 sockets
# that never authenticate, and 100 clients against 64 session slots (the load on a release build,
# since it is held to the machine's CPU floor), then the same 50 × 1,000 against two hub processes
# on one PostgreSQL (fsync on) and the hub's ingest with 1, 2 and 3 processes beside SQLite's.
campaign: build
	GLOSS_BIN="$$($(SWIFT) build --show-bin-path)/gloss" python3 Tests/system/crash_campaign.py --kills 20 --events 20000
	$(SWIFT) build -c release --product gloss
	GLOSS_BIN="$$($(SWIFT) build -c release --show-bin-path)/gloss" python3 Tests/system/load.py --clients 50 --events 1000 --busy-clients 100 --busy-sessions 64 --check-floor
	GLOSS_BIN="$$($(SWIFT) build -c release --show-bin-path)/gloss" python3 Tests/system/hub_load.py --clients 50 --events 1000 --processes 2 --check-floor --fsync --scaling 1,2,3 --pushers 6 --push-events 5000
	$(MAKE) fuzz FUZZ_SECONDS=600

# libFuzzer with AddressSanitizer on the frame, event and handshake decoders, FUZZ_SECONDS each
# (`make test` runs them briefly). A crash leaves crash-* files: copy each into
# Tests/fuzz-corpus/TARGET/ so the test suite replays it from then on.
FUZZ_SECONDS ?= 60
fuzz: deps
	$(SWIFT) build -c release --scratch-path .build-fuzz --product GlossFuzz --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
	@for t in frame event handshake; do \
	  work=$$(mktemp -d); cp Tests/fuzz-corpus/$$t/* $$work/; \
	  echo "fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  GLOSS_FUZZ_TARGET=$$t SWIFT_BACKTRACE=enable=no .build-fuzz/release/GlossFuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=./crash-$$t- $$work 2>&1 \
	    | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' ; status=$${PIPESTATUS[0]}; rm -rf $$work; \
	  [ $$status -eq 0 ] || { echo "fuzz target $$t crashed: see crash-$$t-*"; exit 1; }; \
	done
