# swiftgrad: `make demo` builds everything and trains the seed's network;
# `make test` runs every test (XCTest, the C ABI programs, pytest).

PYTHON ?= python3
CC ?= cc
CXX ?= c++
LIBDIR := .build/release
LIB := $(LIBDIR)/libswiftgrad.so
OUT := .build/c
STRICT := -Wall -Wextra -pedantic -Werror -Iinclude
LINK := -L$(LIBDIR) -lswiftgrad -Wl,-rpath,$(abspath $(LIBDIR))
C_TESTS := $(patsubst Tests/CABI/%.c,%,$(wildcard Tests/CABI/test_*.c))
# Allocations inside OpenBLAS threads confuse leak checkers; one thread is enough.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: all deps lib python demo test check-generated test-swift test-c test-python clean
.PHONY: fuzz fuzz-build test-fuzz tsan-lib test-tsan bench

all: lib

# What a fresh machine lacks: OpenBLAS, SLEEF, valgrind, and Python's build and test tools
# (scikit-learn for the digits the Theano tutorial tests train on).
deps:
	@pkg-config --exists openblas sleef && command -v valgrind >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq libopenblas-dev libsleef-dev pkg-config valgrind; }
	@$(PYTHON) -c 'import setuptools, wheel, numpy, pytest, hypothesis, sklearn' 2>/dev/null || \
	  $(PYTHON) -m pip install -q setuptools wheel numpy pytest hypothesis scikit-learn

lib: deps
	swift build -c release

python: lib
	$(PYTHON) -m pip install -q --no-build-isolation ./python

demo: python
	@echo "== The chapter's Theano listing, run by swiftgrad (Python)"
	$(PYTHON) examples/seed_theano.py
	@echo "== XOR from C"
	@mkdir -p $(OUT)
	$(CC) -std=c99 $(STRICT) examples/c/seed_xor.c $(LINK) -o $(OUT)/seed_xor
	$(OUT)/seed_xor
	@echo "== XOR from Swift"
	swift run -c release seed-xor

test: check-generated test-swift test-c test-python test-fuzz

# The op lists in swiftgrad.h and the Python stub are copied from the
# library's registry; this fails when they are stale.
check-generated: lib
	$(PYTHON) tools/gen_ops.py --check

test-swift: deps
	swift test --disable-swift-testing

# Each C test builds with -Werror, then runs plainly, under AddressSanitizer
# (with allocations it cannot make failing, as they do without it, so the
# library's refusals are tested) and under valgrind; the header must also
# compile as C++.
test-c: lib
	@mkdir -p $(OUT)
	$(CXX) -std=c++11 -x c++ $(STRICT) -fsyntax-only include/swiftgrad.h
	@# The library exports the C ABI only (absolute and section markers aside).
	@extra=$$(nm -D --defined-only $(LIB) | awk '$$2 !~ /^[aAN]$$/ && $$3 !~ /^sg_/'); \
	  if [ -n "$$extra" ]; then echo "$(LIB) exports more than sg_ symbols:"; echo "$$extra" | head -20; exit 1; fi
	@set -e; for t in $(C_TESTS); do \
	  echo "== $$t"; \
	  $(CC) -std=c99 -g $(STRICT) Tests/CABI/$$t.c $(LINK) -o $(OUT)/$$t; \
	  $(OUT)/$$t; \
	  $(CC) -std=c99 -g $(STRICT) -fsanitize=address,undefined -fno-omit-frame-pointer \
	    Tests/CABI/$$t.c $(LINK) -o $(OUT)/$$t-asan; \
	  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 $(OUT)/$$t-asan; \
	  valgrind -q --error-exitcode=1 --leak-check=full --show-possibly-lost=no \
	    --errors-for-leak-kinds=definite,indirect \
	    $(OUT)/$$t; \
	done

# The sanitizer builds use the Swift toolchain's clang and runtimes.
SWIFT_BIN := $(dir $(realpath $(shell command -v swift)))
SAN_CC ?= $(SWIFT_BIN)clang
SWIFT_RUNTIME := $(SWIFT_BIN)../lib/swift/linux

# libFuzzer over the C ABI (Tests/Fuzz/fuzz_abi.c), against a library built
# with coverage and AddressSanitizer in .build-fuzz. `make fuzz` runs long
# on a kept corpus; `make test-fuzz` replays Tests/Fuzz/regressions and runs
# briefly. FUZZ_SKIP steers clear of the crashes listed in Tests/Fuzz/README.md.
FUZZ_TIME ?= 600
FUZZ_TEST_TIME ?= 45
FUZZ_SKIP ?=
FUZZ_LIBDIR ?= .build-fuzz/release
FUZZ_BIN := $(OUT)/fuzz_abi
FUZZ_CORPUS := .build/fuzz-corpus
FUZZ_RUN = $(FUZZ_BIN) -timeout=10 -max_len=1024 -rss_limit_mb=2048 \
  -artifact_prefix=.build/fuzz-artifacts/ -print_final_stats=1

fuzz-build: deps
	swift build -c release --product swiftgrad --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address
	@mkdir -p $(OUT) $(FUZZ_CORPUS) .build/fuzz-artifacts
	$(SAN_CC) -std=c99 -g -O1 $(STRICT) $(FUZZ_SKIP) -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -fuse-ld=lld Tests/Fuzz/fuzz_abi.c \
	  -L$(FUZZ_LIBDIR) -lswiftgrad -Wl,-rpath,$(abspath $(FUZZ_LIBDIR)) -o $(FUZZ_BIN)

fuzz: fuzz-build
	$(FUZZ_RUN) -max_total_time=$(FUZZ_TIME) $(FUZZ_CORPUS)

# A crash, leak, sanitizer report or hang fails; the log keeps the noise
# (refused allocations) out of the way.
test-fuzz: fuzz-build
	@set -e; for r in $(wildcard Tests/Fuzz/regressions/*); do $(FUZZ_BIN) $$r 2>.build/fuzz-test.log \
	  || { tail -60 .build/fuzz-test.log; echo "regression $$r fails"; exit 1; }; done
	@echo "== fuzzing the C ABI for $(FUZZ_TEST_TIME) s (log: .build/fuzz-test.log)"
	@$(FUZZ_RUN) -max_total_time=$(FUZZ_TEST_TIME) $(FUZZ_CORPUS) 2>.build/fuzz-test.log \
	  || { grep -v 'failed to allocate' .build/fuzz-test.log | tail -60; exit 1; }
	@grep '^stat::\|^Done' .build/fuzz-test.log

# ThreadSanitizer needs the library instrumented too (.build-tsan) to see
# inside it; the toolchain's TSan runtime also wants libdispatch.
tsan-lib: deps
	swift build -c release --product swiftgrad --scratch-path .build-tsan --sanitize=thread

test-tsan: tsan-lib
	@mkdir -p $(OUT)
	@set -e; for t in $(C_TESTS); do \
	  echo "== $$t (ThreadSanitizer)"; \
	  $(SAN_CC) -std=c99 -g $(STRICT) -fsanitize=thread -fuse-ld=lld Tests/CABI/$$t.c \
	    -L.build-tsan/release -lswiftgrad -Wl,-rpath,$(abspath .build-tsan/release) \
	    -L$(SWIFT_RUNTIME) -ldispatch -lBlocksRuntime -Wl,-rpath,$(abspath $(SWIFT_RUNTIME)) \
	    -o $(OUT)/$$t-tsan; \
	  TSAN_OPTIONS="halt_on_error=1 allocator_may_return_null=1" $(OUT)/$$t-tsan; \
	done

# Side by side with the peers installed for $(PYTHON) (numpy, torch, jax,
# pytensor: a virtualenv, PYTHON=.venv/bin/python), printing ratios.
bench: python
	$(PYTHON) benchmarks/small_graphs.py
	$(PYTHON) benchmarks/arrays.py

# From outside the tree, so the installed package is what gets imported.
test-python: python
	cd /tmp && $(PYTHON) -m pytest -q -p no:cacheprovider $(CURDIR)/python/tests

clean:
	rm -rf .build python/build python/*.egg-info
