#!/usr/bin/env bats
# The unit tests again, under valgrind's memcheck: no invalid access, no use
# of uninitialised memory, no definite leak.  Skipped under SANITIZE=...,
# where the sanitizers do this job and valgrind cannot run the programs.
# (The NSS module's dlopen tests have their own: tests/module/nss_valgrind.bats.)

memcheck() {
	[ -z "${GR_SANITIZE:-}" ] || skip "built with sanitizers"
	command -v valgrind >/dev/null || {
		[ "${CI:-}" != true ] || { echo "valgrind missing (CI=true)"; false; }
		skip "valgrind is not installed"
	}
	run timeout 600 env CMOCKA_MESSAGE_OUTPUT=stdout valgrind -q --error-exitcode=99 \
		--leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect "$GR_BUILD/tests/$1"
	echo "$output" | tail -n 40
	[ "$status" -eq 0 ]
	[[ "$output" == *"[  PASSED  ]"* ]]
	[[ "$output" != *"FAILED"* ]]
}

@test "memcheck: test_config" { memcheck test_config; }
@test "memcheck: test_names" { memcheck test_names; }
@test "memcheck: test_store" { memcheck test_store; }
@test "memcheck: test_roles" { memcheck test_roles; }
@test "memcheck: test_resolve" { memcheck test_resolve; }
@test "memcheck: test_import" { memcheck test_import; }
@test "memcheck: test_publish" { memcheck test_publish; }
@test "memcheck: test_publish_model" { memcheck test_publish_model; }
@test "memcheck: test_accounts" { memcheck test_accounts; }
@test "memcheck: test_store_batch" { memcheck test_store_batch; }
@test "memcheck: test_fleet_entities" { memcheck test_fleet_entities; }
@test "memcheck: test_ugroups" { memcheck test_ugroups; }
@test "memcheck: test_holders" { memcheck test_holders; }
@test "memcheck: test_tdbfile" { memcheck test_tdbfile; }
@test "memcheck: test_faults" { memcheck test_faults; }
@test "memcheck: test_api" { memcheck test_api; }
@test "memcheck: test_orgs" { memcheck test_orgs; }
@test "memcheck: test_events" { memcheck test_events; }
@test "memcheck: pam_logic" { memcheck pam_logic; }
@test "memcheck: pam_dlopen" { memcheck pam_dlopen; }
