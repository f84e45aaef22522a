# threadlab — thin front end over CMake. `make help` lists the targets.
#
#   make bench     configure + build (Release, build/release) + run the default suite -> reports/
#                  (tl-bench's default --pin compact+scatter: multi-threaded benchmarks
#                  under both policies; ARGS="--pin compact" for one)
#   make test      release, TSan and ASan builds, each with every CTest test, and the
#                  race suite (scripts/tsan-suite) on the TSan build
#
# Variables: CC / CXX (e.g. CC=clang; CXX follows as clang++), LOAD_ARGS (extra tl-bench
# arguments for the --load 1 pass of bench), ARGS (extra
# tl-bench arguments for bench/quick), MODE (tl-bench --mode for bench/quick:
# both, threads or processes), PREFIX (install), JOBS.

SHELL := /bin/bash
.DEFAULT_GOAL := help

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local
ARGS ?=
MODE ?= both
CMAKE ?= cmake
CTEST ?= ctest

# Compilers: pass the user's choice to CMake (a default `cc` is left to CMake).
ifneq ($(filter environment command line,$(origin CC)),)
  COMPILER_ARGS += -DCMAKE_C_COMPILER=$(CC)
  ifeq ($(filter environment command line,$(origin CXX)),)
    ifneq ($(findstring clang,$(CC)),)
      CXX := $(subst clang,clang++,$(CC))
      COMPILER_ARGS += -DCMAKE_CXX_COMPILER=$(CXX)
    endif
  endif
endif
ifneq ($(filter environment command line,$(origin CXX)),)
  COMPILER_ARGS += -DCMAKE_CXX_COMPILER=$(CXX)
endif
DEPS_ARGS := $(if $(findstring clang,$(CC)),--with-clang)

RELEASE_DIR := build/release
TSAN_DIR := build/tsan
ASAN_DIR := build/asan
TL_BENCH := $(RELEASE_DIR)/bench/tl-bench

# configure(dir, cmake args): re-configure from scratch when the compiler
# differs from the last configure of that dir (a stale cache would silently
# keep the old compiler).
define configure
	@mkdir -p $(1)
	@cc='$(strip $(COMPILER_ARGS))'; \
	if [ -f $(1)/.tl-compiler ] && [ "$$(cat $(1)/.tl-compiler)" != "$$cc" ]; then \
	  echo "make: $(1): compiler changed, re-configuring from scratch"; \
	  rm -rf $(1)/CMakeCache.txt $(1)/CMakeFiles; \
	fi; \
	$(CMAKE) -S . -B $(1) $$cc $(2) >/dev/null && echo "$$cc" > $(1)/.tl-compiler
endef

# CI formats (issue 14): every CTest suite writes JUnit XML to
# reports/junit/<suite>.xml (ctest --output-junit, CMake >= 3.21; older ctest
# runs without it and says so), the race suite writes reports/junit/race.xml
# and SARIF 2.1.0 to reports/sarif/race.sarif.
JUNIT_DIR := $(CURDIR)/reports/junit
CTEST_JUNIT_OK := $(shell $(CTEST) --version 2>/dev/null | sed -nE '1s/.* ([0-9]+)\.([0-9]+).*/\1 \2/p' | awk '{print ($$1 > 3 || ($$1 == 3 && $$2 >= 21)) ? "yes" : ""}')
ctest_junit = $(if $(CTEST_JUNIT_OK),--output-junit $(JUNIT_DIR)/$(1).xml,)
define junit_dir
	@mkdir -p $(JUNIT_DIR)
	$(if $(CTEST_JUNIT_OK),,@echo "make: ctest older than 3.21: no JUnit XML for $(1)" >&2)
endef

# build/release serves both `make bench` and `make test`: one configuration,
# warnings are errors (the project standard), so neither rebuilds the other's.
RELEASE_ARGS := -DCMAKE_BUILD_TYPE=Release -DTL_WERROR=ON
# The TSan build: the same flags scripts/tsan-suite configures it with, so
# the race suite runs on what test-tsan built (--no-build).
TSAN_ARGS := -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTSAN=ON -DTL_WERROR=ON

.PHONY: help deps build bench quick test test-release test-tsan test-race test-asan test-stress stress tsan plot clean install

help: ## list the targets
	@echo "threadlab make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 16
	@echo "Variables: CC=clang (CXX follows), ARGS='--filter lock' and MODE=both|threads|processes (bench/quick), PREFIX=/usr/local (install)"

deps: ## check/install Debian packages (scripts/install-deps)
	@scripts/install-deps $(DEPS_ARGS)

build: deps ## configure + build Release in build/release
	$(call configure,$(RELEASE_DIR),$(RELEASE_ARGS))
	$(CMAKE) --build $(RELEASE_DIR) -j $(JOBS)

# The handoff and contended rows again on a busy machine (tl-bench --load 1:
# one spinning thread per CPU), next to their baselines, in reports/load1/.
LOAD_FILTER ?= ^(condition|event|semaphore|queue|simplequeue|pthread_cond)/pingpong/|^lock/contended/
bench: build ## build, run the default suite (--mode both, --pin compact+scatter) -> reports/<run_id>/ (reports/latest), then its handoff and contended rows under --load 1 -> reports/load1/
	$(TL_BENCH) --mode $(MODE) --out reports $(ARGS)
	$(TL_BENCH) --load 1 --no-peers --pin compact --filter '$(LOAD_FILTER)' --out reports/load1 $(LOAD_ARGS)

quick: build ## build, then tl-bench --quick (whole default suite, short; --mode both)
	$(TL_BENCH) --quick --mode $(MODE) --out reports $(ARGS)

test: ## every test: release, TSan (+ the race suite on it), then ASan builds
	@scripts/install-deps --with-browser $(DEPS_ARGS)
	@$(MAKE) --no-print-directory -k test-release test-tsan test-race test-asan test-stress

test-release: ## tests in build/release (-Werror)
	$(call configure,$(RELEASE_DIR),$(RELEASE_ARGS))
	$(CMAKE) --build $(RELEASE_DIR) -j $(JOBS)
	$(call junit_dir,release)
	$(CTEST) --test-dir $(RELEASE_DIR) --output-on-failure -j $(JOBS) $(call ctest_junit,release)

test-tsan: ## tests in build/tsan (-DTSAN=ON)
	$(call configure,$(TSAN_DIR),$(TSAN_ARGS))
	$(CMAKE) --build $(TSAN_DIR) -j $(JOBS)
	$(call junit_dir,tsan)
	$(CTEST) --test-dir $(TSAN_DIR) --output-on-failure -j $(JOBS) $(call ctest_junit,tsan)

test-race: ## the race suite (scripts/tsan-suite) on build/tsan, reused as built
	$(call configure,$(TSAN_DIR),$(TSAN_ARGS))
	$(CMAKE) --build $(TSAN_DIR) -j $(JOBS)
	@mkdir -p $(JUNIT_DIR)
	scripts/tsan-suite --no-build --build-dir $(CURDIR)/$(TSAN_DIR) --jobs $(JOBS) \
	  --junit $(JUNIT_DIR)/race.xml --sarif $(CURDIR)/reports/sarif/race.sarif

test-asan: ## tests in build/asan (-DASAN=ON, with UBSan)
	$(call configure,$(ASAN_DIR),-DCMAKE_BUILD_TYPE=RelWithDebInfo -DASAN=ON -DTL_WERROR=ON)
	$(CMAKE) --build $(ASAN_DIR) -j $(JOBS)
	$(call junit_dir,asan)
	$(CTEST) --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) $(call ctest_junit,asan)

# Flakiness shows here before it reaches CI: every test N times while twice
# as many spinning processes as CPUs keep the machine busy (scripts/stress).
STRESS_REPEAT ?= 50
stress: build ## every release test STRESS_REPEAT (50) times under load (2 spinners per CPU); pass counts per test
	scripts/stress --build-dir $(RELEASE_DIR) --repeat $(STRESS_REPEAT)

test-stress: ## the short stress run make test ends with: the unit tests 3 times under load
	$(call configure,$(RELEASE_DIR),$(RELEASE_ARGS))
	$(CMAKE) --build $(RELEASE_DIR) -j $(JOBS)
	scripts/stress --build-dir $(RELEASE_DIR) --repeat 3 --filter '^test_'

tsan: ## the ThreadSanitizer race suite (scripts/tsan-suite)
	@if [ -x scripts/tsan-suite ]; then scripts/tsan-suite; \
	else echo "make: scripts/tsan-suite is not there yet" >&2; exit 1; fi

plot: ## plots, lesson timelines and report page of the latest run (scripts/plot, scripts/timelines, scripts/report-page)
	@if [ ! -e reports/latest/results.csv ]; then echo "make: no reports/latest/results.csv: run make bench first" >&2; exit 1; fi
	scripts/plot reports/latest/results.csv
	scripts/timelines reports/latest --tl-workload $(RELEASE_DIR)/bench/tl-workload
	scripts/report-page reports/latest

clean: ## remove build/release, build/tsan, build/asan
	rm -rf $(RELEASE_DIR) $(TSAN_DIR) $(ASAN_DIR)

install: build ## install library (shared+static, pkg-config, CMake package), headers, tl-bench, tl-workload and the tl-* script commands under PREFIX
	$(CMAKE) --install $(RELEASE_DIR) --prefix $(PREFIX)
