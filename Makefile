# cvmm: the one build entry point.
#
#   make            build ./cvmm (optimised)
#   make deps       install every build/test dependency from Debian (when missing)
#   make demo       deps + build + run the embedded demo guest on /dev/kvm
#   make test       deps + ASan/UBSan build + unit tests + KVM tests + short fuzz runs
#   make fuzz       long fuzz runs (FUZZ_SECONDS per harness, default 300)
#   make bench      benchmarks (figures printed, never asserted)
#   make nested-deps  the nested tier's L1 and guest images (build/nested, cached)
#
# Sources are found by wildcard: a new file anywhere under vmm/, loader/,
# attest/ or devices/ is part of the build; a new tests/unit/test_*.c is a new unit-test
# program; a new tests/guests/*.c is a new test guest; a new
# tests/fuzz/fuzz_*.c is a new fuzz harness.

CC      ?= gcc
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)
CLANG   ?= clang
PKGS    := libfdt openssl check
VERSION := 0.1.0

WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wstrict-prototypes
CSTD    := -std=gnu11 -D_GNU_SOURCE -DCVMM_VERSION='"$(VERSION)"'
INC     := -I. -Ibuild/gen -Itests/unit
LIBS    := -lfdt -ljson-c -lcrypto -lseccomp -lpthread
# The release binary is linked statically: resolving shared libraries
# (libcrypto above all) costs ~0.5 ms of a ~2 ms start-to-exit (make bench).
# --no-warnings: glibc warns that libcrypto's unused DSO and name-lookup
# code would need the shared glibc at run time; cvmm never calls it (the
# cli tier runs measure and attest verify on this binary).
STATIC_LIBS := -static -Wl,--no-warnings -lfdt -ljson-c -lcrypto -lseccomp -lpthread -ldl

OPT_CFLAGS  := -O2 -g $(WARN) $(CSTD) $(INC)
SAN         := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# CVMM_TEST_HOOKS: test-only paths (a device making a forbidden system call, a
# thread making the call CVMM_TEST_SECCOMP_CALL names: vmm/sandbox.h) in the
# sanitizer builds the tests run, never in ./cvmm.
ASAN_CFLAGS := -O1 -g $(SAN) $(WARN) $(CSTD) $(INC) -DCVMM_TEST_HOOKS
# ThreadSanitizer build of cvmm for the kvm tier's race checks (tests/kvm/test_races.sh).
TSAN_CFLAGS := -O1 -g -fsanitize=thread -Wno-tsan $(WARN) $(CSTD) $(INC) -DCVMM_TEST_HOOKS
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
               -Wall -Wextra -Wno-unused-parameter $(CSTD) $(INC) -DCVMM_FUZZ

GUEST_BINS = $(patsubst tests/guests/%.c,build/guests/%.elf,$(GUEST_SRCS))
# Every file under the four source trees, at any depth, except the two
# freestanding programs in loader/ (the boot shim and the demo guest), which
# are built by their own rules below.
SRC_FIND   = $(sort $(shell find vmm loader attest devices -name '$(1)' \
                  -not -path 'loader/shim/*' -not -path 'loader/guest/*'))
LIB_SRCS  := $(filter-out vmm/main.c,$(call SRC_FIND,*.c))
ASM_SRCS  := $(call SRC_FIND,*.S)
# Test-only code (the failing backend, guest memory without a VM): its own
# library, linked into the unit tests, fuzz harnesses and benchmarks, never
# into cvmm. (The recorder and fake host ship: --dry-run runs the launch
# against them.)
TEST_LIB_SRCS := $(sort $(wildcard tests/support/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
GUEST_SRCS:= $(sort $(wildcard tests/guests/*.c))
HDRS      := $(call SRC_FIND,*.h) $(wildcard tests/guests/*.h tests/unit/*.h tests/support/*.h)

# Freestanding guests, built with the host gcc. They run in 64-bit mode with
# the identity map cvmm sets up; -mno-red-zone/-mgeneral-regs-only because
# nothing in them saves SSE state or expects a red zone under interrupts.
GUEST_CFLAGS := -O2 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -nostdlib \
                -mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables \
                -fcf-protection=none -Wall -Wextra -Werror -Wno-unused-parameter -Iloader/guest -Itests/guests
GUEST_LDFLAGS:= -static -no-pie -nostdlib -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
                -Wl,-T,loader/guest/guest.ld

.PHONY: all deps demo test unit kvmtest fuzztest fuzz bench clean nested-deps nestedtest
all: cvmm

# ---- dependencies ---------------------------------------------------------
DEB_PKGS := gcc make pkg-config libfdt-dev libssl-dev check clang libclang-rt-14-dev \
            binutils dpkg-dev ovmf qemu-system-x86 gnuplot-nox openssl
# strace: the cli tier checks that refused inputs never open /dev/kvm
DEB_PKGS += strace
# libjson-c-dev: attest verify --collateral reads Intel PCS JSON with json-c
DEB_PKGS += libjson-c-dev
# acpica-tools: iasl -d, the independent checker of the ACPI tables cvmm builds
DEB_PKGS += acpica-tools
# The nested tier (tests/nested/): busybox-static is L1's and the guest's userspace,
# cpio packs their initramfs, e2fsprogs makes the guest's ext4 disk (mke2fs -d)
# and reads it back (debugfs); qemu-system-x86 (above) runs L1
DEB_PKGS += busybox-static cpio e2fsprogs
# libseccomp-dev: the per-thread system-call allow-lists (vmm/sandbox.c)
DEB_PKGS += libseccomp-dev
# gdb: gcore, for the kvm tier's check that a core dump carries no guest RAM
DEB_PKGS += gdb
deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "make deps: all present"; fi

# ---- the demo guest, linked into the binary ---------------------------------
build/gen/demo_guest.elf: loader/guest/demo.c loader/guest/guest.ld $(wildcard loader/guest/*.h)
	@mkdir -p $(@D)
	@echo "  GUEST $@"
	$(Q)$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $<

# ---- the boot shim (loader/shim/): a position-independent flat blob --------
SHIM_CFLAGS := -O2 -ffreestanding -fpie -fvisibility=hidden -fno-stack-protector -nostdlib \
               -mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables \
               -fcf-protection=none -Wall -Wextra -Werror -Iloader/shim
build/gen/shim.bin: $(wildcard loader/shim/*)
	@mkdir -p build/gen/shim
	@echo "  SHIM $@"
	$(Q)$(CC) $(SHIM_CFLAGS) -c -o build/gen/shim/entry.o loader/shim/entry.S
	$(Q)$(CC) $(SHIM_CFLAGS) -c -o build/gen/shim/shim.o loader/shim/shim.c
	$(Q)ld -m elf_x86_64 -static -nostdlib --build-id=none -z noexecstack \
		-T loader/shim/shim.ld -o build/gen/shim/shim.elf build/gen/shim/entry.o build/gen/shim/shim.o
	$(Q)objcopy -O binary build/gen/shim/shim.elf $@
build/opt/loader/shim_blob.o build/asan/loader/shim_blob.o build/tsan/loader/shim_blob.o build/fuzz/loader/shim_blob.o: build/gen/shim.bin

# ---- objects, per flavour ----------------------------------------------------
define flavour
build/$(1)/%.o: %.c $(HDRS) | build/gen/demo_guest.elf
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$<"
	$(Q)$(2) $(3) -c -o $$@ $$<
build/$(1)/%.o: %.S build/gen/demo_guest.elf
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$<"
	$(Q)$(2) $(3) -c -o $$@ $$<
build/$(1)/libcvmm.a: $(patsubst %.c,build/$(1)/%.o,$(LIB_SRCS)) $(patsubst %.S,build/$(1)/%.o,$(ASM_SRCS))
	@rm -f $$@
	$(Q)ar rcs $$@ $$^
build/$(1)/libcvmm_test.a: $(patsubst %.c,build/$(1)/%.o,$(TEST_LIB_SRCS))
	@rm -f $$@
	$(Q)ar rcs $$@ $$^
endef
$(eval $(call flavour,opt,$(CC),$(OPT_CFLAGS)))
$(eval $(call flavour,asan,$(CC),$(ASAN_CFLAGS)))
$(eval $(call flavour,tsan,$(CC),$(TSAN_CFLAGS)))
$(eval $(call flavour,fuzz,$(CLANG),$(FUZZ_CFLAGS)))
# The trust anchors are .incbin'd: a changed certificate rebuilds the object.
$(foreach f,opt asan tsan fuzz,build/$(f)/attest/roots_pem.o): $(wildcard attest/roots/*.pem)

cvmm: build/opt/vmm/main.o build/opt/libcvmm.a
	@echo "  LD $@"
	$(Q)$(CC) $(OPT_CFLAGS) -o $@ $^ $(STATIC_LIBS)

build/asan/cvmm: build/asan/vmm/main.o build/asan/libcvmm.a
	@echo "  LD $@"
	$(Q)$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LIBS)

build/tsan/cvmm: build/tsan/vmm/main.o build/tsan/libcvmm.a
	@echo "  LD $@"
	$(Q)$(CC) $(TSAN_CFLAGS) -o $@ $^ $(LIBS)

# ---- tests -------------------------------------------------------------------
UNIT_BINS  := $(patsubst tests/unit/%.c,build/asan/tests/unit/%,$(UNIT_SRCS))
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,build/fuzz/tests/fuzz/%,$(FUZZ_SRCS))

build/asan/tests/unit/%: tests/unit/%.c build/asan/libcvmm_test.a build/asan/libcvmm.a $(HDRS)
	@mkdir -p $(@D)
	@echo "  TEST $@"
	$(Q)$(CC) $(ASAN_CFLAGS) -o $@ $< build/asan/libcvmm_test.a build/asan/libcvmm.a $(LIBS) $$(pkg-config --libs check)

build/guests/%.elf: tests/guests/%.c loader/guest/guest.ld $(wildcard tests/guests/*.h)
	@mkdir -p $(@D)
	@echo "  GUEST $@"
	$(Q)$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $<

# Each test guest also as a minimal bzImage (tests/tools/mkbzimage.c), so
# the KVM tests boot the bzImage path without a real kernel.
GUEST_BZIMAGES := $(patsubst %.elf,%.bzImage,$(GUEST_BINS))
build/tools/mkbzimage: tests/tools/mkbzimage.c
	@mkdir -p $(@D)
	@echo "  TOOL $@"
	$(Q)$(CC) -O2 -g $(WARN) $(CSTD) -o $@ $<
build/guests/%.bzImage: build/guests/%.elf build/tools/mkbzimage
	@echo "  BZIMAGE $@"
	$(Q)build/tools/mkbzimage $< $@

# A real Debian kernel for the bzImage tests: unpacked from the linux-image
# package with dpkg-deb, never installed; cached. Where it cannot be had the
# script leaves build/testdata/vmlinuz.missing and test_bzimage says SKIPPED.
TESTDATA := build/testdata/vmlinuz
build/testdata/vmlinuz:
	@echo "  TESTDATA $@"
	$(Q)tests/tools/fetch-debian-kernel.sh build/testdata

build/fuzz/tests/fuzz/%: tests/fuzz/%.c build/fuzz/libcvmm_test.a build/fuzz/libcvmm.a
	@mkdir -p $(@D)
	@echo "  FUZZ $@"
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libcvmm_test.a build/fuzz/libcvmm.a $(LIBS)

test: deps
	@$(MAKE) --no-print-directory test-build
	@tests/run-all.sh

test-build: cvmm build/asan/cvmm build/tsan/cvmm $(UNIT_BINS) $(GUEST_BINS) $(GUEST_BZIMAGES) $(FUZZ_BINS) $(TESTDATA) \
	nested-deps

# The nested tier's inputs from Debian packages (tests/tools/nested-prep.sh):
# Debian's kernel and its modules (apt-get download, cached), L1's initramfs
# with the static release cvmm, the guest's initramfs and ext4 disk. Where
# the kernel package cannot be had, build/nested/missing says why and the
# tier says SKIPPED.
NESTED_INPUTS := cvmm tests/tools/nested-prep.sh $(wildcard tests/nested/*.sh)
build/nested/l1.cpio.gz: $(NESTED_INPUTS)
	@echo "  NESTED build/nested"
	$(Q)tests/tools/nested-prep.sh build/nested cvmm
nested-deps: build/nested/l1.cpio.gz
nestedtest: nested-deps
	@tests/run-all.sh nested

unit: build/asan/cvmm $(UNIT_BINS) $(TESTDATA) build/guests/hello.bzImage
	@tests/run-all.sh unit
kvmtest: build/asan/cvmm build/tsan/cvmm $(GUEST_BINS) $(GUEST_BZIMAGES)
	@tests/run-all.sh kvm
fuzztest: $(FUZZ_BINS)
	@tests/run-all.sh fuzz

FUZZ_SECONDS ?= 300
fuzz: deps $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do n=$$(basename $$f); mkdir -p build/corpus/$$n; \
		echo "== $$n ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) build/corpus/$$n tests/fuzz/seeds/$$n 2>&1 | tail -3; done

demo: deps
	@$(MAKE) --no-print-directory cvmm
	./cvmm

BENCH_TOOLS := build/bench/timeit build/bench/bare_runner build/bench/exitguest.elf
build/bench/%: bench/%.c
	@mkdir -p $(@D)
	@echo "  BENCH $@"
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<
build/bench/exitguest.elf: bench/exitguest.S bench/exitguest.ld
	@mkdir -p $(@D)
	@echo "  GUEST $@"
	$(Q)$(CC) -c -o build/bench/exitguest.o bench/exitguest.S
	$(Q)ld -m elf_x86_64 -T bench/exitguest.ld -o $@ build/bench/exitguest.o

bench: deps
	@$(MAKE) --no-print-directory cvmm $(GUEST_BINS) $(BENCH_TOOLS) $(BENCH_LIB_BINS) nested-deps
	@bench/run.sh

# Benchmark programs that call cvmm's own code, linked against the optimised library.
BENCH_LIB_BINS := build/opt/bench/convbench build/opt/bench/virtioblk
build/opt/bench/%: bench/%.c build/opt/libcvmm_test.a build/opt/libcvmm.a
	@mkdir -p $(@D)
	@echo "  BENCH $@"
	$(Q)$(CC) $(OPT_CFLAGS) -o $@ $< build/opt/libcvmm_test.a build/opt/libcvmm.a $(LIBS)

clean:
	rm -rf build cvmm

# ---- install, package (issue 15; kept in one block at the end) -------------
#   make install [PREFIX=/usr/local] [DESTDIR=]   the release binary, cvmm(1),
#       bash completion, configs/ as examples
#   make deb      the Debian package (dpkg-buildpackage -us -uc -b), left in
#       build/deb/ (built from a copy of the tree: nothing here changes)
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/cvmm
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL     ?= install
# dpkg-buildpackage builds the package; tests/deb checks it.
DEB_PKGS += bash-completion groff-base debhelper fakeroot lintian
.PHONY: install uninstall deb debtest
install: cvmm
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(DOCDIR)/examples
	$(INSTALL) -m 0755 cvmm $(DESTDIR)$(BINDIR)/cvmm
	$(INSTALL) -m 0644 docs/cvmm.1 $(DESTDIR)$(MANDIR)/man1/cvmm.1
	$(INSTALL) -m 0644 completion/cvmm $(DESTDIR)$(BASHCOMPDIR)/cvmm
	$(INSTALL) -m 0644 $(sort $(wildcard configs/*.conf)) $(DESTDIR)$(DOCDIR)/examples/
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/cvmm $(DESTDIR)$(MANDIR)/man1/cvmm.1 $(DESTDIR)$(BASHCOMPDIR)/cvmm
	rm -rf $(DESTDIR)$(DOCDIR)
deb:
	@tests/tools/build-deb.sh build/deb
debtest:
	@tests/run-all.sh deb
