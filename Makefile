# The two set-up commands for a fresh Debian 12 machine: `make demo` and `make test`.
JOBS ?= $(shell nproc)
# ccache (where installed) shares objects between clones in different folders: paths under the
# checkout are hashed relative to it, and the build directory is not hashed.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
CMAKE_FLAGS ?= -G Ninja

.PHONY: demo test deps release debug asan unit e2e format-check tidy clean

demo: deps release
	bash scripts/demo.sh build/release/aqe

test: deps asan format-check
	bash scripts/test.sh

deps:
	bash scripts/install-deps.sh

release:
	cmake -S . -B build/release $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Release -DAQE_TESTS=OFF
	cmake --build build/release -j $(JOBS)

debug:
	cmake -S . -B build/debug $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Debug
	cmake --build build/debug -j $(JOBS)

asan:
	cmake -S . -B build/asan $(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Debug -DAQE_SANITIZE=ON
	cmake --build build/asan -j $(JOBS)

format-check:
	bash scripts/format.sh --check

clean:
	rm -rf build
