# Pusat Belajar box — build, run and test.
#
#   make run     install what is needed, build, create the demo box, serve it
#                at http://127.0.0.1:8080/
#   make test    install what is needed, build, run every test (also under
#                ASan+UBSan)
#   make bench   benchmarks: files against nginx, check-ins (not part of make test)
#   make crashtest / fuzz / soak   longer proof runs (docs/reliability.md)
#   make CROSS=aarch64-linux-gnu-   the box programs for arm64 (build/arm64/)
#   make test-arm64   unit and pb-web system tests on them under qemu-user
#   make deb     build/pusat-belajar_VERSION_{amd64,arm64}.deb
#   make image   build/pusat-belajar.img, the SD card (docs/image.md)
#
# Binaries go to build/ (build/asan/ for the sanitizer build).

VERSION  := $(shell cat VERSION)
CROSS    ?=
# Cross build (make CROSS=aarch64-linux-gnu-): Debian's :arm64 libraries,
# binaries in build/arm64/ (see image/ and docs/image.md).
ifneq ($(CROSS),)
TRIPLET  := $(CROSS:%-=%)
BUILD    ?= build/$(if $(filter aarch64%,$(TRIPLET)),arm64,$(TRIPLET))
CC       := gcc
PKG_CONFIG := PKG_CONFIG_LIBDIR=/usr/lib/$(TRIPLET)/pkgconfig:/usr/share/pkgconfig pkg-config
endif
BUILD    ?= build
CC       ?= cc
# Where pbctl demo looks for webapp/ and the demo files before the installed
# copies; packages are built with it empty.
PB_SOURCE_DIR ?= $(abspath .)
PYTHON   := /usr/bin/python3
SRCDIR   := $(abspath .)
# The build's date: bounds how far a clock step may go (pb_clock.h).
BUILD_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null),$(shell date +%s))

PKGS     := libmicrohttpd sqlite3 jansson libsodium zlib inih libcurl libqrencode libseccomp \
            libjpeg libpng
PKG_CONFIG ?= pkg-config
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Ifirmware/lib $(PKG_CFLAGS) \
            -DPB_VERSION=\"$(VERSION)\" -DPB_SOURCE_DIR=\"$(PB_SOURCE_DIR)\" \
            -DPB_BUILD_EPOCH=$(BUILD_EPOCH)LL -MMD -MP
LDFLAGS  ?=
ALL_LDFLAGS = $(LDFLAGS) -Wl,--as-needed
LIBS     := $(PKG_LIBS) -lpthread

# FUZZ=1 (with CC=clang): coverage for libFuzzer in every object.
ifeq ($(FUZZ),1)
ALL_CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
               -Wno-unknown-warning-option
ALL_LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(SAN),1)
ALL_CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC  := $(wildcard firmware/lib/*.c)
WEB_SRC  := $(wildcard firmware/web/*.c)
CTL_SRC  := $(wildcard firmware/ctl/*.c)
SYNC_SRC := $(wildcard firmware/sync/*.c)
HUB_SRC  := $(wildcard hub/*.c)
GPIO_SRC := $(wildcard firmware/gpio/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_OBJ  := $(call obj,$(LIB_SRC))
WEB_OBJ  := $(call obj,$(WEB_SRC))
CTL_OBJ  := $(call obj,$(CTL_SRC))
SYNC_OBJ := $(call obj,$(SYNC_SRC))
HUB_OBJ  := $(call obj,$(HUB_SRC))
# pb-hub links only the protocol, hash, range, manifest (with its tests and
# worksheets) and sandbox modules of the box.
HUB_LIB_OBJ := $(call obj,$(addprefix firmware/lib/,pb_proto.c pb_hash.c pb_range.c \
               pb_manifest.c pb_learnspec.c pb_mime.c pb_log.c pb_sandbox.c))
HUB_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpq 2>/dev/null)
HUB_LIBS   := $(shell $(PKG_CONFIG) --libs libpq 2>/dev/null) -lmicrohttpd -ljansson \
              -lsodium -lz -lseccomp -lpthread
GPIO_OBJ := $(call obj,$(GPIO_SRC))
# pb-gpio without main() and the lines, for its unit test
GPIO_UNIT_OBJ := $(filter-out %/main.o %/lines.o,$(GPIO_OBJ))
GPIO_LIBS := $(shell $(PKG_CONFIG) --libs libgpiod 2>/dev/null)
# The libgpiod v1 stand-in the GPIO tests preload (this machine has no chip)
FAKEGPIOD := $(BUILD)/tests/libfakegpiod.so
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
CRASH_SRC := $(wildcard tests/crash/*.c)
# The store's file calls go through tests/crash/crashfs.c in crashsim only.
CRASH_WRAP := -Wl,--wrap=open,--wrap=write,--wrap=fsync,--wrap=close,--wrap=rename \
              -Wl,--wrap=mkdir,--wrap=unlink
# Fuzzing harnesses, tests/fuzz/fuzz_NAME.c with seeds in tests/fuzz/corpus/NAME/.
# A new harness is one word here (plus FUZZ_EXTRA_NAME if it needs sources
# outside libpb, FUZZ_LDFLAGS_NAME for link options).
FUZZ_HARNESSES := range manifest config webpath fileurl csv sig batch api inbox sync tables hub \
                  image
FUZZ_EXTRA_webpath := firmware/web/webpath.c
# api: pb-web's handlers and request path (server.c is included by the harness)
FUZZ_EXTRA_api := $(filter-out firmware/web/main.c firmware/web/server.c \
                  firmware/web/sandbox.c,$(WEB_SRC))
FUZZ_LDFLAGS_api := -Wl,--wrap=pb_password_hash
# sync: pb-sync's steps against a hub thread in the harness
FUZZ_EXTRA_sync := $(filter-out firmware/sync/main.c,$(SYNC_SRC))
# hub: what pb-hub reads of enrolments and office paths before the database
FUZZ_EXTRA_hub := hub/request.c
FUZZ_EXTRA_SRC := $(foreach h,$(FUZZ_HARNESSES),$(FUZZ_EXTRA_$(h))) firmware/web/server.c
FUZZ_REPLAY := $(patsubst %,$(BUILD)/tests/fuzz-%,$(FUZZ_HARNESSES))

PROGRAMS := $(BUILD)/pb-web $(BUILD)/pbctl $(BUILD)/pb-sync $(BUILD)/pb-gpio
# The upstream server and the test tools are not box programs: not cross-built.
HUB      := $(if $(CROSS),,$(BUILD)/pb-hub)
HUB_PROBE := $(if $(CROSS),,$(BUILD)/tests/hub-sandbox-probe)
# Test tools: the packet delay of the bad-link test (needs libnetfilter-queue).
NFQ_LIBS := $(shell $(PKG_CONFIG) --libs libnetfilter_queue 2>/dev/null)
TEST_TOOLS := $(if $(CROSS),,$(if $(NFQ_LIBS),$(BUILD)/tests/pb-nfq-delay))
TEST_TOOLS += $(if $(CROSS),,$(FAKEGPIOD))

.PHONY: all deps deps-test run test bench clean config-doc crashtest fuzz fuzzers soak
.PHONY: programs deps-arm64 deps-image test-arm64 package deb image

all: $(PROGRAMS) $(HUB) $(HUB_PROBE) $(UNIT_BIN) $(TEST_TOOLS) $(BUILD)/tests/crashsim $(FUZZ_REPLAY) $(BUILD)/tests/sandbox-probe

programs: $(PROGRAMS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libpb.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CROSS)ar rcs $@ $^

$(BUILD)/pb-web: $(WEB_OBJ) $(BUILD)/libpb.a
	$(CROSS)$(CC) $(ALL_LDFLAGS) -o $@ $(WEB_OBJ) $(BUILD)/libpb.a $(LIBS)

$(BUILD)/pbctl: $(CTL_OBJ) $(BUILD)/libpb.a
	$(CROSS)$(CC) $(ALL_LDFLAGS) -o $@ $(CTL_OBJ) $(BUILD)/libpb.a $(LIBS)

$(BUILD)/pb-sync: $(SYNC_OBJ) $(BUILD)/libpb.a
	$(CROSS)$(CC) $(ALL_LDFLAGS) -o $@ $(SYNC_OBJ) $(BUILD)/libpb.a $(LIBS)

$(BUILD)/obj/hub/%.o: hub/%.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CROSS)$(CC) $(ALL_CFLAGS) $(HUB_CFLAGS) -c -o $@ $<

$(BUILD)/pb-hub: $(HUB_OBJ) $(HUB_LIB_OBJ)
	$(CROSS)$(CC) $(ALL_LDFLAGS) -o $@ $(HUB_OBJ) $(HUB_LIB_OBJ) $(HUB_LIBS)

$(BUILD)/tests/pb-nfq-delay: tests/tools/pb-nfq-delay.c
	@mkdir -p $(dir $@)
	$(CROSS)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(NFQ_LIBS)

$(BUILD)/pb-gpio: $(GPIO_OBJ) $(BUILD)/libpb.a
	$(CROSS)$(CC) $(ALL_LDFLAGS) -o $@ $(GPIO_OBJ) $(BUILD)/libpb.a $(GPIO_LIBS) $(LIBS)

$(BUILD)/tests/test_gpio: tests/unit/test_gpio.c $(GPIO_UNIT_OBJ) $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -Ifirmware/gpio $(ALL_LDFLAGS) -o $@ $< \
		$(GPIO_UNIT_OBJ) $(BUILD)/libpb.a $(LIBS) -lcmocka

$(FAKEGPIOD): tests/gpio/fakegpiod.c
	@mkdir -p $(dir $@)
	@echo "  SO  $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -fPIC -shared $(ALL_LDFLAGS) -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libpb.a $(LIBS) -lcmocka

# Power-cut simulator (docs/reliability.md).
$(BUILD)/tests/crashsim: $(CRASH_SRC) $(wildcard tests/crash/*.h) $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -MF $@.dep -Itests/crash $(ALL_LDFLAGS) $(CRASH_WRAP) -o $@ \
		$(CRASH_SRC) $(BUILD)/libpb.a $(LIBS)

# pb-web's seccomp filter, linked unchanged into a probe (tests/system/test_sandbox.py).
$(BUILD)/tests/sandbox-probe: tests/sandbox/sandbox_probe.c $(BUILD)/obj/firmware/web/sandbox.o \
		$(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -MF $@.dep -Ifirmware/web $(ALL_LDFLAGS) -o $@ $< \
		$(BUILD)/obj/firmware/web/sandbox.o $(BUILD)/libpb.a $(LIBS)

# The same probe around pb-hub's filter (tests/hub/test_sandbox.py).
$(BUILD)/tests/hub-sandbox-probe: tests/sandbox/sandbox_probe.c $(BUILD)/obj/hub/sandbox.o \
		$(HUB_LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -MF $@.dep -DPB_PROBE_HUB $(ALL_LDFLAGS) -o $@ $< \
		$(BUILD)/obj/hub/sandbox.o $(HUB_LIB_OBJ) $(HUB_LIBS)

# Fuzzing harnesses as plain programs that replay a corpus (make test).
$(BUILD)/tests/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h \
		tests/fuzz/fuzzdb.h $(FUZZ_EXTRA_SRC) $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -MF $@.dep -Itests/fuzz -Ifirmware/web $(ALL_LDFLAGS) -o $@ \
		$< tests/fuzz/replay.c $(FUZZ_EXTRA_$*) $(BUILD)/libpb.a $(LIBS) $(FUZZ_LDFLAGS_$*)

# The same harnesses under libFuzzer (make fuzz builds them in build/fuzz).
$(BUILD)/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/fuzzdb.h $(FUZZ_EXTRA_SRC) \
		$(BUILD)/libpb.a
	@echo "  FUZZ $@"
	@$(CC) $(ALL_CFLAGS) -MF $@.dep -fsanitize=fuzzer -Itests/fuzz -Ifirmware/web \
		$(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_EXTRA_$*) $(BUILD)/libpb.a $(LIBS) \
		$(FUZZ_LDFLAGS_$*)

fuzzers: $(patsubst %,$(BUILD)/fuzz-%,$(FUZZ_HARNESSES))

-include $(LIB_OBJ:.o=.d) $(WEB_OBJ:.o=.d) $(CTL_OBJ:.o=.d) $(SYNC_OBJ:.o=.d) $(HUB_OBJ:.o=.d) \
         $(GPIO_OBJ:.o=.d) $(FAKEGPIOD:.so=.d)

# Debian packages the build and the tests need; installed only when missing.
DEB_BUILD := build-essential pkg-config libmicrohttpd-dev libsqlite3-dev sqlite3 \
             libjansson-dev libsodium-dev libcurl4-openssl-dev zlib1g-dev libinih-dev \
             libqrencode-dev libpq-dev libgpiod-dev libseccomp-dev libjpeg62-turbo-dev \
             libpng-dev
DEB_TEST  := libcmocka-dev python3-pytest python3-requests python3-selenium python3-pil \
             chromium chromium-driver node-acorn valgrind \
             dnsmasq-base hostapd busybox isc-dhcp-client iproute2 dnsutils \
             postgresql python3-cryptography iptables libnetfilter-queue-dev
DEB_BENCH := nginx-light wrk postgresql python3-cryptography
DEB_FUZZ  := clang libclang-rt-14-dev

deps:
	@sh tests/install-deps.sh $(DEB_BUILD)

deps-test: deps
	@sh tests/install-deps.sh $(DEB_TEST)

# arm64: cross compiler, qemu-user through binfmt_misc, and the :arm64 -dev
# packages of every library in DEB_BUILD (image/deps-arm64.sh).
# libpq-dev is left out: pb-hub is not built for the box, and its :arm64
# package (not Multi-Arch) would replace the host's.
DEB_ARM64 := gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static binfmt-support \
             $(addsuffix :arm64,$(filter-out libpq-dev,$(filter lib%-dev zlib1g-dev,$(DEB_BUILD))) \
             libcmocka-dev)
DEB_IMAGE := debootstrap mtools dosfstools fdisk e2fsprogs qemu-system-arm dpkg-dev \
             systemd
ARM64    := CROSS=aarch64-linux-gnu- BUILD=build/arm64

deps-arm64: deps
	@sh image/deps-arm64.sh $(DEB_ARM64)

deps-image: deps-arm64
	@sh tests/install-deps.sh $(DEB_IMAGE)

# C unit tests and the pb-web system tests on the arm64 binaries, under
# qemu-user. SQLite work runs ~18x slower emulated: ARM64_K selects tests
# (valgrind runs amd64 programs only).
ARM64_K  ?= not valgrind
test-arm64: deps-arm64
	$(MAKE) $(ARM64) all
	$(PYTHON) tests/run.py --build build/arm64 --only unit
	PB_BUILD=$(abspath build/arm64) $(PYTHON) -m pytest -q -p no:cacheprovider \
		tests/system $(if $(ARM64_K),-k "$(ARM64_K)")

# Debian packages (image/mkdeb.sh): build/pusat-belajar_VERSION_ARCH.deb,
# built with PB_SOURCE_DIR empty so pbctl uses /usr/share/pusat-belajar.
# Programs that run on the hub, not on the box, stay out.
NOT_ON_BOX := pb-hub
BOX_PROGRAMS = $(filter-out $(addprefix $(BUILD)/,$(NOT_ON_BOX)),$(PROGRAMS))
DEB_ARCH = $(if $(CROSS),arm64,$(shell dpkg --print-architecture))

package: $(BOX_PROGRAMS)
	@sh image/mkdeb.sh $(DEB_ARCH) $(VERSION) build $(CROSS)strip $(BOX_PROGRAMS)

deb: deps-arm64
	$(MAKE) BUILD=build/deb/amd64 PB_SOURCE_DIR= package
	$(MAKE) $(ARM64:build/arm64=build/deb/arm64) PB_SOURCE_DIR= package

# The SD-card image (image/mkimage.sh): build/pusat-belajar.img.
image: deps-image deb
	sh image/mkimage.sh build/pusat-belajar_$(VERSION)_arm64.deb build/pusat-belajar.img

run: deps
	$(MAKE) $(PROGRAMS)
	$(BUILD)/pbctl demo $(BUILD)/demo
	exec $(BUILD)/pb-web -c $(BUILD)/demo/box.conf

test: deps-test
	$(MAKE) all
	$(MAKE) BUILD=$(BUILD)/asan SAN=1 all
	$(MAKE) image
	$(PYTHON) tests/run.py --build $(BUILD)

# Power cuts at many more points than make test (docs/reliability.md).
CRASH_CUTS  ?= 5000
STORE_KILLS ?= 200
crashtest: deps-test
	$(MAKE) all
	PB_BUILD=$(abspath $(BUILD)) PB_CRASH_CUTS=$(CRASH_CUTS) PB_STORE_KILLS=$(STORE_KILLS) \
		$(PYTHON) -m pytest -p no:cacheprovider -q -s tests/reliability/test_crash.py

# Each libFuzzer harness for FUZZ_SECONDS; prints executions and coverage.
FUZZ_SECONDS ?= 60
fuzz: deps
	@sh tests/install-deps.sh $(DEB_FUZZ)
	$(MAKE) BUILD=$(BUILD)/fuzz CC=clang FUZZ=1 fuzzers
	$(PYTHON) tests/fuzz/run_fuzz.py --build $(BUILD)/fuzz --seconds $(FUZZ_SECONDS) \
		$(FUZZ_HARNESSES)

# 200 clients for SOAK_SECONDS against pb-web; plot in docs/soak.png.
SOAK_SECONDS ?= 600
SOAK_CLIENTS ?= 200
DEB_SOAK  := python3-matplotlib
soak: deps-test
	@sh tests/install-deps.sh $(DEB_SOAK)
	$(MAKE) $(PROGRAMS)
	$(PYTHON) tests/soak/soak.py --build $(BUILD) --seconds $(SOAK_SECONDS) \
		--clients $(SOAK_CLIENTS) --plot docs/soak.png

bench: deps
	@sh tests/install-deps.sh $(DEB_BENCH)
	$(MAKE) $(PROGRAMS) $(HUB)
	$(PYTHON) bench/bench_files.py --build $(BUILD)
	$(PYTHON) bench/bench_sync.py --build $(BUILD)
	$(PYTHON) bench/bench_checkin.py --build $(BUILD)
	$(PYTHON) bench/bench_roster.py --build $(BUILD)
	$(PYTHON) bench/bench_receipts.py --build $(BUILD)
	$(PYTHON) bench/bench_learning.py --build $(BUILD)

config-doc: $(BUILD)/pbctl
	$(PYTHON) tests/update_config_doc.py $(BUILD)

clean:
	rm -rf $(BUILD)
