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

@test "nss_passwd is clean under valgrind" {
	[ -z "${GR_SANITIZE:-}" ] || skip "built with sanitizers"
	command -v valgrind >/dev/null || {
		[ "${CI:-}" != true ] || { echo "valgrind missing (CI=true)"; false; }
		skip "valgrind is not installed"
	}
	run timeout 600 env CMOCKA_MESSAGE_OUTPUT=stdout \
		valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		"$GR_BUILD/tests/nss_passwd"
	echo "$output" | tail -n 40
	[ "$status" -eq 0 ]
	[[ "$output" == *"PASSED  ] 8 test(s)"* ]]
}

@test "grouprole-ssh-keys is clean under valgrind" {
	[ -z "${GR_SANITIZE:-}" ] || skip "built with sanitizers"
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	local key='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA k'
	setup_nss_state
	printf 'users = yes\nssh_keys_attribute = sshPublicKeys\n' >>"$CONF"
	printf '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u1","userName":"bob@meridian.example","sshPublicKeys":["%s","ssh-ed25519 AAAA"]}]}\n' \
		"$key" >"$WORK/users.json"
	echo '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[]}' >"$WORK/groups.json"
	ctl directory create okta >/dev/null
	ctl import --directory okta "$WORK/users.json" "$WORK/groups.json" >/dev/null
	run valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect "$GR_BUILD/grouprole-ssh-keys" \
		--config "$CONF" bob
	teardown_nss_state
	[ "$status" -eq 0 ]
	[ "$output" = "$key" ]
}
