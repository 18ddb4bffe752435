#!/usr/bin/env bats
# Accounts (users = yes): directory users as passwd entries, through real
# getent and id with nss_wrapper loading the built module (no root needed).
# grouprolectl runs under nss_wrapper too, so the host accounts it sees are
# nss_wrapper's passwd file: alice is a local account there.
load nss_helpers

EXT=urn:ietf:params:scim:schemas:extension:grouprole:2.0:User

setup() {
	setup_nss_state
	cat >>"$CONF" <<CONF
users = yes
ssh_keys_attribute = $EXT:sshPublicKeys
CONF
	printf 'alice:x:1001:1001::/tmp:/bin/sh\n' >"$WORK/passwd"
	printf 'alice:x:1001:\nusers:x:100:\n' >"$WORK/group"
	# bob and carol exist only in the directory; frank is deactivated.
	users bob carol frank
	groups
	nw "$GR_BUILD/grouprolectl" --config "$CONF" directory create okta >/dev/null
	import
	nw "$GR_BUILD/grouprolectl" --config "$CONF" role create dev >/dev/null
	nw "$GR_BUILD/grouprolectl" --config "$CONF" group roles assign Eng dev >/dev/null
}

teardown() {
	teardown_nss_state
}

# users LOGIN...: a SCIM ListResponse with these users (ids u-LOGIN), plus
# alice, who is a local account on this host.
users() {
	local first=1 u active
	{
		printf '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":['
		for u in alice "$@"; do
			active=true
			[ "$u" = frank ] && active=false
			[ $first = 1 ] || printf ','
			first=0
			printf '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u-%s",' "${u%%=*}"
			printf '"userName":"%s@meridian.example","active":%s,' "${u#*=}" "$active"
			printf '"name":{"formatted":"%s Example"},' "${u#*=}"
			printf '"%s":{"sshPublicKeys":["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK %s"]}}' "$EXT" "${u#*=}"
		done
		printf ']}\n'
	} >"$WORK/users.json"
}

groups() {
	cat >"$WORK/groups.json" <<'JSON'
{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[
{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g-eng","displayName":"Eng",
 "members":[{"value":"u-bob"}]}]}
JSON
}

import() {
	nw "$GR_BUILD/grouprolectl" --config "$CONF" import --directory okta --force \
		"$WORK/users.json" "$WORK/groups.json"
}

@test "getent passwd NAME and UID: a directory user with the uid it was given" {
	run -0 nw getent passwd bob
	[ "$output" = "bob:*:300001:300001:bob Example:/home/bob:/bin/bash" ]
	run -0 nw getent passwd 300001
	[ "$output" = "bob:*:300001:300001:bob Example:/home/bob:/bin/bash" ]
	run -2 nw getent passwd nobody-here
	run -2 nw getent passwd 300999
}

@test "getent group: the user's private group, with the uid's number" {
	run -0 nw getent group bob
	[ "$output" = "bob:*:300001:" ]
	run -0 nw getent group 300002
	[ "$output" = "carol:*:300002:" ]
}

@test "id: uid, private group and role groups" {
	run -0 nw id bob
	[ "$output" = "uid=300001(bob) gid=300001(bob) groups=300001(bob),200000(role-dev)" ]
	run -0 nw id carol
	[ "$output" = "uid=300002(carol) gid=300002(carol) groups=300002(carol)" ]
}

@test "a local account keeps its login: no directory entry, group or uid for it" {
	run -0 nw getent passwd alice
	[ "$output" = "alice:x:1001:1001::/tmp:/bin/sh" ]
	# Her uid was allocated (a later removal of the local account serves her) but is not served.
	run -2 nw getent passwd 300000
	run -0 nw getent group alice
	[ "$output" = "alice:x:1001:" ]
	run -2 nw getent group 300000
	run -0 nw getent passwd
	[ "$(printf '%s\n' "$output" | grep -c '^alice:')" -eq 1 ]
}

@test "enumeration: the host's accounts, then every directory account once" {
	run -0 nw getent passwd
	[ "$output" = "$(printf '%s\n' 'alice:x:1001:1001::/tmp:/bin/sh' \
		'bob:*:300001:300001:bob Example:/home/bob:/bin/bash' \
		'carol:*:300002:300002:carol Example:/home/carol:/bin/bash' \
		'frank:*:300003:300003:frank Example:/home/frank:/bin/bash')" ]
}

@test "deactivated: still in passwd (files keep an owner), deleted: gone" {
	run -0 nw getent passwd frank
	[ "$output" = "frank:*:300003:300003:frank Example:/home/frank:/bin/bash" ]
	users bob frank
	run -0 import
	run -2 nw getent passwd carol
	run -2 nw getent passwd 300002
	run -2 nw getent group carol
	# A newcomer never gets carol's uid back.
	users bob frank dave
	run -0 import
	run -0 nw getent passwd dave
	[ "$output" = "dave:*:300004:300004:dave Example:/home/dave:/bin/bash" ]
}

@test "a rename keeps the uid" {
	# Same SCIM id (u-bob), new userName: a new login with the old uid.
	users bob=robert carol frank
	run -0 import
	run -2 nw getent passwd bob
	run -0 nw getent passwd robert
	[ "$output" = "robert:*:300001:300001:robert Example:/home/robert:/bin/bash" ]
	run -0 nw id robert
	[ "$output" = "uid=300001(robert) gid=300001(robert) groups=300001(robert),200000(role-dev)" ]
	run -0 ctl user show robert
	grep -qx 'uid:          300001' <<<"$output"
	run -0 ctl --json user show robert
	[ "$(jq .uid <<<"$output")" = 300001 ]
}

@test "users = no: no passwd entries and no private groups" {
	sed -i '/^users = yes$/d' "$CONF"
	run -0 ctl publish
	run -2 nw getent passwd bob
	run -2 nw getent group bob
	run -0 nw getent passwd
	[ "$output" = "alice:x:1001:1001::/tmp:/bin/sh" ]
}

@test "import and check report the directory login a local account keeps" {
	run -0 --separate-stderr import
	[ "$stderr" = "warning: user alice@meridian.example: login 'alice' is a local account on this host: the local account is served, not the directory's" ]
	run -4 nw "$GR_BUILD/grouprolectl" --config "$CONF" check
	[[ "$output" == *"warning: user alice@meridian.example: login 'alice' is a local account on this host: the local account is served, not the directory's"* ]]
	[ "$(printf '%s\n' "$output" | grep -c 'local account')" -eq 1 ]
}

@test "users stored before users = yes: check names them, accounts allocate gives them a uid" {
	sed -i '/^users = yes$/d' "$CONF"
	users bob carol frank dave
	run -0 import
	echo 'users = yes' >>"$CONF"
	run -4 nw "$GR_BUILD/grouprolectl" --config "$CONF" check
	[[ "$output" == *"warning: user dave@meridian.example: login 'dave' has no uid yet"* ]]
	run -0 nw "$GR_BUILD/grouprolectl" --config "$CONF" publish
	[[ "$output" == *"; 3 accounts, 1 logins left to local accounts" ]]
	run -2 nw getent passwd dave
	run -0 nw "$GR_BUILD/grouprolectl" --config "$CONF" accounts allocate
	[ "$output" = "gave 1 user a uid" ]
	run -0 nw getent passwd dave
	[ "$output" = "dave:*:300004:300004:dave Example:/home/dave:/bin/bash" ]
	run -0 nw "$GR_BUILD/grouprolectl" --config "$CONF" accounts allocate
	[ "$output" = "gave 0 users a uid" ]
	# With accounts off, there is nothing to allocate: refused, one line.
	sed -i '/^users = yes$/d' "$CONF"
	run -1 --separate-stderr nw "$GR_BUILD/grouprolectl" --config "$CONF" accounts allocate
	[[ "$stderr" == "grouprolectl: accounts are off (users = no in $CONF)" ]]
}
