#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
#
# pam_grouprole.so in real logins: sshd (key login), su, login (the
# system's /bin/login: shadow's on Debian 12, util-linux's later) through a
# pty, and sudo, inside a private mount namespace built by pam_ns.sh on
# ns-lib.sh, against a directory imported with grouprolectl.  The NSS module
# makes the roles Unix groups; the tests that look at groups (id, sudo) skip
# if it has not been built.
#
# Needs root.  Without it every test skips with the reason, except under
# CI=true, where they fail: CI runs as root and must exercise them.

source "$BATS_TEST_DIRNAME/ns-lib.sh"
source "$BATS_TEST_DIRNAME/pam_ns.sh"

setup_file() {
	e2e_setup_file
}

teardown_file() {
	e2e_stop
}

setup() {
	e2e_setup
}

need_nss() {
	e2e_have_nss || skip "the NSS module (libnss_grouprole.so.2, issue 3) is not built yet"
}

# "ROLES=... GROUPS=..." from inside a session, the same for every way in.
SESSION_PROBE='printf "ROLES=%s\n" "${GROUPROLE_ROLES-unset}"'
SESSION_PROBE+='; printf "GROUPS=%s\n" "$(id -Gn | tr " " "\n" | sort | tr "\n" " ")"'

@test "ssh key login: GROUPROLE_ROLES set, one log line with provenance" {
	log_mark
	run ssh_as alice "$SESSION_PROBE"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ROLES=admin,dev"* ]]
	run log_since
	echo "$output"
	[ "$(grep -c 'pam_grouprole(sshd:account): ' <<<"$output")" -eq 1 ]
	want='pam_grouprole(sshd:account): user="alice" result="allow" directory="okta" '
	want+='roles="admin,dev" from="admin: group Engineering; dev: group Staff"'
	grep -qF "$want" <<<"$output"
	want='pam_grouprole(sshd:session): user="alice" result="closed" roles="admin,dev"'
	grep -qF "$want" <<<"$output"
	[ "$(grep -c 'pam_grouprole(' <<<"$output")" -eq 2 ]
}

@test "ssh key login: id in the session shows the role groups" {
	need_nss
	run ssh_as alice 'id -Gn'
	[ "$status" -eq 0 ]
	[[ " $output " == *" role-admin "* ]]
	[[ " $output " == *" role-dev "* ]]
	run ssh_as bob 'id -Gn'
	[[ " $output " == *" role-dev "* ]]
	[[ " $output " != *" role-admin "* ]]
}

@test "a local account outside the directory keeps working (unknown=ignore)" {
	log_mark
	run ssh_as root "$SESSION_PROBE"
	[ "$status" -eq 0 ]
	# Known to nobody, holding nothing: an empty list.
	grep -qx 'ROLES=' <<<"$output"
	run log_since
	want='pam_grouprole(sshd:account): user="root" result="ignore" reason="not in the directory"'
	grep -qF "$want" <<<"$output"
}

@test "sudo -n: allowed through %role-admin, refused without the role" {
	need_nss
	run ssh_as alice 'sudo -n true && echo SUDO=ok'
	[ "$status" -eq 0 ]
	[[ "$output" == *"SUDO=ok"* ]]
	run ssh_as bob 'sudo -n true; echo "rc=$?"'
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *"password is required"* ]]
}

@test "su - and login through a pty show the same roles as ssh" {
	local via_ssh via_su via_login
	run ssh_as alice "$SESSION_PROBE"
	[ "$status" -eq 0 ]
	via_ssh=$(grep -E '^(ROLES|GROUPS)=' <<<"$output")
	log_mark
	run in_ns timeout "$E2E_TIMEOUT" su - alice -c "$SESSION_PROBE"
	[ "$status" -eq 0 ]
	via_su=$(grep -E '^(ROLES|GROUPS)=' <<<"$output")
	# login wants a terminal: script gives it a pty and types the probe.
	run in_ns timeout "$E2E_TIMEOUT" script -qec "login -f alice" /dev/null \
		<<<"$SESSION_PROBE; exit"
	[ "$status" -eq 0 ]
	# Drop the shell's terminal escapes (bracketed paste) and carriage returns.
	via_login=$(sed -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\r//g' <<<"$output" |
		grep -E '^(ROLES|GROUPS)=')
	echo "ssh:   $via_ssh"
	echo "su:    $via_su"
	echo "login: $via_login"
	[[ "$via_ssh" == *"ROLES=admin,dev"* ]]
	[ "$via_su" = "$via_ssh" ]
	[ "$via_login" = "$via_ssh" ]
	if e2e_have_nss; then
		[[ "$via_ssh" == *"role-admin role-dev"* ]]
	fi
	run log_since
	grep -qF 'pam_grouprole(su-l:account): user="alice" result="allow"' <<<"$output"
	grep -qF 'pam_grouprole(login:account): user="alice" result="allow"' <<<"$output"
}

@test "deactivated in the directory: ssh and su - are refused, the log says why" {
	directory alice-inactive
	log_mark
	run ssh_as alice true
	[ "$status" -ne 0 ]
	run in_ns timeout "$E2E_TIMEOUT" su - alice -c true
	[ "$status" -ne 0 ]
	run log_since
	echo "$output"
	directory
	want='user="alice" result="deny" reason="deactivated in the directory"'
	grep -qF "pam_grouprole(sshd:account): $want directory=\"okta\" groups=\"Engineering, Staff\"" \
		<<<"$output"
	grep -qF "pam_grouprole(su-l:account): $want" <<<"$output"
	grep -qF 'Access denied for user alice by PAM account configuration' "$E2E_DIR/sshd.log"
	# Reactivated, the next login works again.
	run ssh_as alice true
	[ "$status" -eq 0 ]
}

@test "leaving the admin group: the next login has no admin role" {
	directory alice-left-engineering
	log_mark
	run ssh_as alice "$SESSION_PROBE"
	directory
	[ "$status" -eq 0 ]
	[[ "$output" == *"ROLES=dev"$'\n'* || "$output" == *"ROLES=dev" ]]
	if e2e_have_nss; then
		[[ " $output " != *"role-admin"* ]]
	fi
	run log_since
	want='pam_grouprole(sshd:account): user="alice" result="allow" directory="okta" roles="dev" '
	want+='from="dev: group Staff"'
	grep -qF "$want" <<<"$output"
}

@test "leaving the admin group: sudo -n refused, even in an older session (group_source)" {
	need_nss
	local old pid i
	# A session opened while alice still holds admin: it waits for a line.
	mkfifo "$E2E_DIR/go"
	exec 8<>"$E2E_DIR/go"
	ssh_as alice 'echo READY; read line; sudo -n true && echo SUDO=ok || echo SUDO=refused
		echo "GROUPS=$(id -Gn)"' <&8 >"$E2E_DIR/old-session.out" 2>&1 3>&- &
	pid=$!
	for i in $(seq 1 100); do
		grep -q READY "$E2E_DIR/old-session.out" && break
		sleep 0.1
	done
	grep -q READY "$E2E_DIR/old-session.out"

	directory alice-left-engineering
	run ssh_as alice 'sudo -n true && echo SUDO=ok || echo SUDO=refused'
	new=$output
	echo go >&8
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	exec 8>&-
	old=$(cat "$E2E_DIR/old-session.out")
	directory
	echo "new session: $new"
	echo "old session: $old"
	[[ "$new" == *"SUDO=refused"* ]]
	[[ "$old" == *"SUDO=refused"* ]]
	# The old session's kernel groups were fixed at login and still list it.
	[[ "$old" == *"role-admin"* ]]
}

@test "require_role=admin on the sshd service admits only holders of the role" {
	pam_sshd_require_role admin
	log_mark
	run ssh_as alice "$SESSION_PROBE"
	local alice_status=$status alice_output=$output
	run ssh_as bob true
	local bob_status=$status
	run ssh_as dave true
	local dave_status=$status
	run log_since
	pam_sshd_restore
	echo "$output"
	[ "$alice_status" -eq 0 ]
	[[ "$alice_output" == *"ROLES=admin,dev"* ]]
	[ "$bob_status" -ne 0 ]
	[ "$dave_status" -ne 0 ]
	want='result="deny" reason="holds none of the required roles (admin)"'
	grep -qF "pam_grouprole(sshd:account): user=\"bob\" $want directory=\"okta\" roles=\"dev\"" \
		<<<"$output"
	grep -qF "pam_grouprole(sshd:account): user=\"dave\" $want" <<<"$output"
	# Back to the plain service: bob logs in again.
	run ssh_as bob true
	[ "$status" -eq 0 ]
}

@test "deactivated through SCIM: the shipped end-sessions hook ends the live ssh session within 2 s" {
	local token port pid i daemon conf=$E2E_DIR/scimd.conf t0 t1
	# The namespace's configuration, plus the shipped hook (a file of our own: the others stay as they are).
	in_ns cat /etc/grouprole/grouprole.conf >"$conf"
	printf 'event_hook = %s\nevent_hook_timeout = 10\n' "$E2E_SRC/examples/hooks/end-sessions" >>"$conf"
	chmod 644 "$conf"
	token=$(ctl token create --directory okta | tail -n 1)
	# Started directly (not through the in_ns function) so that $! is the daemon itself (nsenter
	# execs it), and with bats's fds closed: a leftover must never hold the test's output open.
	nsenter -t "$(cat "$E2E_DIR/holder.pid")" -m -- "$GR_BUILD/grouprole-scimd" --config "$conf" \
		--listen 127.0.0.1:0 </dev/null >/dev/null 2>"$E2E_DIR/scimd.log" 3>&- &
	daemon=$!
	for i in $(seq 1 100); do
		port=$(sed -n 's/.*listening on .*, port \([0-9]*\)$/\1/p' "$E2E_DIR/scimd.log")
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ]
	# alice's session: open once her shell has printed READY.
	ssh_as alice 'echo READY; exec sleep 600' </dev/null >"$E2E_DIR/live-session.out" 2>&1 3>&- &
	pid=$!
	for i in $(seq 1 200); do
		grep -q READY "$E2E_DIR/live-session.out" && break
		sleep 0.05
	done
	grep -q READY "$E2E_DIR/live-session.out"

	t0=$(date +%s%N)
	status=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X PATCH \
		-H "Authorization: Bearer $token" -H 'Content-Type: application/scim+json' \
		--data-binary '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}' \
		"http://127.0.0.1:$port/scim/v2/okta/Users/u1")
	# The session ends: the ssh client exits (bounded wait well past the requirement).
	for i in $(seq 1 1000); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	t1=$(date +%s%N)
	# $pid is the subshell running ssh_as: on failure, stop its timeout (which stops ssh) too.
	if kill -0 "$pid" 2>/dev/null; then
		pkill -TERM -P "$pid" || true
		kill "$pid" || true
	fi
	wait "$pid" || true
	kill "$daemon"
	wait "$daemon" || true
	directory
	echo "SCIM status $status; session ended after $(( (t1 - t0) / 1000000 )) ms"
	cat "$E2E_DIR/scimd.log"
	[ "$status" = 200 ]
	[ $(( (t1 - t0) / 1000000 )) -lt 2000 ]
	# What ended it: the hook, on the user.deactivated event (no hook failure logged).
	! grep -q "event hook" "$E2E_DIR/scimd.log"
	in_ns "$GR_BUILD/grouprolectl" --config "$conf" events --json >"$E2E_DIR/events.json"
	[ "$(jq -s '[.[] | select(.type == "org.grouprole.user.deactivated" and .data.login == "alice")] | length' \
		"$E2E_DIR/events.json")" -ge 1 ]
}
