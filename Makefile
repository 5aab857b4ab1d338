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

# The sanitizer builds: two clang builds of the libraries and tests, shared by every target
# below, so that each library is compiled once per sanitizer. $(ASAN_BUILD) has ASan + UBSan and
# libFuzzer's coverage counters (fuzz/sanitizer_flags.cmake; the tests do not notice them), so
# that the fuzz harnesses link the same instrumented libraries; $(TSAN_BUILD) has TSan. Neither
# builds the app or the benchmarks (their CLI tests run $(BUILD)'s dcgan), and each target
# builds only the executables it runs. LibTorch itself is not instrumented. LOCK prefixes every
# build command (a shared machine's build lock).
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
LOCK ?=
# `make test-sanitize`: the unit tests of the libraries without LibTorch (core, vision, crawl,
# report) under ASan + UBSan, then the threaded ones (crawl workers and committer, the crop
# worker pool, prepare, synth) under TSan.
SANITIZE_SELECT ?= -L unit -R '^test_(core|vision|crawl|report)_'
TSAN_TESTS ?= test_crawl_crawler test_crawl_http_client test_crawl_rate_limiter \
  test_crawl_part_file test_vision_crop_pipeline test_vision_crop_dedupe test_vision_prepare \
  test_vision_synth_faces test_vision_face_detector
# `make test-sanitize-torch`: the same for the libraries with LibTorch (kernels, dist, data,
# metrics, gan, serve): their library tests under ASan + UBSan, the data set decoder's threads
# under TSan.
ASAN_TORCH_TESTS ?= test_kernels_conv test_kernels_tap_gemm_conv test_kernels_batch_norm \
  test_kernels_adam test_kernels_bf16 test_kernels_narrow_deconv test_kernels_precision \
  test_dist_group test_dist_sync_batch_norm test_data_image_set test_metrics_swd \
  test_metrics_ms_ssim test_metrics_nearest test_metrics_eval_report test_gan_models \
  test_gan_fast_models test_gan_train_step test_gan_quality_options test_gan_checkpoint_file \
  test_serve_directions test_serve_api
TSAN_TORCH_TESTS ?= test_data_image_set
# `make fuzz`: the libFuzzer harnesses (fuzz/) of the parsers without LibTorch; `make fuzz-run
# FUZZ_SECONDS=30` runs each on its corpus for that long. `make fuzz-torch` and `make
# fuzz-run-torch`: the checkpoint loader's, which needs the LibTorch libraries built too.
FUZZ_SECONDS ?= 30
FUZZERS = $(filter-out fuzz_support fuzz_checkpoint,$(basename $(notdir $(wildcard fuzz/fuzz_*.cpp))))

SANITIZE_CMAKE = CC=clang CXX=clang++ cmake -S . -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDCGAN_BUILD_BENCH=OFF -DDCGAN_BUILD_CLI=OFF -DDCGAN_CLI=$(abspath $(BUILD))/dcgan
SANITIZE_ENV = $(TEST_ENV) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$(abspath tests/sanitize/lsan.supp) \
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(abspath tests/sanitize/tsan.supp)
regex_of = ^($(shell echo $(1) | tr ' ' '|'))$$
# The test executables (ctest names them after their targets) that ctest options $(2) select
# in build $(1); read at run time, after the build is configured.
selected_tests = $$(cd $(1) && ctest -N $(2) | sed -n 's/^ *Test *\#[0-9]*: //p')

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

$(ASAN_BUILD)/build.ninja:
	$(SANITIZE_CMAKE) -B $(ASAN_BUILD) -DDCGAN_BUILD_FUZZERS=ON

$(TSAN_BUILD)/build.ninja:
	$(SANITIZE_CMAKE) -B $(TSAN_BUILD) -DDCGAN_SANITIZE=thread

fuzz: deps $(ASAN_BUILD)/build.ninja
	$(LOCK) cmake --build $(ASAN_BUILD) --target $(FUZZERS)

fuzz-run: fuzz
	fuzz/run_fuzzers.sh $(ASAN_BUILD) $(FUZZ_SECONDS) $(FUZZERS)

fuzz-torch: deps $(ASAN_BUILD)/build.ninja
	$(LOCK) cmake --build $(ASAN_BUILD) --target fuzz_checkpoint

fuzz-run-torch: fuzz-torch
	fuzz/run_fuzzers.sh $(ASAN_BUILD) $(FUZZ_SECONDS) fuzz_checkpoint

test-sanitize: configure $(ASAN_BUILD)/build.ninja $(TSAN_BUILD)/build.ninja
	$(LOCK) cmake --build $(BUILD) --target dcgan
	$(LOCK) cmake --build $(ASAN_BUILD) --target $(call selected_tests,$(ASAN_BUILD),$(SANITIZE_SELECT))
	cd $(ASAN_BUILD) && $(SANITIZE_ENV) ctest --output-on-failure -j $(shell nproc) $(SANITIZE_SELECT)
	$(LOCK) cmake --build $(TSAN_BUILD) --target $(TSAN_TESTS)
	cd $(TSAN_BUILD) && $(SANITIZE_ENV) ctest --output-on-failure -R '$(call regex_of,$(TSAN_TESTS))'

test-sanitize-torch: configure $(ASAN_BUILD)/build.ninja $(TSAN_BUILD)/build.ninja
	$(LOCK) cmake --build $(BUILD) --target dcgan
	$(LOCK) cmake --build $(ASAN_BUILD) --target $(ASAN_TORCH_TESTS)
	cd $(ASAN_BUILD) && $(SANITIZE_ENV) ctest --output-on-failure -j $(shell nproc) \
	  -R '$(call regex_of,$(ASAN_TORCH_TESTS))'
	$(LOCK) cmake --build $(TSAN_BUILD) --target $(TSAN_TORCH_TESTS)
	cd $(TSAN_BUILD) && $(SANITIZE_ENV) ctest --output-on-failure \
	  -R '$(call regex_of,$(TSAN_TORCH_TESTS))'

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
