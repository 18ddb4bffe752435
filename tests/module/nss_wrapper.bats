#!/usr/bin/env bats
# The built module answering real getent, id and getgrouplist through
# nss_wrapper (no root needed), against the example company.
load nss_helpers

setup() {
	setup_nss_state
	load_example
}

teardown() {
	teardown_nss_state
}

@test "getent group NAME: a role group with its members" {
	run -0 nw getent group role-admin
	[ "$output" = "role-admin:*:200000:alice.nguyen,liam.obrien" ]
	run -0 nw getent group role-auditor
	[ "$output" = "role-auditor:*:200003:grace.hopper,maya.patel" ]
}

@test "getent group GID: the same entry by gid" {
	run -0 nw getent group 200003
	[ "$output" = "role-auditor:*:200003:grace.hopper,maya.patel" ]
}

@test "getent group of unknown names and gids finds nothing" {
	run -2 nw getent group role-nope
	[ -z "$output" ]
	run -2 nw getent group 299999
	# The files source still answers for its own groups.
	run -0 nw getent group docker
	[ "$output" = "docker:x:999:" ]
}

@test "getent group: enumeration lists the host's groups and every role group once" {
	run -0 nw getent group
	[ "$(printf '%s\n' "$output" | grep -c '^role-')" -eq 6 ]
	[ "$(printf '%s\n' "$output" | grep -c '^role-developer:\*:200002:')" -eq 1 ]
	printf '%s\n' "$output" | grep -qx 'users:x:100:alice.nguyen'
	printf '%s\n' "$output" | grep -qx 'role-viewer:\*:200005:ines.garcia,olivia.brown,rosa.martinez'
}

@test "getgrouplist: a user's roles after the base group" {
	run -0 nw "$GR_BUILD/tests/nss_grouplist" alice.nguyen 1001
	[ "$output" = "$(printf '%s\n' '1001 alice.nguyen' '100 users' '200000 role-admin' \
		'200002 role-developer' '200001 role-oncall')" ]
	run -0 nw "$GR_BUILD/tests/nss_grouplist" bob.okafor 1002
	[ "$output" = "$(printf '%s\n' '1002 bob.okafor' '200002 role-developer' '200001 role-oncall')" ]
}

@test "getgrouplist: a deactivated user has no roles" {
	run -0 nw "$GR_BUILD/tests/nss_grouplist" frank.rossi 1006
	[ "$output" = "1006 frank.rossi" ]
}

@test "id shows the roles as supplementary groups" {
	run -0 nw id -Gn alice.nguyen
	[ "$output" = "alice.nguyen users role-admin role-developer role-oncall" ]
}

@test "a role mapping change shows in the next lookup" {
	run -0 nw "$GR_BUILD/tests/nss_grouplist" bob.okafor 1002
	[[ "$output" != *role-auditor* ]]
	ctl group roles assign Engineering auditor >/dev/null
	run -0 nw "$GR_BUILD/tests/nss_grouplist" bob.okafor 1002
	[[ "$output" == *"200003 role-auditor"* ]]
	run -0 nw getent group role-auditor
	[[ "$output" == *bob.okafor* ]]
}

@test "without a snapshot the module finds nothing and the host's groups still work" {
	rm "$WORK/state/nss.tdb"
	run -2 nw getent group role-admin
	run -0 nw getent group users
	[ "$output" = "users:x:100:alice.nguyen" ]
	run -0 nw id -Gn alice.nguyen
	[ "$output" = "alice.nguyen users" ]
}
