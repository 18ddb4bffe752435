# grouprole -- enterprise groups as Linux roles.
#
#   make            build everything into build/
#   make demo       install missing build dependencies, run the example
#   make check      install missing build dependencies, build, run every test
#   make bench      benchmarks (ratios against glibc's nss_files in the same run)
#   make install    DESTDIR=... PREFIX=/usr (with the Cockpit page, cockpit/)
#   make deb        Debian packages into $(B)/packages/ (packaging/debian)
#   make rpm        RPM packages into $(B)/packages/ (packaging/rpm/grouprole.spec)
#
# Distribution flags are respected: CFLAGS, CPPFLAGS and LDFLAGS from the
# environment are used as they are; our own flags live in GR_*.  DEVELOPER=1
# (and CI=true) add -Werror.  SANITIZE=address,undefined builds and tests
# with sanitizers.  V=1 shows the commands.

PREFIX        ?= /usr
SYSCONFDIR    ?= /etc
LOCALSTATEDIR ?= /var
MULTIARCH     ?= $(shell $(CC) -print-multiarch 2>/dev/null)
LIBDIR        ?= $(PREFIX)/lib$(if $(MULTIARCH),/$(MULTIARCH))
PAMDIR        ?= $(LIBDIR)/security
SBINDIR       ?= $(PREFIX)/sbin
BINDIR        ?= $(PREFIX)/bin
MANDIR        ?= $(PREFIX)/share/man
DOCDIR        ?= $(PREFIX)/share/doc/grouprole
STATEDIR      ?= $(LOCALSTATEDIR)/lib/grouprole
UNITDIR       ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR   ?= $(PREFIX)/lib/tmpfiles.d
LIBEXECDIR    ?= $(PREFIX)/libexec
DESTDIR       ?=

CC         ?= cc
CFLAGS     ?= -O2 -g
PKG_CONFIG ?= pkg-config
INSTALL    ?= install

# Sanitized builds go to their own directory, so they never mix with plain objects.
B ?= build$(if $(SANITIZE),-sanitize)

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' $(1) $(2)
endif

GR_WARN := -Wall -Wextra -Wformat=2 -Wmissing-prototypes -Wshadow -Wwrite-strings \
	-Wundef -Wimplicit-fallthrough -fno-common -Wno-unused-parameter
GR_HARDEN := -fstack-protector-strong
# _FORTIFY_SOURCE needs optimisation; do not redefine it when the distro sets it.
ifneq ($(filter -O1 -O2 -O3 -Os,$(CFLAGS)),)
ifeq ($(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),)
GR_HARDEN += -D_FORTIFY_SOURCE=2
endif
endif

GR_CPPFLAGS := -D_GNU_SOURCE -Ilib \
	-DGR_SYSCONFDIR='"$(SYSCONFDIR)"' -DGR_STATEDIR='"$(STATEDIR)"'
GR_CFLAGS := -std=gnu11 $(GR_WARN) $(GR_HARDEN) -fPIC -fvisibility=hidden -MMD -MP
GR_LDFLAGS := -Wl,-z,relro,-z,now
# -z defs catches unresolved symbols in modules; sanitizer runtimes resolve late.
ifeq ($(SANITIZE),)
GR_LDFLAGS += -Wl,-z,defs
endif

ifneq ($(filter 1 yes true,$(DEVELOPER) $(CI)),)
GR_CFLAGS += -Werror
endif
ifneq ($(SANITIZE),)
GR_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
GR_LDFLAGS += -fsanitize=$(SANITIZE)
endif

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

TDB_LIBS := $(or $(call pc_libs,tdb),-ltdb)
JANSSON_LIBS := $(or $(call pc_libs,jansson),-ljansson)
CMOCKA_LIBS := $(or $(call pc_libs,cmocka),-lcmocka)
GNUTLS_LIBS := $(or $(call pc_libs,gnutls),-lgnutls)
PAM_LIBS := -lpam

ALL_CPPFLAGS = $(GR_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS = $(GR_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(GR_LDFLAGS) $(LDFLAGS)

# ---- libgrouprole (static, PIC, hidden) ----
LIB_SRCS := $(wildcard lib/*/*.c)
LIB_OBJS := $(patsubst %.c,$(B)/%.o,$(LIB_SRCS))
LIBGR := $(B)/libgrouprole.a

# Filled in by the included fragments.
PROGRAMS :=
HOOK_PROGS :=
MODULES :=
TEST_PROGS :=
TEST_SCRIPTS :=
BENCH_PROGS :=

.PHONY: all
all: $(LIBGR) programs modules hooks

# Objects depend on the flags they were built with: changing CFLAGS or
# DEVELOPER rebuilds them.
FLAGS_STAMP := $(B)/.build-flags
FLAGS_NOW := $(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(PREFIX) $(LIBDIR)
ifneq ($(file <$(FLAGS_STAMP)),$(FLAGS_NOW))
$(shell mkdir -p $(B))
$(file >$(FLAGS_STAMP),$(FLAGS_NOW))
endif

$(B)/%.o: %.c $(FLAGS_STAMP)
	$(call msg,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# Host programs in the end-to-end tests (getent, id, sshd, su, sudo, login)
# load the modules.  An instrumented module would need the sanitizer runtime
# loaded first in each of them, and setuid programs ignore LD_PRELOAD, so
# under SANITIZE they get uninstrumented copies built from the same sources
# into $(HOST_DIR); the dlopen, pam_wrapper and nss_wrapper tests keep
# exercising the instrumented modules.
ifneq ($(SANITIZE),)
HOST_DIR := $(B)/plain
PLAIN_CFLAGS = $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(ALL_CFLAGS))
PLAIN_LDFLAGS = $(filter-out -fsanitize=%,$(ALL_LDFLAGS)) -Wl,-z,defs
PLAIN_LIB := $(HOST_DIR)/libgrouprole.a

$(HOST_DIR)/%.o: %.c $(FLAGS_STAMP)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(PLAIN_CFLAGS) -c -o $@ $<

$(PLAIN_LIB): $(patsubst %.c,$(HOST_DIR)/%.o,$(LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^
else
HOST_DIR := $(B)
endif
export GR_HOST_MODULES := $(abspath $(HOST_DIR))

$(LIBGR): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

include tools/build.mk
-include nss_grouprole/build.mk
-include pam_grouprole/build.mk
include tests/build.mk
include tests/fuzz/build.mk
include packaging/build.mk
include cockpit/build.mk
-include bench/build.mk

.PHONY: programs modules hooks
hooks: $(HOOK_PROGS)
programs: $(PROGRAMS)
modules: $(MODULES)

# ---- dependencies ----
# Debian packages needed to build and test; each line: check, package.
DEPS_PKGCONFIG := tdb:libtdb-dev jansson:libjansson-dev cmocka:libcmocka-dev \
	pam:libpam0g-dev libpamtest:libpamtest0-dev pam_wrapper:libpam-wrapper \
	nss_wrapper:libnss-wrapper gnutls:libgnutls28-dev libmicrohttpd:libmicrohttpd-dev \
	libcurl:libcurl4-openssl-dev libsystemd:libsystemd-dev ldap:libldap-dev
DEPS_PROGRAMS := pkg-config:pkg-config bats:bats tdbtool:tdb-tools valgrind:valgrind \
	sshd:openssh-server ssh:openssh-client sudo:sudo unshare:util-linux \
	script:bsdutils jq:jq curl:curl \
	dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian rpmbuild:rpm rpmlint:rpmlint \
	systemd-analyze:systemd file:file ip:iproute2 \
	strace:strace slapd:slapd ldapsearch:ldap-utils openssl:openssl \
	chromium:chromium chromedriver:chromium-driver cockpit-bridge:cockpit-bridge \
	dbus-daemon:dbus-daemon
# Files that no program on PATH stands for (the Cockpit test's browser and web server).
DEPS_FILES := /usr/lib/cockpit/cockpit-ws:cockpit-ws /usr/share/cockpit/shell/manifest.json:cockpit-system \
	/usr/lib/python3/dist-packages/selenium/__init__.py:python3-selenium
DEPS_ROOT_PROGRAMS := /usr/sbin/sshd:openssh-server
.PHONY: deps
deps:
	@missing=""; \
	command -v $(PKG_CONFIG) >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	for d in $(DEPS_PKGCONFIG); do \
		$(PKG_CONFIG) --exists $${d%%:*} 2>/dev/null || missing="$$missing $${d##*:}"; \
	done; \
	for d in $(DEPS_PROGRAMS); do \
		p=$${d%%:*}; [ -x /usr/sbin/$$p ] || command -v $$p >/dev/null 2>&1 || \
			missing="$$missing $${d##*:}"; \
	done; \
	for d in $(DEPS_FILES); do [ -e $${d%%:*} ] || missing="$$missing $${d##*:}"; done; \
	command -v $(CC) >/dev/null 2>&1 || missing="$$missing gcc"; \
	ls "$$(clang -print-runtime-dir 2>/dev/null)"/libclang_rt.fuzzer-*.a >/dev/null 2>&1 || \
		missing="$$missing clang libclang-rt-dev"; \
	command -v make >/dev/null 2>&1 || missing="$$missing make"; \
	missing=$$(echo $$missing | tr ' ' '\n' | sort -u | tr '\n' ' '); \
	if [ -z "$${missing% }" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "deps: installing $$missing"; \
		guard=; if [ ! -e /usr/sbin/policy-rc.d ]; then guard=/usr/sbin/policy-rc.d; \
			printf '#!/bin/sh\n# make deps: install, do not start (slapd, sshd)\nexit 101\n' >$$guard; \
			chmod 755 $$guard; fi; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
			>/dev/null; rc=$$?; [ -z "$$guard" ] || rm -f $$guard; \
		[ $$rc -eq 0 ] || { echo "deps: apt-get failed" >&2; exit 1; }; \
	else \
		echo "deps: missing build dependencies. Install them with:" >&2; \
		echo "  sudo apt-get install -y$$missing" >&2; \
		exit 1; \
	fi

# ---- demo ----
.PHONY: demo
demo: deps
	@$(MAKE) --no-print-directory all
	@sh examples/demo.sh $(B)

# ---- tests ----
.PHONY: check check-build
check: deps
	@$(MAKE) --no-print-directory check-build
	@sh tests/run-tests.sh $(B) $(TEST_PROGS) $(TEST_SCRIPTS)

check-build: all $(TEST_PROGS) $(TEST_HELPERS)

# ---- install ----
.PHONY: install
install: all
	$(INSTALL) -d -m 0755 $(DESTDIR)$(STATEDIR)
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/grouprole \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0755 $(PROGRAMS) $(DESTDIR)$(SBINDIR)/
	$(if $(NSS_MODULE),$(INSTALL) -d $(DESTDIR)$(LIBDIR) && \
		$(INSTALL) -m 0644 $(NSS_MODULE) $(DESTDIR)$(LIBDIR)/)
	$(if $(PAM_MODULE),$(INSTALL) -d $(DESTDIR)$(PAMDIR) && \
		$(INSTALL) -m 0644 $(PAM_MODULE) $(DESTDIR)$(PAMDIR)/)
	[ -e $(DESTDIR)$(SYSCONFDIR)/grouprole/grouprole.conf ] || \
		$(INSTALL) -m 0644 examples/grouprole.conf $(DESTDIR)$(SYSCONFDIR)/grouprole/grouprole.conf
	$(INSTALL) -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(TMPFILESDIR)
	$(INSTALL) -m 0644 packaging/systemd/grouprole-scimd.service \
		packaging/systemd/grouprole-sync.service $(DESTDIR)$(UNITDIR)/
	$(INSTALL) -m 0644 packaging/tmpfiles/grouprole.conf $(DESTDIR)$(TMPFILESDIR)/grouprole.conf
	$(INSTALL) -d $(DESTDIR)$(LIBEXECDIR)/grouprole
	$(INSTALL) -m 0755 packaging/nsswitch-grouprole $(DESTDIR)$(LIBEXECDIR)/grouprole/
	$(INSTALL) -m 0755 packaging/ldap/grouprole-ldap-setup $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/share/grouprole/ldap
	$(INSTALL) -m 0644 packaging/ldap/grouprole.ldif $(DESTDIR)$(PREFIX)/share/grouprole/ldap/
	$(INSTALL) -d $(DESTDIR)$(LIBEXECDIR)/grouprole/hooks
	$(INSTALL) -m 0755 $(HOOK_PROGS) examples/hooks/end-sessions $(DESTDIR)$(LIBEXECDIR)/grouprole/hooks/

.PHONY: clean
clean:
	rm -rf build build-sanitize $(B)

# Not the package builds' copies of the tree (packaging/build.mk), nor tmpfiles.d.
-include $(shell find $(B) -path $(B)/packages -prune -o -name '*.d' -type f -print 2>/dev/null)
