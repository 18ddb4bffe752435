# shellcheck shell=bash
# Shared by deb.bats and rpm.bats.

# pkg_skip_unless_ready REASON: nothing when REASON is empty; otherwise skip
# the test with it, or fail when CI=true, where these tests must run.
pkg_skip_unless_ready() {
	[ -n "$1" ] || return 0
	if [ "${CI:-}" = true ]; then
		echo "CI=true: cannot skip: $1" >&2
		return 1
	fi
	skip "$1"
}

# pkg_log_on_failure SKIP_REASON NAME FILE: in teardown, after a test that
# failed (not one that was skipped), the tail of the log of the run whose
# results it read.
pkg_log_on_failure() {
	if [ -n "${BATS_TEST_COMPLETED:-}" ] || [ -n "$1" ]; then return 0; fi
	echo "--- $2 (tail)"
	tail -n 30 "$3" 2>/dev/null || true
}
