#!/usr/bin/env bats
# grouprole's Cockpit page (cockpit/) in a real Cockpit: cockpit-ws on a
# loopback port of a private network namespace, logins through PAM, sudo for
# administrative access, and headless Chromium driven by Selenium
# (console.py).  The host is never changed: everything happens in a private
# mount namespace (tests/e2e/ns-lib.sh, console-ns.sh).  Needs root and the
# browser packages; skipped otherwise, but failing when CI=true.
#
# The same steps run twice: against the host's Cockpit (Debian 12's 287),
# then against the Cockpit of Debian's bookworm-backports (337 when this was
# written), which cockpit-backports.sh downloads once into
# $GR_BUILD/cockpit-backports (not installed: console-ns.sh bind-mounts it
# over the host's Cockpit inside the namespace).  The second run is skipped
# when that download fails (no network) and in the sanitized pass of
# `make check` (GR_SANITIZE), where the page is the same as in the plain one.
# Screenshots of every step: $GR_BUILD/test-logs/console/ (host's Cockpit)
# and $GR_BUILD/test-logs/console-backports/.
bats_require_minimum_version 1.5.0

setup() {
	source "$BATS_TEST_DIRNAME/../e2e/ns-lib.sh"
	ns_require_root
	local missing="" f
	for f in /usr/bin/chromium /usr/bin/chromedriver /usr/lib/cockpit/cockpit-ws \
		/usr/bin/cockpit-bridge /usr/share/cockpit/shell/manifest.json \
		/usr/lib/python3/dist-packages/selenium/__init__.py /usr/bin/systemd-socket-activate; do
		[ -e "$f" ] || missing="$missing $f"
	done
	[ -z "$missing" ] ||
		ns_skip_or_fail "needs Chromium, Selenium and Cockpit (make deps installs them):$missing"
	export GR_BUILD GR_SRCDIR
	export CONSOLE_PASSWORD="console-test-$$"
	export CONSOLE_DIR="$BATS_TEST_DIRNAME"
	export NS_TIMEOUT=300
}

# console_steps ARTIFACTS [COCKPIT_ROOT]: console.py's steps in the namespace,
# against the host's Cockpit or the one extracted under COCKPIT_ROOT.
console_steps() {
	export CONSOLE_ARTIFACTS="$1" CONSOLE_COCKPIT_ROOT="${2:-}"
	rm -rf "$CONSOLE_ARTIFACTS"
	mkdir -p "$CONSOLE_ARTIFACTS"
	run ns_run --pid '
source "$CONSOLE_DIR/console-ns.sh"
console_host "$CONSOLE_COCKPIT_ROOT"
status=0
console_serve env TMPDIR="$NS_SCRATCH/tmp" HOME="$NS_SCRATCH/tmp" \
	/usr/bin/python3 "$CONSOLE_DIR/console.py" || status=$?
cp "$NS_SCRATCH"/cockpit-*.log "$NS_SCRATCH"/dbus-daemon.log "$NS_SCRATCH"/chromedriver-*.log "$CONSOLE_ARTIFACTS"/ 2>/dev/null || true
exit "$status"
'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(printf "%s\n" "$output" | grep -c "^ok ")" -eq 16 ]
}

@test "console: assign two roles, remove one, create and edit a role, SCIM tokens, events, assignments, policy, auto-membership, refusals, access" {
	console_steps "$GR_BUILD/test-logs/console"
}

@test "console on the Cockpit of bookworm-backports (337): the same steps" {
	local version rc=0
	[ -z "${GR_SANITIZE:-}" ] ||
		skip "sanitized build ($GR_SANITIZE): the page is the same JavaScript as in the plain pass, which runs this"
	# Downloads once; later runs use $GR_BUILD/cockpit-backports as it is.
	version=$("$BATS_TEST_DIRNAME/cockpit-backports.sh" "$GR_BUILD/cockpit-backports" \
		2>"$BATS_TEST_TMPDIR/fetch.err") || rc=$?
	case $rc in
	0) ;;
	2) skip "could not download Cockpit from bookworm-backports: $(tr '\n' ' ' <"$BATS_TEST_TMPDIR/fetch.err")" ;;
	*) cat "$BATS_TEST_TMPDIR/fetch.err"; return 1 ;;
	esac
	echo "# Cockpit $version"
	# Not the host's Cockpit again: the host's is older, this one a newer major version.
	[ "${version%%.*}" -ge 337 ]
	[ "${version%%.*}" -gt "$(dpkg-query -W -f '${Version}' cockpit-ws | cut -d. -f1)" ]
	# Its bridge needs D-Bus (console-ns.sh: console_cockpit).
	command -v dbus-daemon >/dev/null ||
		ns_skip_or_fail "needs dbus-daemon for Cockpit $version's bridge (make deps installs it)"
	export CONSOLE_COCKPIT_VERSION="$version"
	console_steps "$GR_BUILD/test-logs/console-backports" "$GR_BUILD/cockpit-backports/root"
	printf "%s\n" "$output" | grep -qx "# Cockpit $version from $GR_BUILD/cockpit-backports/root: cockpit-ws and cockpit-bridge say so"
}
