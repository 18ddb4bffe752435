#!/usr/bin/env bats
# grouprole's Cockpit page (cockpit/) in a real Cockpit: cockpit-ws on a
# loopback port of a private network namespace, logins through PAM, sudo for
# administrative access, and headless Chromium driven by Selenium
# (console.py).  The host is never changed: everything happens in a private
# mount namespace (tests/e2e/ns-lib.sh, console-ns.sh).  Needs root and the
# browser packages; skipped otherwise, but failing when CI=true.
# Screenshots of every step: $GR_BUILD/test-logs/console/.
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
	export CONSOLE_ARTIFACTS="$GR_BUILD/test-logs/console"
	export CONSOLE_DIR="$BATS_TEST_DIRNAME"
	export NS_TIMEOUT=300
	rm -rf "$CONSOLE_ARTIFACTS"
	mkdir -p "$CONSOLE_ARTIFACTS"
}

@test "console: assign two roles, remove one, create and edit a role, SCIM tokens, events, assignments, policy, auto-membership, refusals, access" {
	run ns_run --pid '
source "$CONSOLE_DIR/console-ns.sh"
console_host
status=0
console_serve env TMPDIR="$NS_SCRATCH/tmp" HOME="$NS_SCRATCH/tmp" \
	/usr/bin/python3 "$CONSOLE_DIR/console.py" || status=$?
cp "$NS_SCRATCH"/cockpit-ws.log "$NS_SCRATCH"/chromedriver-*.log "$CONSOLE_ARTIFACTS"/ 2>/dev/null || true
exit "$status"
'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(printf "%s\n" "$output" | grep -c "^ok ")" -eq 15 ]
}
