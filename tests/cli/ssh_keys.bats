#!/usr/bin/env bats
# grouprole-ssh-keys: a directory user's SSH keys for sshd's
# AuthorizedKeysCommand, only valid ones, only for active accounts we serve,
# from the published snapshot alone.
load helpers

EXT=urn:ietf:params:scim:schemas:extension:grouprole:2.0:User

setup() {
	EXTRA_CONF="users = yes
ssh_keys_attribute = $EXT:sshPublicKeys" setup_state
	ssh-keygen -q -t ed25519 -N '' -C 'bob@laptop' -f "$WORK/ed" >/dev/null
	ssh-keygen -q -t rsa -b 2048 -N '' -C '' -f "$WORK/rsa" >/dev/null
	ssh-keygen -q -t ecdsa -b 256 -N '' -C 'ec key' -f "$WORK/ec" >/dev/null
	ssh-keygen -q -t rsa -b 1024 -N '' -C 'weak' -f "$WORK/weak" 2>/dev/null ||
		cp "$WORK/rsa.pub" "$WORK/weak.pub"
	ED=$(cat "$WORK/ed.pub")
	RSA=$(cut -d' ' -f1,2 "$WORK/rsa.pub")
	EC=$(cat "$WORK/ec.pub")
	ED_BLOB=$(cut -d' ' -f2 "$WORK/ed.pub")
	ctl directory create okta >/dev/null
}

teardown() {
	teardown_state
}

# user ID LOGIN ACTIVE KEY...: one SCIM user with these key values.
user() {
	local id=$1 login=$2 active=$3
	shift 3
	jq -cn --arg id "$id" --arg u "$login@meridian.example" --argjson a "$active" \
		--arg ext "$EXT" '$ARGS.positional as $k |
		{schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], id: $id,
		 userName: $u, active: $a} + {($ext): {sshPublicKeys: $k}}' --args "$@"
}

import_users() {
	list_response "$@" >"$WORK/users.json"
	list_response >"$WORK/groups.json"
	ctl import --directory okta --force "$WORK/users.json" "$WORK/groups.json" >/dev/null
}

keys() {
	"$GR_BUILD/grouprole-ssh-keys" --config "$CONF" "$@"
}

@test "prints the valid keys, one per line, in the directory's order" {
	import_users "$(user u1 bob true "$ED" "$RSA" "$EC")"
	run -0 keys bob
	[ "$output" = "$(printf '%s\n' "$ED" "$RSA" "$EC")" ]
}

@test "malformed keys are left out, never printed" {
	import_users "$(user u1 bob true \
		"ssh-foo $ED_BLOB" \
		"ssh-ed25519 not*base64" \
		"ssh-rsa $ED_BLOB mismatched type" \
		"command=\"/bin/sh\" $ED" \
		"ssh-ed25519 ${ED_BLOB%????????}" \
		"ssh-dss $ED_BLOB" \
		"ssh-ed25519" \
		"$(printf 'ssh-ed25519 %s tab\there' "$ED_BLOB")" \
		"$(cat "$WORK/weak.pub")" \
		"$ED")"
	run -0 keys bob
	# Only the sound ed25519 key; the 1024-bit RSA key passes when ssh-keygen made one.
	got=$(printf '%s\n' "$output" | grep -v '^ssh-rsa .* weak$')
	[ "$got" = "$ED" ]
}

@test "nothing for a deactivated user, an unknown login or users = no" {
	import_users "$(user u1 bob false "$ED")" "$(user u2 carol true "$ED")"
	run -0 keys bob
	[ -z "$output" ]
	run -0 keys nobody-here
	[ -z "$output" ]
	run -0 keys carol
	[ "$output" = "$ED" ]
	sed -i '/^users = yes$/d' "$CONF"
	run -0 keys carol
	[ -z "$output" ]
}

@test "reads only the published snapshot, never directory.tdb" {
	import_users "$(user u1 bob true "$ED")"
	mv "$WORK/state/directory.tdb" "$WORK/directory.tdb.away"
	run -0 keys bob
	[ "$output" = "$ED" ]
	mv "$WORK/directory.tdb.away" "$WORK/state/directory.tdb"
}

@test "an untrusted snapshot is one line on stderr and exit 1" {
	import_users "$(user u1 bob true "$ED")"
	chmod 666 "$WORK/state/nss.tdb"
	run -1 --separate-stderr keys bob
	[ -z "$output" ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == "grouprole-ssh-keys: cannot read $WORK/state/nss.tdb: "* ]]
}

@test "usage errors exit 2" {
	run -2 keys
	run -2 keys a b
}
