#!/usr/bin/env bats
# Directory identities through grouprolectl: login_domains, system accounts,
# stable login ownership, and hostile directory text on the terminal.

load helpers

setup() {
	setup_state
}

teardown() {
	teardown_state
}

# Users and groups as SCIM ListResponse files ($WORK/users.json,
# $WORK/groups.json) from JSON resource texts, users first, then "--", then groups.
docs() {
	local users=() groups=() into=users
	for r in "$@"; do
		if [ "$r" = -- ]; then into=groups; continue; fi
		if [ $into = users ]; then users+=("$r"); else groups+=("$r"); fi
	done
	list_response "${users[@]}" >"$WORK/users.json"
	list_response "${groups[@]}" >"$WORK/groups.json"
}

user() { # ID USERNAME [ACTIVE] [EXTRA JSON MEMBERS]
	printf '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"%s","userName":"%s","active":%s%s}' \
		"$1" "$2" "${3:-true}" "${4:+,$4}"
}

group() { # ID DISPLAYNAME MEMBER...
	local id=$1 name=$2 m=() u
	shift 2
	for u in "$@"; do m+=("{\"value\":\"$u\"}"); done
	local IFS=,
	printf '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"%s","displayName":"%s","members":[%s]}' \
		"$id" "$name" "${m[*]}"
}

import_docs() {
	ctl import --directory corp "$WORK/users.json" "$WORK/groups.json" "$@"
}

# Fail if FILE holds a raw control byte (other than newline), DEL, a C1
# control or a bidi/line-separator code point: what must never reach a terminal.
no_raw_controls() {
	if LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]' "$1"; then
		echo "raw control bytes in $1:"
		od -c "$1" | head -40
		return 1
	fi
}

# The lines of FILE that start with "ok" (a forged success line would), other
# than check's own summary for a host with warnings, which names no user.
no_forged_ok() {
	! grep -n '^ok' "$1" | grep -v '^[0-9]*:ok: database and snapshot are consistent (generation [0-9]*), with warnings$'
}

@test "login_domains: only listed domains map; a contractor cannot claim an employee's name" {
	teardown_state
	LOGIN_DOMAINS_CONF='login_domains = Meridian.Example' setup_state
	ctl directory create corp
	docs "$(user u1 alice@meridian.example)" "$(user u2 alice@contractor.example)" \
		"$(user u3 bob)" -- "$(group g1 Admins u1 u2 u3)"
	run import_docs
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: user alice@contractor.example has no login name: 'alice@contractor.example': domain 'contractor.example' is not in login_domains"* ]]
	[[ "$output" == *"warning: user bob has no login name: 'bob' has no domain; username = localpart maps only names in login_domains"* ]]
	run ctl user show alice
	[ "${lines[0]}" = "user:         alice@meridian.example" ]
	[ "${lines[3]}" = "login:        alice" ]
}

@test "login_domains empty: nobody maps, and each user is told which key is missing" {
	teardown_state
	LOGIN_DOMAINS_CONF= setup_state
	ctl directory create corp
	docs "$(user u1 alice@meridian.example)" -- "$(group g1 Admins u1)"
	run import_docs
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: user alice@meridian.example has no login name: username = localpart maps no user until login_domains lists the accepted domains"* ]]
	run ctl user list --json
	[ "$(echo "$output" | jq -r '.[0].login')" = null ]
}

@test "system accounts never map: a deactivated root cannot touch the host's root" {
	ctl directory create corp
	ctl role create admin
	docs "$(user u1 root@meridian.example false)" "$(user u2 www-data@meridian.example)" \
		"$(user u3 sshd@meridian.example)" "$(user u4 alice@meridian.example)" \
		-- "$(group g1 Admins u1 u2 u3 u4)"
	run import_docs
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: user root@meridian.example has no login name: login name 'root' is a system account on this host"* ]]
	[[ "$output" == *"warning: user www-data@meridian.example has no login name: login name 'www-data' is a system account on this host"* ]]
	[[ "$output" == *"warning: user sshd@meridian.example has no login name: login name 'sshd' is a system account on this host"* ]]
	ctl group roles assign Admins admin
	run --separate-stderr ctl user show root
	[ "$status" -eq 1 ]
	one_line_error "no user 'root'"
	run ctl group show Admins
	[[ "$output" == *"members:      4 (root@meridian.example, www-data@meridian.example, sshd@meridian.example, alice)"* ]]
	run ctl publish
	[[ "$output" == *"1 of 1 users with roles"* ]]
}

@test "login ownership: the holder keeps the name whatever the document order" {
	ctl directory create corp
	docs "$(user u1 alice@meridian.example)" -- "$(group g1 Staff u1)"
	import_docs
	for order in 1 2 1; do
		if [ $order = 1 ]; then
			docs "$(user u1 alice@meridian.example)" "$(user u2 alice@contractor.example)" -- "$(group g1 Staff u1 u2)"
		else
			docs "$(user u2 alice@contractor.example)" "$(user u1 alice@meridian.example)" -- "$(group g1 Staff u2 u1)"
		fi
		run import_docs
		[ "$status" -eq 0 ]
		[[ "$output" == *"warning: user alice@contractor.example has no login name: login name 'alice' is already used by corp/u1"* ]]
		run ctl user show alice
		[ "${lines[0]}" = "user:         alice@meridian.example" ]
	done
	# The holder leaves: the claimant gets the name at the next import.
	docs "$(user u2 alice@contractor.example)" -- "$(group g1 Staff u2)"
	run import_docs --force
	[ "$status" -eq 0 ]
	run ctl user show alice
	[ "${lines[0]}" = "user:         alice@contractor.example" ]
}

@test "hostile directory text is escaped on every text output; JSON stays exact" {
	teardown_state
	EXTRA_CONF='username = attribute:nickName' setup_state
	ctl directory create corp
	ctl role create admin
	# nickName: a newline with a forged success line; an escape sequence;
	# a bidi override.  Group names: a bidi override and a C1 CSI.
	docs "$(user u1 eve@meridian.example true '"nickName":"eve\nok: database and snapshot are consistent (generation 9)"')" \
		"$(user u2 mallory@meridian.example true '"nickName":"m\u001b[2Jx"')" \
		"$(user u3 trent@meridian.example true '"nickName":"adm\u202enimda"')" \
		"$(user u4 alice@meridian.example true '"nickName":"alice"')" \
		-- "$(group g1 'Ops\u202etoor' u1 u2 u3 u4)" "$(group g2 'Dev\u009b2J' u4)"
	import_docs >"$WORK/import.out" 2>&1
	ctl group roles assign g1 admin
	for cmd in "check" "user list" "user show eve@meridian.example" "user show alice" \
		"group list" "group show g1" "group show g2" "role show admin" "org list"; do
		# shellcheck disable=SC2086
		ctl $cmd >>"$WORK/all.out" 2>&1 || true
	done
	cat "$WORK/import.out" >>"$WORK/all.out"
	no_raw_controls "$WORK/all.out"
	no_forged_ok "$WORK/all.out"

	grep -qxF "warning: user eve@meridian.example has no login name: 'eve\\x0aok: database and snapshot are consistent (generation 9)' does not map to a valid Unix login name" "$WORK/import.out"
	grep -qxF "warning: user mallory@meridian.example has no login name: 'm\\x1b[2Jx' does not map to a valid Unix login name" "$WORK/import.out"
	grep -qxF "warning: user trent@meridian.example has no login name: 'adm\\u{202e}nimda' does not map to a valid Unix login name" "$WORK/import.out"
	run ctl check
	[[ "$output" == *"warning: user eve@meridian.example: 'eve\\x0aok: database and snapshot are consistent (generation 9)' does not map to a valid Unix login name"* ]]
	run ctl user show alice
	[ "${lines[5]}" = 'groups:       Ops\u{202e}toor, Dev\u{009b}2J' ]
	[[ "$output" == *'admin            role-admin             from group Ops\u{202e}toor'* ]]
	run ctl group show g2
	[ "${lines[0]}" = 'group:        Dev\u{009b}2J' ]
	run ctl role show admin
	[ "${lines[-1]}" = '  group Ops\u{202e}toor (corp), tenant-wide' ]
	# JSON carries the exact values, as JSON escapes.
	run ctl user show eve@meridian.example --json
	[ "$(echo "$output" | jq -r .login_error)" = "'eve
ok: database and snapshot are consistent (generation 9)' does not map to a valid Unix login name" ]
	run ctl group show g1 --json
	[ "$(echo "$output" | jq -r .displayName)" = $'Ops\u202etoor' ]
}

@test "error messages escape the names they echo, in one line" {
	ctl directory create corp
	run --separate-stderr ctl user show $'x\033[2Jy\nok: fine'
	[ "$status" -eq 1 ]
	[ "$stderr" = "grouprolectl: no user 'x\\x1b[2Jy\\x0aok: fine'" ]
	run --separate-stderr ctl group show $'Ops\u202e'
	[ "$stderr" = "grouprolectl: no group 'Ops\\u{202e}'" ]
	# A document whose group name holds a control character is refused;
	# the message names the group, escaped.
	docs "$(user u1 alice@meridian.example)" -- "$(group g1 'Bad\u0007Name\u202e' u1)"
	run --separate-stderr import_docs
	[ "$status" -eq 1 ]
	[ "$stderr" = 'grouprolectl: group Bad\x07Name\u{202e}: "displayName" is too long or has control characters' ]
}

@test "role names and descriptions: control characters and invalid UTF-8 refused, bounded" {
	for bad in $'Admin\nok: fine' $'Admin\033[2J' $'Admin\u202e' $'Admin\xff' $'Admin\xc2\x9b2J'; do
		run --separate-stderr ctl role create admin --name "$bad"
		[ "$status" -eq 2 ]
		[ "$stderr" = "grouprolectl: --name: expected at most 255 bytes of UTF-8 text without control characters" ]
		run --separate-stderr ctl role create admin --description "$bad"
		[ "$status" -eq 2 ]
		[ "$stderr" = "grouprolectl: --description: expected at most 1023 bytes of UTF-8 text without control characters" ]
	done
	run --separate-stderr ctl role create admin --name "$(printf 'x%.0s' $(seq 256))"
	[ "$status" -eq 2 ]
	run --separate-stderr ctl role create admin --description "$(printf 'x%.0s' $(seq 1024))"
	[ "$status" -eq 2 ]
	[ ! -e "$WORK/state/directory.tdb" ]
	ctl role create admin --name 'Café ☕' --description 'On call, 24/7 \ "EU"'
	run --separate-stderr ctl role update admin --name $'x\ty'
	[ "$status" -eq 2 ]
	run ctl role show admin
	[ "${lines[1]}" = 'name:        Café ☕' ]
	[ "${lines[2]}" = 'description: On call, 24/7 \x5c "EU"' ]
}
