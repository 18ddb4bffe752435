# Shared by tests/module/nss_*.bats: a private state directory built with the
# real grouprolectl, and a way to run host programs (getent, id) with the
# built NSS module loaded by nss_wrapper instead of glibc's nsswitch.conf.
bats_require_minimum_version 1.5.0

: "${GR_BUILD:=$BATS_TEST_DIRNAME/../../build}"
: "${GR_SRCDIR:=$BATS_TEST_DIRNAME/../..}"
NSS_MODULE=$GR_BUILD/libnss_grouprole.so.2

setup_nss_state() {
	WORK=$(mktemp -d "${BATS_TMPDIR:-/tmp}/grouprole-nss.XXXXXX")
	chmod 755 "$WORK"
	CONF=$WORK/grouprole.conf
	cat >"$CONF" <<CONF
state_dir = $WORK/state
organization = payments
resources = host:web01 hostgroup:payments-web
test_mode = yes
login_domains = meridian.example contractor.example
CONF
	chmod 644 "$CONF"
	# Host accounts as nss_wrapper's "files" source sees them.
	cat >"$WORK/passwd" <<'EOF2'
alice.nguyen:x:1001:1001::/tmp:/bin/sh
bob.okafor:x:1002:1002::/tmp:/bin/sh
frank.rossi:x:1006:1006::/tmp:/bin/sh
EOF2
	cat >"$WORK/group" <<'EOF2'
alice.nguyen:x:1001:
bob.okafor:x:1002:
frank.rossi:x:1006:
users:x:100:alice.nguyen
docker:x:999:
EOF2
}

teardown_nss_state() {
	[ -n "${WORK:-}" ] && rm -rf "$WORK"
}

ctl() {
	"$GR_BUILD/grouprolectl" --config "$CONF" "$@"
}

# The example company (examples/), imported and mapped as the demo does.
load_example() {
	ctl directory create okta >/dev/null
	ctl import --directory okta "$GR_SRCDIR/examples/users.json" \
		"$GR_SRCDIR/examples/groups.json" >/dev/null 2>&1
	CTL="$GR_BUILD/grouprolectl --config $CONF" sh "$GR_SRCDIR/examples/mappings.sh" >/dev/null
}

# The env(1) prefix that runs PROGRAM with nss_wrapper reading $WORK/passwd and
# $WORK/group (for DAEMON_WRAPPER: no spaces inside a word).  Under
# SANITIZE=..., the program's own sanitizer runtimes go first, as in nw below.
nw_env() {
	local preload=libnss_wrapper.so

	if [ -n "${GR_SANITIZE:-}" ]; then
		preload=$(ldd "$1" | awk '/libasan|libubsan/ { printf "%s:", $3 }')libnss_wrapper.so
		printf 'env NSS_WRAPPER_DISABLE_DEEPBIND=1 ASAN_OPTIONS=%s ' \
			"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0"
	else
		printf 'env '
	fi
	printf 'LD_PRELOAD=%s NSS_WRAPPER_PASSWD=%s NSS_WRAPPER_GROUP=%s\n' \
		"$preload" "$WORK/passwd" "$WORK/group"
}

# Run a program with nss_wrapper loading the built module.
#
# Under SANITIZE=... the module is instrumented, but getent and id are not:
# the sanitizer runtimes are preloaded ahead of nss_wrapper (ASan insists on
# coming first), leak checking is off (it would report the host program's
# own allocations), and nss_wrapper's RTLD_DEEPBIND, which the sanitizers
# cannot live with, is disabled as nss_wrapper's manual says.  That way the
# very module under test runs inside real getent and id.
nw() {
	local preload=libnss_wrapper.so

	if [ -n "${GR_SANITIZE:-}" ]; then
		# libasan first, as it insists; then libubsan; then nss_wrapper.
		preload=$(ldd "$NSS_MODULE" | awk '/libasan/ { a = $3 } /libubsan/ { u = $3 }
			END { print a " " u }')
		preload="$preload libnss_wrapper.so"
		set -- env NSS_WRAPPER_DISABLE_DEEPBIND=1 \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0" \
			"$@"
	fi
	LD_PRELOAD="$preload" NSS_WRAPPER_PASSWD="$WORK/passwd" NSS_WRAPPER_GROUP="$WORK/group" \
		NSS_WRAPPER_MODULE_SO_PATH="$NSS_MODULE" NSS_WRAPPER_MODULE_FN_PREFIX=grouprole \
		GROUPROLE_CONF="$CONF" "$@"
}
