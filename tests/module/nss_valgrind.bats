#!/usr/bin/env bats
# The dlopen tests of the NSS module under valgrind's memcheck: no invalid
# access, no use of uninitialised memory, no definite leak.  Not under
# SANITIZE=..., where the sanitizers do this job (and valgrind cannot run
# instrumented programs).
load nss_helpers

@test "nss_module is clean under valgrind" {
	[ -z "${GR_SANITIZE:-}" ] || skip "built with sanitizers"
	command -v valgrind >/dev/null || {
		[ "${CI:-}" != true ] || { echo "valgrind missing (CI=true)"; false; }
		skip "valgrind is not installed"
	}
	# GR_VALGRIND shortens the fuzz rounds.  libtdb reads its mapping, which
	# memcheck understands; no suppressions are needed.
	run timeout 600 env GR_VALGRIND=1 CMOCKA_MESSAGE_OUTPUT=stdout \
		valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		"$GR_BUILD/tests/nss_module"
	echo "$output" | tail -n 40
	[ "$status" -eq 0 ]
	[[ "$output" == *"PASSED  ] 19 test(s)"* ]]
}
