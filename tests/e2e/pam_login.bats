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
	export E2E_SRC=${GR_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	export GR_BUILD=${GR_BUILD:-$E2E_SRC/build}
	local tool
	E2E_SKIP=""
	# Root and namespaces are checked (and reported) by ns_require_root in setup.
	if [ "$(id -u)" != 0 ] || ! unshare --mount true 2>/dev/null; then
		E2E_SKIP="no namespace"
	else
		for tool in nsenter /usr/sbin/sshd ssh ssh-keygen su login script sudo
		do
			command -v "$tool" >/dev/null 2>&1 || E2E_SKIP="$E2E_SKIP missing $tool;"
		done
	fi
	export E2E_SKIP
	[ -z "$E2E_SKIP" ] || return 0
	# Under SANITIZE the Makefile builds uninstrumented copies of the modules
	# for host programs (GR_HOST_MODULES): sshd, su, login and sudo do not
	# carry the sanitizer runtime, and setuid su and sudo ignore LD_PRELOAD.
	# The sanitizers cover the modules in tests/module.
	export E2E_MODULES=${GR_HOST_MODULES:-$GR_BUILD}
	e2e_start
}

teardown_file() {
	e2e_stop
}

setup() {
	# Not root, or no mount namespaces: skip with the reason, fail under CI=true.
	ns_require_root
	if [ -n "$E2E_SKIP" ]; then
		if [ "${CI:-}" = true ]; then
			echo "CI=true: cannot skip: $E2E_SKIP" >&2
			return 1
		fi
		skip "$E2E_SKIP"
	fi
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
