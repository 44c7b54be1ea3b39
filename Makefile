# memspice — build, test, demo, bench.  See README.md.
CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
OPT     ?= -O3 -g
HDF5_CFLAGS := $(shell pkg-config --cflags hdf5 2>/dev/null || echo -I/usr/include/hdf5/serial)
HDF5_LIBS   := $(shell pkg-config --libs hdf5 2>/dev/null || echo -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5)
BLAS_CFLAGS := $(shell pkg-config --cflags openblas 2>/dev/null || echo -I/usr/include/x86_64-linux-gnu/openblas-pthread)
BLAS_LIBS   := $(shell pkg-config --libs openblas 2>/dev/null || echo -L/usr/lib/x86_64-linux-gnu/openblas-pthread -lopenblas)
CFLAGS  += -std=c11 $(OPT) -Wall -Wextra -Wshadow -Werror -fPIC -D_POSIX_C_SOURCE=200809L \
           -I/usr/include/suitesparse $(HDF5_CFLAGS) $(BLAS_CFLAGS) $(SANFLAGS)
LDLIBS  += -lklu -lbtf -lamd -lcolamd -lsuitesparseconfig $(HDF5_LIBS) $(BLAS_LIBS) -lz -ldl -lpthread -lm
LDFLAGS += $(SANFLAGS)
# MPI (src/train/train_mpi.c, `mpirun -np N memspice train`): used when mpicc is installed
# (Open MPI: openmpi-bin, libopenmpi-dev); MPI=0 builds without it (one process).
MPI     ?= $(shell command -v mpicc >/dev/null 2>&1 && echo 1 || echo 0)
ifeq ($(MPI),1)
MPI_CFLAGS := -DMS_HAVE_MPI $(patsubst -I%,-isystem %,$(shell mpicc --showme:compile 2>/dev/null || pkg-config --cflags ompi-c))
MPI_LIBS   := $(shell mpicc --showme:link 2>/dev/null || pkg-config --libs ompi-c)
LDLIBS     += $(MPI_LIBS)
endif

LIB_SRC  := $(sort $(wildcard src/*/*.c))
LIB_SRC  := $(filter-out src/cli/%,$(LIB_SRC))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test test-fast demo bench bench-train install clean train-mnist train-fashion icaci fidelity python fuzz fuzz-build
all: $(BUILD)/memspice $(BUILD)/libmemspice.a $(BUILD)/libmemspice.so

$(BUILD)/%.o: %.c $(wildcard src/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/src/train/train_mpi.o: CFLAGS += $(MPI_CFLAGS)

$(BUILD)/libmemspice.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libmemspice.so: $(LIB_OBJ)
	$(CC) -shared $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/memspice: $(CLI_OBJ) $(BUILD)/libmemspice.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libmemspice.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libmemspice.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -o $@ $< $(BUILD)/libmemspice.a $(LDLIBS)

tests: $(TEST_BIN)

deps:
	@tools/install-deps.sh

# Everything: unit tests, end-to-end tests, then the same under ASan/UBSan.
test: deps
	@$(MAKE) --no-print-directory all tests
	@$(MAKE) --no-print-directory BUILD=build-san OPT="-O1 -g" \
	    SANFLAGS="-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all" all tests
	@$(MAKE) --no-print-directory fuzz-build
	@tests/run.sh

# The netlist fuzzer (tests/fuzz): libFuzzer with ASan/UBSan, built by clang in
# build-fuzz.  make test fuzzes for 60 s; make fuzz for FUZZ_SECONDS (600).
# FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION: smaller resource bounds (src/util/limits.h),
# so that a legal but huge circuit is an error rather than a slow unit
FUZZ_SAN := -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all \
            -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
FUZZ_SECONDS ?= 600
fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang MPI=0 OPT="-O1 -g" \
	    SANFLAGS="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" build-fuzz/libmemspice.a
	@$(MAKE) --no-print-directory MPI=0 build-fuzz/fuzz_netlist

build-fuzz/fuzz_netlist: tests/fuzz/fuzz_netlist.c src/memspice.h build-fuzz/libmemspice.a
	clang -std=c11 -O1 -g -Wall -Wextra -Werror -Isrc -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< \
	    build-fuzz/libmemspice.a $(LDLIBS)

fuzz: deps fuzz-build
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh

# only the training benchmark (bench/train_bench.sh: memspice train vs the PyTorch anchor)
bench-train: deps
	@$(MAKE) --no-print-directory all
	@MEMSPICE=$${MEMSPICE:-$(BUILD)/memspice} bench/train_bench.sh

# Long training runs (not part of make test): tools/train-run.sh, results in build/train-*/.
train-mnist: deps
	@$(MAKE) --no-print-directory all
	@tools/train-run.sh mnist

train-fashion: deps
	@$(MAKE) --no-print-directory all
	@tools/train-run.sh fashion-mnist

# Fidelity of a trained network (not part of make test): its class under adaptive memspice
# and in ngspice (tools/mknet --cells diode) against the training forward, first 200 test
# images (bench/fidelity.py; 784-100-10: ~2 h measured with read cells, one ngspice an image;
# the diode cells and --batch 8 used now take less, not measured).  FIDELITY_SET=mnist|fashion-mnist,
# FIDELITY_NET (default: make train-mnist's / train-fashion's trained.cir).  Every image's
# scores are kept in build/fidelity-SET/: run it again and it goes on where it stopped.
# FIDELITY_FULL: images also run in the full memr_yakopcic form (~8 min each for 784-100-10).
FIDELITY_SET ?= mnist
FIDELITY_FULL ?= 2
FIDELITY_NET ?= build/train-$(FIDELITY_SET)/run/trained.cir
FIDELITY_DATA = $(if $(filter mnist,$(FIDELITY_SET)),$${XDG_CACHE_HOME:-$$HOME/.cache}/memspice/mnist,/usr/share/datasets/fashion-mnist)
fidelity: deps
	@$(MAKE) --no-print-directory all
	@tools/fetch-data.sh $(FIDELITY_SET)
	@test -f "$(FIDELITY_NET)" || { echo "fidelity: no $(FIDELITY_NET): make train-$(patsubst fashion-mnist,fashion,$(FIDELITY_SET)) first, or FIDELITY_NET=..." >&2; exit 1; }
	/usr/bin/python3 bench/fidelity.py --net "$(FIDELITY_NET)" --data "$(FIDELITY_DATA)" --n 200 --ngspice 200 \
	    --jobs 2 --full-check $(FIDELITY_FULL) --threads 2 --resume build/fidelity-$(FIDELITY_SET) \
	    --json build/fidelity-$(FIDELITY_SET).json

# The ICACI case (digits6x5) with its noise and stuck-at table: bench/results-icaci.*
icaci: deps
	@$(MAKE) --no-print-directory all
	@tools/icaci-run.sh

# The Python package for Debian's /usr/bin/python3: the library, then a symlink
# $(PYSITE)/memspice -> python/memspice (the package finds build/libmemspice.so
# relative to itself; for another BUILD set MEMSPICE_LIB).  pip users: pip install -e python/
PYSITE ?= $(shell /usr/bin/python3 -c 'import sys; print("/usr/local/lib/python%d.%d/dist-packages" % sys.version_info[:2])')
python: all
	@mkdir -p "$(PYSITE)"
	ln -sfn "$(CURDIR)/python/memspice" "$(PYSITE)/memspice"
	@MEMSPICE_LIB="$(CURDIR)/$(BUILD)/libmemspice.so" /usr/bin/python3 -c 'import sys; sys.path.insert(0, "$(PYSITE)"); import memspice; print("python: memspice from", memspice.__file__, "over", memspice.lib_path)'

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/memspice $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(BUILD)/libmemspice.a $(BUILD)/libmemspice.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 src/memspice.h $(DESTDIR)$(PREFIX)/include/

clean:
	rm -rf build build-san build-fuzz
