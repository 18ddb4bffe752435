#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
#
# Accounts (users = yes) in real logins: a person who exists only in the
# directory -- no line in /etc/passwd -- logs in over ssh with the key the
# directory sent, through grouprole-ssh-keys as sshd's AuthorizedKeysCommand
# (run as nobody), gets the uid grouprole gave them, their private group and
# their role groups, and a home from pam_mkhomedir.  Inside a private mount
# namespace (pam_ns.sh with E2E_ACCOUNTS=yes), where alice..dave are local
# accounts whose directory logins the local accounts keep.
#
# Needs root.  Without it every test skips with the reason, except under
# CI=true, where they fail.

source "$BATS_TEST_DIRNAME/ns-lib.sh"
source "$BATS_TEST_DIRNAME/pam_ns.sh"

KEYS_ATTR=urn:ietf:params:scim:schemas:extension:grouprole:2.0:User:sshPublicKeys

setup_file() {
	export E2E_ACCOUNTS=yes E2E_KEYS_ATTR=$KEYS_ATTR
	e2e_setup_file
}

teardown_file() {
	e2e_stop
}

setup() {
	e2e_setup
	[ -f "$E2E_DIR/keys/erin" ] ||
		ssh-keygen -q -t ed25519 -N '' -C 'erin@laptop' -f "$E2E_DIR/keys/erin"
}

# accounts_directory [erin-inactive | erin-renamed | erin-deleted]
#   the directory of pam_ns.sh (alice..dave, local accounts here) plus erin
#   (u5), who is only in the directory: Staff (-> dev), her key from SCIM.
accounts_directory() {
	local erin active=true name=erin key
	key=$(cat "$E2E_DIR/keys/erin.pub")
	case ${1:-} in
	erin-inactive) active=false ;;
	erin-renamed) name=erin.k ;;
	esac
	erin=$(printf ',{"id":"u5","userName":"%s@example.com","active":%s,"displayName":"Erin Example",' \
		"$name" "$active")
	erin+="\"${KEYS_ATTR%:*}\":{\"sshPublicKeys\":[\"$key\"]}}"
	[ "${1:-}" = erin-deleted ] && erin=""
	cat >"$E2E_DIR/users.json" <<-EOF
	{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[
	 {"id":"u1","userName":"alice@example.com","active":true},
	 {"id":"u2","userName":"bob@example.com","active":true},
	 {"id":"u3","userName":"carol@example.com","active":true},
	 {"id":"u4","userName":"dave@example.com","active":true}$erin]}
	EOF
	cat >"$E2E_DIR/groups.json" <<-EOF
	{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[
	 {"id":"g1","displayName":"Engineering","members":[{"value":"u1"},{"value":"u3"}]},
	 {"id":"g2","displayName":"Staff","members":[{"value":"u1"},{"value":"u2"}${erin:+,{\"value\":\"u5\"\}}]}]}
	EOF
	# Its warnings name alice..dave, whose logins are local accounts here.
	ctl import --directory okta --force "$E2E_DIR/users.json" "$E2E_DIR/groups.json" >/dev/null 2>&1
}

@test "a directory-only user logs in with the key from SCIM: uid, private group, roles, home" {
	accounts_directory
	run in_ns grep -c '^erin:' /etc/passwd
	[ "$output" = 0 ]
	run ssh_as erin 'id; echo "HOME=$HOME"; stat -c "%U %a" "$HOME"'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "uid=300004(erin) gid=300004(erin) groups=300004(erin),200001(role-dev)" ]
	[ "${lines[1]}" = "HOME=/home/erin" ]
	[ "${lines[2]}" = "erin 700" ]
	# The keys sshd asked for, as the unprivileged command user sees them.
	run in_ns runuser -u nobody -- /usr/local/sbin/grouprole-ssh-keys erin
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$E2E_DIR/keys/erin.pub")" ]
}

@test "a local account keeps its login: /etc/passwd answers for alice" {
	accounts_directory
	run in_ns getent passwd alice
	[ "$output" = "alice:x:20001:20001::/home/alice:/bin/bash" ]
	run in_ns getent passwd erin
	[ "$output" = "erin:*:300004:300004:Erin Example:/home/erin:/bin/bash" ]
}

@test "a directory-only user's login: pam_grouprole allows it with the roles, logged" {
	accounts_directory
	log_mark
	run ssh_as erin 'printf "ROLES=%s\n" "$GROUPROLE_ROLES"'
	[ "$status" -eq 0 ]
	[ "$output" = "ROLES=dev" ]
	run log_since
	grep -qF 'pam_grouprole(sshd:account): user="erin" result="allow" directory="okta" roles="dev"' <<<"$output"
}

@test "deactivated: the login is refused, the account stays" {
	accounts_directory erin-inactive
	log_mark
	run ssh_as erin true
	[ "$status" -ne 0 ]
	# PAM denies too, whatever the way in (su - as root needs no key).
	run in_ns timeout "$E2E_TIMEOUT" su - erin -c true
	[ "$status" -ne 0 ]
	run log_since
	grep -qF 'pam_grouprole(su-l:account): user="erin" result="deny" reason="deactivated in the directory"' <<<"$output"
	run in_ns runuser -u nobody -- /usr/local/sbin/grouprole-ssh-keys erin
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run in_ns getent passwd erin
	[ "$output" = "erin:*:300004:300004:Erin Example:/home/erin:/bin/bash" ]
	accounts_directory
	run ssh_as erin true
	[ "$status" -eq 0 ]
}

@test "a rename keeps the uid" {
	accounts_directory erin-renamed
	run in_ns getent passwd erin
	[ "$status" -eq 2 ]
	run in_ns getent passwd erin.k
	[ "$output" = "erin.k:*:300004:300004:Erin Example:/home/erin.k:/bin/bash" ]
	cp "$E2E_DIR/keys/erin" "$E2E_DIR/keys/erin.k"
	run ssh_as erin.k id
	[ "$status" -eq 0 ]
	[ "$output" = "uid=300004(erin.k) gid=300004(erin.k) groups=300004(erin.k),200001(role-dev)" ]
	accounts_directory
}

@test "deleted: getent no longer knows the user, and the uid is never handed out again" {
	accounts_directory erin-deleted
	run in_ns getent passwd erin
	[ "$status" -eq 2 ]
	run in_ns getent passwd 300004
	[ "$status" -eq 2 ]
	run in_ns getent group erin
	[ "$status" -eq 2 ]
	run ssh_as erin true
	[ "$status" -ne 0 ]
	# Back from the IdP with the same SCIM id: a new uid.
	accounts_directory
	run in_ns getent passwd erin
	[ "$output" = "erin:*:300005:300005:Erin Example:/home/erin:/bin/bash" ]
}
