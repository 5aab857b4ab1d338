# The front door. `make demo` and `make test` work on a fresh Debian 12 machine: each
# installs the system packages (scripts/install-deps.sh), configures and builds first.
BUILD ?= build
BUILD_TYPE ?= Release
CMAKE_FLAGS ?=
DEMO_DIR ?= demo
DCGAN_SHARED ?= $(abspath ../shared)
export DCGAN_SHARED

.PHONY: all deps configure build demo test test-unit bench format clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD)

demo: build
	scripts/demo.sh $(BUILD)/dcgan $(DEMO_DIR)

test: build
	cd $(BUILD) && ctest --output-on-failure --timeout 1800

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit

bench: build
	scripts/bench.sh $(BUILD)

format:
	find src apps tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
