# Wrappers around CMake presets. `make run` and `make test` install missing dependencies first.
.PHONY: all deps release run test test-gcc test-clang test-windows fuzz bench clean

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CLANG := $(shell command -v clang++ 2>/dev/null)

all: release

deps:
	@./scripts/install-deps.sh

release: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

run: release
	./build/release/ferry --config examples/ferry.toml

# g++ build with every module and all tests; then clang with every module off, with the
# fuzz targets (each runs briefly); then the Windows cross-build (mingw-w64) of the core with
# its unit tests and integration suites under wine, where a failed test runs once more (the
# emulated system's timing is noisier; a test failing twice fails the build). All builds treat
# warnings as errors.
test: deps test-gcc test-clang test-windows

test-gcc:
	cmake --preset test-gcc
	cmake --build --preset test-gcc -j $(JOBS)
	ctest --preset test-gcc

test-clang:
	cmake --preset test-clang
	cmake --build --preset test-clang -j $(JOBS)
	ctest --preset test-clang

test-windows:
	cmake --preset test-windows
	cmake --build --preset test-windows -j $(JOBS)
	ctest --preset test-windows

bench: release
	./bench/run.sh

clean:
	rm -rf build
