# Pusat Belajar box — build, run and test.
#
#   make run     install what is needed, build, create the demo box, serve it
#                at http://127.0.0.1:8080/
#   make check   build, run the unit and system tests (no install, no image,
#                normal build only: the quick loop)
#   make test    install what is needed (Debian packages; axe-core from npm
#                into build/node), build, run every test (also under ASan+UBSan)
#   make bench   benchmarks: files against nginx, check-ins, a Pi-sized budget (not part of make test)
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
            libjpeg libpng xlsxwriter libzip libzstd
PKG_CONFIG ?= pkg-config
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation

# Debian's hardening flags for every build, native, cross and packaged:
# CPPFLAGS, CFLAGS and LDFLAGS default to what dpkg-buildflags gives for the
# target architecture with hardening=+all (-D_FORTIFY_SOURCE=2,
# -fstack-protector-strong, -Wl,-z,relro,-z,now; gcc makes PIE by default),
# plus, always, what Debian 12's dpkg does not add yet: -fstack-clash-protection.
# (Control-flow protection is left out: Debian 12's own start files carry no
# IBT marking, so the kernel would not enforce it.) debian/rules passes the
# same from dpkg-buildflags. make CFLAGS="-O0 -g" builds for a
# debugger; -D_FORTIFY_SOURCE is left out there (it needs optimisation) and
# in SAN=1 / FUZZ=1 builds (the sanitizers check the same, better).
DEB_ARCH := $(if $(CROSS),$(if $(filter aarch64%,$(TRIPLET)),arm64,$(TRIPLET)),$(shell dpkg --print-architecture 2>/dev/null))
BUILDFLAGS = DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_HOST_ARCH=$(DEB_ARCH) dpkg-buildflags --get
HARDEN   := -fstack-clash-protection
ifeq ($(origin CPPFLAGS),undefined)
CPPFLAGS := $(shell $(BUILDFLAGS) CPPFLAGS 2>/dev/null || echo -D_FORTIFY_SOURCE=2)
endif
ifeq ($(origin CFLAGS),undefined)
CFLAGS   := $(shell $(BUILDFLAGS) CFLAGS 2>/dev/null || echo -O2 -g -fstack-protector-strong)
# SAN=1 compiles at -O1 with line tables and inlined frames only (-g1), not at
# the packages' -O2 -g: ASan's usual level, and all its reports print
# (function, file and line of every frame), with about 40% less compiler time
# on the largest sources.
# The normal build stays as shipped.
ifeq ($(SAN),1)
CFLAGS   := $(patsubst -g,-g1,$(patsubst -O2,-O1,$(CFLAGS)))
endif
endif
ifeq ($(origin LDFLAGS),undefined)
LDFLAGS  := $(shell $(BUILDFLAGS) LDFLAGS 2>/dev/null || echo -Wl,-z,relro -Wl,-z,now)
endif
NO_FORTIFY := $(or $(filter 1,$(SAN) $(FUZZ)),$(filter -O0,$(CFLAGS)),$(if $(filter -O%,$(CFLAGS)),,no -O))
ALL_CPPFLAGS = $(if $(NO_FORTIFY),$(filter-out -D_FORTIFY_SOURCE%,$(CPPFLAGS)),$(CPPFLAGS))
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(ALL_CPPFLAGS) $(CFLAGS) $(HARDEN) -Ifirmware/lib \
            $(PKG_CFLAGS) -DPB_VERSION=\"$(VERSION)\" -DPB_SOURCE_DIR=\"$(PB_SOURCE_DIR)\" \
            -DPB_BUILD_EPOCH=$(BUILD_EPOCH)LL -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) -Wl,--as-needed
LIBS     := $(PKG_LIBS) -lpthread
# pbctl loads libcurl only when it first calls it (firmware/ctl/curl.c):
# linked, its thirty shared libraries made up most of the processor time of
# every pbctl start.
CTL_LIBS := $(filter-out -lcurl,$(LIBS))

# FUZZ=1 (with CC=clang): coverage for libFuzzer in every object.
ifeq ($(FUZZ),1)
ALL_CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
               -Wno-unknown-warning-option
ALL_LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(SAN),1)
ALL_CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# Every program also links tests/san/lsan_pages.c (why: there); the shared
# objects (SO_LDFLAGS) do not.
SAN_OBJ     := $(BUILD)/obj/tests/san/lsan_pages.o
ALL_LDFLAGS += -fsanitize=address,undefined $(SAN_OBJ)
endif
SO_LDFLAGS = $(filter-out $(SAN_OBJ),$(ALL_LDFLAGS))

# The compiler and flags a build folder was made with: objects are made
# again when they change (new CFLAGS, hardening flags, a compiler update).
# The build epoch, new with every commit, is left out: it would remake all.
FLAGS_FILE := $(BUILD)/flags
FLAGS_NOW   = $(CROSS)$(CC) $(filter-out -DPB_BUILD_EPOCH=%,$(ALL_CFLAGS)) $(ALL_LDFLAGS)
ifeq ($(filter clean print-deps,$(MAKECMDGOALS)),)
$(shell mkdir -p $(BUILD) && printf '%s\n' '$(subst ','\'',$(FLAGS_NOW))' >$(FLAGS_FILE).new && \
	{ cmp -s $(FLAGS_FILE).new $(FLAGS_FILE) && rm $(FLAGS_FILE).new || mv $(FLAGS_FILE).new $(FLAGS_FILE); })
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
# worksheets), sandbox, spreadsheet (pb_xlsx, with pb_csv's formula rule),
# USB carry, release (pb_release), password (pb_password, pb_ids: the
# office's accounts), packed batch (pb_pack) and signature (pb_sig) modules
# of the box, the field tables (pb_fields, pb_text) and the HTTP layer (pb_http).
HUB_LIB_OBJ := $(call obj,$(addprefix firmware/lib/,pb_proto.c pb_hash.c pb_range.c \
               pb_manifest.c pb_learnspec.c pb_mime.c pb_log.c pb_sandbox.c pb_xlsx.c pb_csv.c \
               pb_carry.c pb_release.c pb_ids.c pb_password.c pb_http.c pb_pack.c \
               pb_pack_dict.c pb_sig.c pb_fields.c pb_text.c pb_opts.c))
HUB_CFLAGS := $(shell $(PKG_CONFIG) --cflags libpq 2>/dev/null)
HUB_LIBS   := $(shell $(PKG_CONFIG) --libs libpq 2>/dev/null) -lmicrohttpd -ljansson \
              -lsodium -lz -lzstd -lseccomp -lxlsxwriter -lzip -lpthread
GPIO_OBJ := $(call obj,$(GPIO_SRC))
# pb-gpio without main() and the lines, for its unit test
GPIO_UNIT_OBJ := $(filter-out %/main.o %/lines.o,$(GPIO_OBJ))
GPIO_LIBS := $(shell $(PKG_CONFIG) --libs libgpiod 2>/dev/null)
# The libgpiod v1 stand-in the GPIO tests preload (this machine has no chip)
FAKEGPIOD := $(BUILD)/tests/libfakegpiod.so
# SD-card-like sync latency for bench/bench_pi.py (LD_PRELOAD into pb-web).
SLOWSYNC := $(BUILD)/tests/libpbslowsync.so
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
CRASH_SRC := $(wildcard tests/crash/*.c)
CRASH_OBJ := $(call obj,$(CRASH_SRC))
# The power-cut VFS, in crashsim and in test_schema_hold: compiled once.
CRASHVFS_OBJ := $(call obj,tests/crash/crashvfs.c)
# The store's file calls go through tests/crash/crashfs.c in crashsim only.
CRASH_WRAP := -Wl,--wrap=open,--wrap=write,--wrap=fsync,--wrap=close,--wrap=rename \
              -Wl,--wrap=mkdir,--wrap=unlink
# Fuzzing harnesses, tests/fuzz/fuzz_NAME.c with seeds in tests/fuzz/corpus/NAME/.
# A new harness is one word here (plus FUZZ_EXTRA_NAME if it needs sources
# outside libpb, FUZZ_LDFLAGS_NAME for link options).
FUZZ_HARNESSES := range manifest config webpath fileurl csv sig batch api inbox sync tables hub \
                  image carry html5
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
# The replay programs link the objects the programs are built from (same
# flags), rather than compiling those sources a second time.
fuzz_extra_obj = $(call obj,$(FUZZ_EXTRA_$(1)))
FUZZ_EXTRA_OBJ := $(call obj,$(filter-out firmware/web/server.c,$(FUZZ_EXTRA_SRC)))
FUZZ_REPLAY := $(patsubst %,$(BUILD)/tests/fuzz-%,$(FUZZ_HARNESSES))
# Their shared main() that replays a corpus: compiled once, not per harness.
FUZZ_REPLAY_OBJ := $(call obj,tests/fuzz/replay.c)

PROGRAMS := $(BUILD)/pb-web $(BUILD)/pbctl $(BUILD)/pb-sync $(BUILD)/pb-gpio
# The upstream server and the test tools are not box programs: not cross-built.
HUB      := $(if $(CROSS),,$(BUILD)/pb-hub)
HUB_PROBE := $(if $(CROSS),,$(BUILD)/tests/hub-sandbox-probe)
# Test tools: the packet delay of the bad-link test (needs libnetfilter-queue).
NFQ_LIBS := $(shell $(PKG_CONFIG) --libs libnetfilter_queue 2>/dev/null)
TEST_TOOLS := $(if $(CROSS),,$(if $(NFQ_LIBS),$(BUILD)/tests/pb-nfq-delay))
TEST_TOOLS += $(if $(CROSS),,$(FAKEGPIOD) $(SLOWSYNC))
# SAN=1: a program that does each wrong thing the sanitizers must report.
TEST_TOOLS += $(if $(filter 1,$(SAN)),$(BUILD)/tests/san-check)
TEST_TOOLS += $(if $(CROSS),,$(BUILD)/tests/pb-web-next $(BUILD)/tests/pbctl-next \
		$(BUILD)/tests/pb-sync-next)

.PHONY: all asan-tested deps deps-test deps-node run check test bench print-deps clean config-doc crashtest fuzz fuzzers soak
.PHONY: programs deps-arm64 deps-image deps-deb test-arm64 deb image rootfs
.PHONY: test-image test-tree-rootfs test-tree-normal test-tree-asan test-tree-deb

ALL := $(PROGRAMS) $(HUB) $(HUB_PROBE) $(UNIT_BIN) $(TEST_TOOLS) $(BUILD)/tests/crashsim \
       $(FUZZ_REPLAY) $(BUILD)/tests/sandbox-probe $(BUILD)/bench/stmt-cache
all: $(ALL)

# What make test runs from the sanitizer build (test-tree-asan): all but
# crashsim (tests/reliability runs build/'s) and the benchmark's slow-sync
# shim.
asan-tested: $(filter-out $(BUILD)/tests/crashsim $(SLOWSYNC),$(ALL))

# SAN=1: the object every program links (ALL_LDFLAGS).
$(filter-out %.so,$(ALL)): $(SAN_OBJ)

programs: $(PROGRAMS)

$(BUILD)/obj/%.o: %.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libpb.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CROSS)ar rcs $@ $^

$(BUILD)/pb-web: $(WEB_OBJ) $(BUILD)/libpb.a
	$(CROSS)$(CC) $(ALL_LDFLAGS) -o $@ $(WEB_OBJ) $(BUILD)/libpb.a $(LIBS)

$(BUILD)/pbctl: $(CTL_OBJ) $(BUILD)/libpb.a
	$(CROSS)$(CC) $(ALL_LDFLAGS) -o $@ $(CTL_OBJ) $(BUILD)/libpb.a $(CTL_LIBS)

$(BUILD)/pb-sync: $(SYNC_OBJ) $(BUILD)/libpb.a
	$(CROSS)$(CC) $(ALL_LDFLAGS) -o $@ $(SYNC_OBJ) $(BUILD)/libpb.a $(LIBS)

$(BUILD)/obj/hub/%.o: hub/%.c $(FLAGS_FILE)
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
	@$(CROSS)$(CC) $(ALL_CFLAGS) -fPIC -shared $(SO_LDFLAGS) -o $@ $<

$(SLOWSYNC): bench/slowsync.c tests/crash/vfswrap.h
	@mkdir -p $(dir $@)
	@echo "  SO  $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -Itests/crash -fPIC -shared $(SO_LDFLAGS) -o $@ $< -lsqlite3

# pb_db.o once more with its test hook (pb_db_test_migrations), linked
# ahead of libpb.a only into test programs: the schema compatibility unit
# tests, and pb-web-next, pbctl-next and pb-sync-next, the real pb-web,
# pbctl and pb-sync standing for a newer release that adds migrations
# (tests/schema/next.c, tests/sync/test_update_ab.py).
HOOK_DB_OBJ := $(BUILD)/obj-hooks/firmware/lib/pb_db.o

$(HOOK_DB_OBJ): firmware/lib/pb_db.c $(FLAGS_FILE)
	@mkdir -p $(dir $@)
	@echo "  CC  $< (test hook)"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -DPB_TEST_HOOKS -c -o $@ $<

$(BUILD)/tests/test_schema_compat: tests/unit/test_schema_compat.c $(HOOK_DB_OBJ) $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -DPB_TEST_HOOKS -MF $@.dep $(ALL_LDFLAGS) -o $@ $< \
		$(HOOK_DB_OBJ) $(BUILD)/libpb.a $(LIBS) -lcmocka

# The held migration applied under the power-cut VFS (tests/crash/crashvfs.c).
$(BUILD)/tests/test_schema_hold: tests/unit/test_schema_hold.c $(wildcard tests/crash/*.h) \
		$(CRASHVFS_OBJ) $(HOOK_DB_OBJ) $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -DPB_TEST_HOOKS -Itests/crash -MF $@.dep $(ALL_LDFLAGS) -o $@ \
		$< $(CRASHVFS_OBJ) $(HOOK_DB_OBJ) $(BUILD)/libpb.a $(LIBS) -lcmocka

$(BUILD)/tests/pb-web-next: $(WEB_OBJ) $(BUILD)/obj/tests/schema/next.o \
		$(HOOK_DB_OBJ) $(BUILD)/libpb.a
	@echo "  LD  $@"
	@$(CROSS)$(CC) $(ALL_LDFLAGS) -o $@ $(WEB_OBJ) $(BUILD)/obj/tests/schema/next.o \
		$(HOOK_DB_OBJ) $(BUILD)/libpb.a $(LIBS)

$(BUILD)/tests/pbctl-next: $(CTL_OBJ) $(BUILD)/obj/tests/schema/next.o $(HOOK_DB_OBJ) \
		$(BUILD)/libpb.a
	@echo "  LD  $@"
	@$(CROSS)$(CC) $(ALL_LDFLAGS) -o $@ $(CTL_OBJ) $(BUILD)/obj/tests/schema/next.o \
		$(HOOK_DB_OBJ) $(BUILD)/libpb.a $(CTL_LIBS)

$(BUILD)/tests/pb-sync-next: $(SYNC_OBJ) $(BUILD)/obj/tests/schema/next.o \
		$(HOOK_DB_OBJ) $(BUILD)/libpb.a
	@echo "  LD  $@"
	@$(CROSS)$(CC) $(ALL_LDFLAGS) -o $@ $(SYNC_OBJ) $(BUILD)/obj/tests/schema/next.o \
		$(HOOK_DB_OBJ) $(BUILD)/libpb.a $(LIBS)

$(BUILD)/obj/tests/schema/next.o: ALL_CFLAGS += -DPB_TEST_HOOKS

# Link options of one unit test, UNIT_LDFLAGS_NAME. test_password counts
# libsodium's password verifies (tests/unit/test_password.c).
UNIT_LDFLAGS_test_password := -Wl,--wrap=crypto_pwhash_str_verify

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libpb.a $(LIBS) -lcmocka -lm \
		$(UNIT_LDFLAGS_$*)

# The statement cache against preparing per call (docs/architecture.md).
$(BUILD)/bench/stmt-cache: bench/stmt_cache.c $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  BENCH $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libpb.a $(LIBS)

# What a sanitizer build must still report (tests/system/test_sanitizer_reports.py).
$(BUILD)/tests/san-check: tests/san/san_check.c
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -MF $@.dep $(ALL_LDFLAGS) -o $@ $<

# Power-cut simulator (docs/reliability.md).
$(BUILD)/tests/crashsim: $(CRASH_OBJ) $(BUILD)/libpb.a
	@echo "  LD  $@"
	@$(CROSS)$(CC) $(ALL_LDFLAGS) $(CRASH_WRAP) -o $@ $(CRASH_OBJ) $(BUILD)/libpb.a $(LIBS)

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
$(BUILD)/tests/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/fuzzdb.h \
		firmware/web/server.c $(FUZZ_REPLAY_OBJ) $(FUZZ_EXTRA_OBJ) $(BUILD)/libpb.a
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	@$(CROSS)$(CC) $(ALL_CFLAGS) -MF $@.dep -Itests/fuzz -Ifirmware/web $(ALL_LDFLAGS) -o $@ \
		$< $(FUZZ_REPLAY_OBJ) $(call fuzz_extra_obj,$*) $(BUILD)/libpb.a $(LIBS) \
		$(FUZZ_LDFLAGS_$*)

# The same harnesses under libFuzzer (make fuzz builds them in build/fuzz).
$(BUILD)/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/fuzzdb.h $(FUZZ_EXTRA_SRC) \
		$(BUILD)/libpb.a
	@echo "  FUZZ $@"
	@$(CC) $(ALL_CFLAGS) -MF $@.dep -fsanitize=fuzzer -Itests/fuzz -Ifirmware/web \
		$(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_EXTRA_$*) $(BUILD)/libpb.a $(LIBS) \
		$(FUZZ_LDFLAGS_$*)

fuzzers: $(patsubst %,$(BUILD)/fuzz-%,$(FUZZ_HARNESSES))

-include $(LIB_OBJ:.o=.d) $(WEB_OBJ:.o=.d) $(CTL_OBJ:.o=.d) $(SYNC_OBJ:.o=.d) $(HUB_OBJ:.o=.d) \
         $(GPIO_OBJ:.o=.d) $(FAKEGPIOD:.so=.d) $(SLOWSYNC:.so=.d) $(HOOK_DB_OBJ:.o=.d) \
         $(BUILD)/obj/tests/schema/next.d $(FUZZ_REPLAY_OBJ:.o=.d) $(CRASH_OBJ:.o=.d)

# Debian packages the build and the tests need; installed only when missing.
# The build's come from debian/control (Build-Depends, without versions,
# architectures and profiles; debhelper-compat is debhelper): add a library
# there. Here only what is not part of the box package: pb-hub's libpq-dev,
# the sqlite3 shell.
BUILD_DEPENDS := $(shell sh tests/build-depends.sh)
DEB_BUILD := build-essential $(BUILD_DEPENDS) sqlite3 libpq-dev
DEB_TEST  := libcmocka-dev python3-pytest python3-requests python3-selenium python3-pil \
             chromium chromium-headless-shell chromium-driver chromium-l10n node-acorn valgrind \
             dnsmasq-base hostapd busybox isc-dhcp-client iproute2 dnsutils \
             postgresql python3-cryptography iptables nftables curl libnetfilter-queue-dev \
             python3-openpyxl poppler-utils zstd
DEB_BENCH := nginx-light wrk postgresql python3-cryptography sysbench linux-perf
DEB_FUZZ  := clang libclang-rt-14-dev

deps:
	@sh tests/install-deps.sh $(DEB_BUILD)

# The package lists, one NAME=packages line each, and the pkg-config modules
# linked (tests/system/test_install_list.py, test_packaging.py).
DEB_LISTS = DEB_BUILD DEB_TEST DEB_BENCH DEB_ARM64 DEB_ARM64_TEST DEB_IMAGE DEB_DEB DEB_FUZZ DEB_SOAK
print-deps:
	@$(foreach v,$(DEB_LISTS),echo '$(v)=$($(v))';)
	@echo 'PC_MODULES=$(PKGS) libgpiod libpq'
	@echo 'HUB_PC_MODULES=libpq'

# The bench, soak and fuzz lists too: tests/system/test_install_list.py
# checks every program the tests and benches run against every list, and can
# do so only for packages installed on the machine.
deps-test: deps
	@sh tests/install-deps.sh $(DEB_TEST) $(DEB_BENCH) $(DEB_SOAK) $(DEB_FUZZ)

# axe-core, the accessibility rules the browser tests run on every page
# (npm registry; the version and its hash are pinned in tests/browser/
# package-lock.json). Installed into build/node once: later runs, offline
# too, reuse it. Debian's npm only where no npm is on the machine (another
# nodejs package may already bring one).
AXE_JS := build/node/node_modules/axe-core/axe.min.js
deps-node: $(AXE_JS)
$(AXE_JS): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || sh tests/install-deps.sh nodejs npm
	@mkdir -p build/node
	cp tests/browser/package.json tests/browser/package-lock.json build/node/
	cd build/node && npm ci --no-audit --no-fund --ignore-scripts
	@test -f $@ && touch $@

# arm64: cross compiler, qemu-user through binfmt_misc, and the :arm64 -dev
# packages of every library in DEB_BUILD (image/deps-arm64.sh).
# libpq-dev is left out: pb-hub is not built for the box, and its :arm64
# package (not Multi-Arch) would replace the host's.
DEB_ARM64 := gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static binfmt-support \
             $(addsuffix :arm64,$(filter-out libpq-dev,$(filter lib%-dev zlib1g-dev,$(DEB_BUILD))))
# cmocka for the arm64 unit tests (make test-arm64 only): libcmocka-dev is
# not Multi-Arch either, so its :arm64 package replaces the host's, which
# make test's unit tests link; make test (through deps-image) leaves it out.
DEB_ARM64_TEST := libcmocka-dev:arm64
# ca-certificates: image/rootfs-certs.sh runs the image's script natively over
# its folders, mounted over this machine's (which the package makes);
# arch-test: mmdebstrap checks with it that arm64 programs run here (without
# it, it stops: "install arch-test for foreign architecture support"; apt
# leaves out mmdebstrap's recommends)
DEB_IMAGE := mmdebstrap arch-test mtools dosfstools fdisk e2fsprogs qemu-system-arm dpkg-dev \
             systemd ca-certificates
# make deb, and the package checks of tests/image (lintian, hardening-check)
DEB_DEB   := dpkg-dev lintian devscripts
ARM64    := CROSS=aarch64-linux-gnu- BUILD=build/arm64

deps-arm64: deps
	@sh image/deps-arm64.sh $(DEB_ARM64)

deps-image: deps-arm64 deps-deb
	@sh tests/install-deps.sh $(DEB_IMAGE)

deps-deb: deps
	@sh tests/install-deps.sh $(DEB_DEB)

# C unit tests and the pb-web system tests on the arm64 binaries, under
# qemu-user. SQLite work runs ~18x slower emulated: ARM64_K selects tests
# (valgrind runs amd64 programs only).
ARM64_K  ?= not valgrind
test-arm64: deps-arm64
	@sh image/deps-arm64.sh $(DEB_ARM64_TEST)
	$(MAKE) $(ARM64) all
	$(PYTHON) tests/run.py --build build/arm64 --only unit
	PB_BUILD=$(abspath build/arm64) $(PYTHON) -m pytest -q -p no:cacheprovider \
		tests/system $(if $(ARM64_K),-k "$(ARM64_K)")

# Debian packages (debian/, dpkg-buildpackage): build/pusat-belajar_VERSION_ARCH.deb
# for this machine and, cross-built, for the box (arm64). Each is built in a
# copy of the source tree under build/deb/ARCH/ (dpkg-buildpackage writes
# next to the tree and cleans inside it). pb-hub runs on the hub: it is not
# in the package (debian/pusat-belajar.install). The copy is fresh, so it is
# not cleaned first (-nc); each package compiles DEB_JOBS files at a time
# (DEB_BUILD_OPTIONS parallel=: the sub-make cannot share make's job server
# through dpkg-buildpackage).
DEB_ARCHES := $(shell dpkg --print-architecture 2>/dev/null) arm64
DEB_JOBS   ?= $(shell nproc 2>/dev/null || echo 1)

# What deb and rootfs install first (make test installs it once, before
# the image build, and passes these empty: the test packages install then,
# beside the build, and apt allows one install at a time).
DEB_DEPS    ?= deps-arm64 deps-deb
ROOTFS_DEPS ?= deps-image
deb: $(DEB_DEPS)
	@set -e; for a in $(DEB_ARCHES); do \
		rm -rf build/deb/$$a; mkdir -p build/deb/$$a/src; \
		tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C build/deb/$$a/src; \
		echo "  DEB $$a (build/deb/$$a/build.log)"; \
		(cd build/deb/$$a/src && DEB_BUILD_OPTIONS="nocheck parallel=$(DEB_JOBS)" \
			CC=$$(dpkg-architecture -a$$a -qDEB_HOST_GNU_TYPE 2>/dev/null)-gcc \
			dpkg-buildpackage -a $$a -b -nc -uc -us) \
			>build/deb/$$a/build.log 2>&1 || { tail -40 build/deb/$$a/build.log; exit 1; }; \
		cp build/deb/$$a/pusat-belajar_$(VERSION)_$$a.deb build/; \
		echo build/pusat-belajar_$(VERSION)_$$a.deb; \
	done

# The SD-card image (image/mkimage.sh): build/pusat-belajar.img. Debian's
# root file system (image/rootfs.sh: mmdebstrap, cached in build/cache) is
# a step of its own so that make -j builds it while the packages compile.
MKIMAGE = sh image/mkimage.sh build/pusat-belajar_$(VERSION)_arm64.deb build/pusat-belajar.img
image: deps-image deb rootfs
	$(MKIMAGE)

rootfs: $(ROOTFS_DEPS)
	@sh image/rootfs.sh build/cache >/dev/null

run: deps
	$(MAKE) $(PROGRAMS)
	$(BUILD)/pbctl demo $(BUILD)/demo
	exec $(BUILD)/pb-web -c $(BUILD)/demo/box.conf

# The quick loop while changing code: no package installed, no image, the
# normal build only (docs/development.md says when to run which).
check:
	$(MAKE) all
	$(PYTHON) tests/run.py --build $(BUILD) --only unit,system --no-asan

# make test: the image's packages installed first; then tests/run.py starts
# the image (Debian's root file system, the two packages, the image made of
# them: test-image) in the background, installs the test packages (-j1:
# apt-get allows one install at a time; the build installs nothing more),
# builds the normal and the ASan tree, and runs the suites,
# LANES at a time, the image suite once its image is there (tests/run.py
# --image-build, --trees, --lanes). TEST_JOBS is one more than the cores:
# mmdebstrap holds a job while it waits on the mirror.
TEST_JOBS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))
LANES     ?= 2
test:
	$(MAKE) -j1 deps-image
	$(PYTHON) tests/run.py --build $(BUILD) --lanes $(LANES) \
		--image-build "$(MAKE) -j$(TEST_JOBS) test-image DEB_DEPS= ROOTFS_DEPS=" \
		--trees "$(MAKE) -j1 deps-test deps-node && \
			$(MAKE) -j$(TEST_JOBS) test-tree-normal test-tree-asan"

test-image: test-tree-rootfs test-tree-deb
	$(MKIMAGE)
test-tree-rootfs:
	$(MAKE) rootfs
test-tree-normal:
	$(MAKE) all
test-tree-asan:
	$(MAKE) BUILD=$(BUILD)/asan SAN=1 asan-tested
test-tree-deb:
	$(MAKE) deb

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
	$(MAKE) $(PROGRAMS) $(HUB) $(BUILD)/bench/stmt-cache
	$(BUILD)/bench/stmt-cache
	$(PYTHON) bench/bench_files.py --build $(BUILD)
	$(PYTHON) bench/bench_sync.py --build $(BUILD)
	$(PYTHON) bench/bench_checkin.py --build $(BUILD)
	$(PYTHON) bench/bench_roster.py --build $(BUILD)
	$(PYTHON) bench/bench_receipts.py --build $(BUILD)
	$(PYTHON) bench/bench_learning.py --build $(BUILD)
	$(PYTHON) bench/bench_pi.py --build $(BUILD)

config-doc: $(BUILD)/pbctl
	$(PYTHON) tests/update_config_doc.py $(BUILD)

clean:
	rm -rf $(BUILD)
