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
# `make fuzz-torch`: the harness of the checkpoint loader, which needs the LibTorch libraries
# (gan, kernels, data, ...) built with clang and instrumented too; it is built in
# $(ASAN_TORCH_BUILD) below. `make fuzz-run-torch` runs it for FUZZ_SECONDS.

# `make test-sanitize`: the tests of the libraries without LibTorch (core, vision, crawl,
# report) built with AddressSanitizer + UndefinedBehaviorSanitizer in $(ASAN_BUILD) and run
# (label $(SANITIZE_LABELS)), then the threaded ones (crawl workers and committer, the crop
# worker pool, prepare, synth) with ThreadSanitizer in $(TSAN_BUILD). Their CLI tests run the
# ordinary build's dcgan. LOCK prefixes every build command (a shared machine's build lock).
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
SANITIZE_LABELS ?= unit
TSAN_TESTS ?= test_crawl_crawler test_crawl_http_client test_crawl_rate_limiter \
  test_crawl_part_file test_vision_crop_pipeline test_vision_crop_dedupe test_vision_prepare \
  test_vision_synth_faces test_vision_face_detector
# `make test-sanitize-torch`: the same for the libraries with LibTorch (kernels, dist, data,
# metrics, gan, serve; LibTorch itself is not instrumented): their library tests with ASan +
# UBSan in $(ASAN_TORCH_BUILD), the data set decoder's threads with TSan in $(TSAN_TORCH_BUILD).
# $(ASAN_TORCH_BUILD) is configured as a fuzz build (fuzz/sanitizer_flags.cmake: ASan, UBSan
# and libFuzzer's coverage counters, which the tests do not notice), so that the checkpoint
# harness links the same instrumented libraries: one clang build of them instead of two.
# Neither builds the app (DCGAN_BUILD_CLI=OFF); the tests that run the CLI are not among these.
ASAN_TORCH_BUILD ?= build-asan-torch
TSAN_TORCH_BUILD ?= build-tsan-torch
ASAN_TORCH_TESTS ?= test_kernels_conv test_kernels_tap_gemm_conv test_kernels_batch_norm \
  test_kernels_adam test_kernels_bf16 test_kernels_precision test_dist_group \
  test_dist_sync_batch_norm test_data_image_set test_metrics_swd test_metrics_ms_ssim \
  test_metrics_nearest test_metrics_eval_report test_gan_models test_gan_fast_models \
  test_gan_train_step test_gan_quality_options test_gan_checkpoint_file test_serve_directions \
  test_serve_api
TSAN_TORCH_TESTS ?= test_data_image_set
LOCK ?=
SANITIZE_CMAKE = CC=clang CXX=clang++ cmake -S . -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDCGAN_TORCH_FREE=ON -DDCGAN_BUILD_BENCH=OFF -DDCGAN_CLI=$(abspath $(BUILD))/dcgan
SANITIZE_ENV = $(TEST_ENV) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$(abspath tests/sanitize/lsan.supp) \
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(abspath tests/sanitize/tsan.supp)
TSAN_REGEX = ^($(shell echo $(TSAN_TESTS) | tr ' ' '|'))$$
ASAN_TORCH_REGEX = ^($(shell echo $(ASAN_TORCH_TESTS) | tr ' ' '|'))$$
TSAN_TORCH_REGEX = ^($(shell echo $(TSAN_TORCH_TESTS) | tr ' ' '|'))$$
# The builds with LibTorch: as SANITIZE_CMAKE without DCGAN_TORCH_FREE and without the app.
SANITIZE_TORCH_CMAKE = CC=clang CXX=clang++ cmake -S . -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDCGAN_BUILD_BENCH=OFF -DDCGAN_BUILD_CLI=OFF -DDCGAN_CLI=$(abspath $(BUILD))/dcgan

.PHONY: all deps configure build demo test test-unit bench format clean fuzz fuzz-run \
	fuzz-torch fuzz-run-torch test-sanitize-torch \
  test-sanitize kill-trials

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
	$(LOCK) cmake --build $(FUZZ_BUILD)

fuzz-run: fuzz
	fuzz/run_fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-torch: deps $(ASAN_TORCH_BUILD)/build.ninja
	$(LOCK) cmake --build $(ASAN_TORCH_BUILD) --target fuzz_checkpoint

fuzz-run-torch: fuzz-torch
	fuzz/run_fuzzers.sh $(ASAN_TORCH_BUILD) $(FUZZ_SECONDS) fuzz_checkpoint

$(ASAN_BUILD)/build.ninja:
	$(SANITIZE_CMAKE) -B $(ASAN_BUILD) -DDCGAN_SANITIZE=address,undefined

$(TSAN_BUILD)/build.ninja:
	$(SANITIZE_CMAKE) -B $(TSAN_BUILD) -DDCGAN_SANITIZE=thread

test-sanitize: configure $(ASAN_BUILD)/build.ninja $(TSAN_BUILD)/build.ninja
	$(LOCK) cmake --build $(BUILD) --target dcgan
	$(LOCK) cmake --build $(ASAN_BUILD)
	cd $(ASAN_BUILD) && $(SANITIZE_ENV) ctest --output-on-failure -j $(shell nproc) -L '$(SANITIZE_LABELS)'
	$(LOCK) cmake --build $(TSAN_BUILD) --target $(TSAN_TESTS)
	cd $(TSAN_BUILD) && $(SANITIZE_ENV) ctest --output-on-failure -R '$(TSAN_REGEX)'

$(ASAN_TORCH_BUILD)/build.ninja:
	$(SANITIZE_TORCH_CMAKE) -B $(ASAN_TORCH_BUILD) -DDCGAN_BUILD_FUZZERS=ON -DDCGAN_FUZZ_ONLY=OFF

$(TSAN_TORCH_BUILD)/build.ninja:
	$(SANITIZE_TORCH_CMAKE) -B $(TSAN_TORCH_BUILD) -DDCGAN_SANITIZE=thread

test-sanitize-torch: configure $(ASAN_TORCH_BUILD)/build.ninja $(TSAN_TORCH_BUILD)/build.ninja
	$(LOCK) cmake --build $(BUILD) --target dcgan
	$(LOCK) cmake --build $(ASAN_TORCH_BUILD) --target $(ASAN_TORCH_TESTS)
	cd $(ASAN_TORCH_BUILD) && $(SANITIZE_ENV) ctest --output-on-failure -j $(shell nproc) \
	  -R '$(ASAN_TORCH_REGEX)'
	$(LOCK) cmake --build $(TSAN_TORCH_BUILD) --target $(TSAN_TORCH_TESTS)
	cd $(TSAN_TORCH_BUILD) && $(SANITIZE_ENV) ctest --output-on-failure -R '$(TSAN_TORCH_REGEX)'

# `make kill-trials`: SIGKILL crawl, crop and train at KILL_TRIALS random moments each, resume,
# and compare with an uninterrupted run (scripts/kill-trials.sh).
KILL_TRIALS ?= 20
kill-trials: configure
	$(LOCK) cmake --build $(BUILD) --target dcgan test_apps_kill_trials
	DCGAN_KILL_TRIALS=$(KILL_TRIALS) scripts/kill-trials.sh $(BUILD)

format:
	find src apps tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
