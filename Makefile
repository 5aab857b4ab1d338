# The front door. `make demo` and `make test` work on a fresh Debian 12 machine: each
# installs the system packages (scripts/install-deps.sh), configures and builds first.
BUILD ?= build
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=
DEMO_DIR ?= demo
DCGAN_SHARED ?= $(abspath ../shared)
export DCGAN_SHARED
# Under `make test` nothing the tests need may be silently absent: the packages
# scripts/install-deps.sh installs (chromium, opencv-data) always, and the shared data whenever
# its folder exists (a fresh clone without it still runs every other test; those tests show as
# "Skipped"). Override with DCGAN_REQUIRE_SHARED=0 / DCGAN_REQUIRE_DEPS=0.
DCGAN_REQUIRE_SHARED ?= $(if $(wildcard $(DCGAN_SHARED)),1,0)
DCGAN_REQUIRE_DEPS ?= 1
TEST_ENV = DCGAN_REQUIRE_SHARED=$(DCGAN_REQUIRE_SHARED) DCGAN_REQUIRE_DEPS=$(DCGAN_REQUIRE_DEPS)

# `make fuzz`: the libFuzzer harnesses (fuzz/) in their own clang build with ASan and UBSan;
# `make fuzz-run FUZZ_SECONDS=30` runs each on its corpus for that long.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30

.PHONY: all deps configure build demo test test-unit bench format clean fuzz fuzz-run

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD)

# The demo builds only what it runs (the dcgan executable), not every test and benchmark.
demo: configure
	cmake --build $(BUILD) --target dcgan
	scripts/demo.sh $(BUILD)/dcgan $(DEMO_DIR)

test: build
	cd $(BUILD) && $(TEST_ENV) ctest --output-on-failure --timeout 1800

test-unit: build
	cd $(BUILD) && $(TEST_ENV) ctest --output-on-failure -L unit

bench: build
	scripts/bench.sh $(BUILD)

$(FUZZ_BUILD)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DDCGAN_BUILD_FUZZERS=ON -DDCGAN_FUZZ_ONLY=ON -DDCGAN_BUILD_TESTS=OFF -DDCGAN_BUILD_BENCH=OFF

fuzz: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD)

fuzz-run: fuzz
	fuzz/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

format:
	find src apps tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
