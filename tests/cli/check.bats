#!/usr/bin/env bats
# grouprolectl: exit status and state -- check's problems and warnings, a
# commit that was not published, stale temporary files, the database's mode,
# explicit gids.

load helpers

setup() {
	setup_state
	ctl directory create okta >/dev/null
	ctl org create payments >/dev/null
	ctl role create admin >/dev/null
	STATE="$WORK/state"
}

teardown() {
	teardown_state
}

users_with_unmappable() {
	list_response '{"id":"u1","userName":"alice@meridian.example"}' '{"id":"u2","userName":"9tomas@meridian.example"}' >"$WORK/u.json"
	list_response >"$WORK/g.json"
	ctl import --directory okta "$WORK/u.json" "$WORK/g.json" >/dev/null 2>&1
}

@test "check: a sound host is exit 0 and one ok line" {
	run --separate-stderr ctl check
	[ "$status" -eq 0 ]
	[ "$output" = "ok: database and snapshot are consistent (generation 4)" ]
	[ "$stderr" = "" ]
	run ctl check --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.ok, .generation, .problems, .warnings]')" = '[true,4,[],[]]' ]
}

@test "check: unmappable users are warnings (exit 4), not problems" {
	users_with_unmappable
	run ctl check
	[ "$status" -eq 4 ]
	[ "${lines[0]}" = "warning: user 9tomas@meridian.example: '9tomas@meridian.example' does not map to a valid Unix login name" ]
	[ "${lines[1]}" = "ok: database and snapshot are consistent (generation 5), with warnings" ]
	[ "${#lines[@]}" -eq 2 ]
	run ctl check --json
	[ "$status" -eq 4 ]
	[ "$(echo "$output" | jq -c '[.ok, (.problems | length), (.warnings | length)]')" = '[true,0,1]' ]
}

@test "check: a problem beside warnings is exit 1" {
	users_with_unmappable
	rm "$STATE/nss.tdb"
	run ctl check
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "problem: snapshot $STATE/nss.tdb: missing (run 'grouprolectl publish')" ]
	[ "${lines[1]}" = "warning: user 9tomas@meridian.example: '9tomas@meridian.example' does not map to a valid Unix login name" ]
	[ "${#lines[@]}" -eq 2 ]
	run ctl check --json
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -c '[.ok, (.problems | length), (.warnings | length)]')" = '[false,1,1]' ]
}

@test "check: a corrupt hash table is a problem" {
	ctl check >/dev/null
	# Chain 1000's head (the hash table starts at byte 168): a pointer to nowhere.
	printf '\x00\x10\x00\x00' | dd of="$STATE/directory.tdb" bs=1 seek=$((168 + 4 * 1000)) conv=notrunc status=none
	run ctl check
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "problem: directory.tdb fails libtdb's integrity check: Hashes do not match records" ]
}

@test "a commit whose publish fails exits 3; the next command publishes" {
	# A directory where the snapshot goes: installing it fails.
	rm "$STATE/nss.tdb"
	mkdir "$STATE/nss.tdb"
	run --separate-stderr ctl role create dev
	[ "$status" -eq 3 ]
	one_line_error "grouprolectl: change committed, but not published: cannot install $STATE/nss.tdb: Is a directory; the next grouprolectl command publishes it (or run 'grouprolectl publish')"
	# The change is in: PAM sees it.
	[ "$(ctl role list --json 2>/dev/null | jq -r '.[1].slug')" = dev ]
	run ctl check
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "problem: snapshot $STATE/nss.tdb: "* ]]
	# a read says once that it could not catch up, and still answers
	run --separate-stderr ctl role show dev
	[ "$status" -eq 0 ]
	one_line_error "grouprolectl: warning: the NSS snapshot is behind the database and publishing failed: cannot install $STATE/nss.tdb: Is a directory"

	rmdir "$STATE/nss.tdb"
	run --separate-stderr ctl role list
	[ "$status" -eq 0 ]
	[ "$stderr" = "grouprolectl: published generation 5 (the NSS snapshot was missing or unreadable)" ]
	run ctl check
	[ "$status" -eq 0 ]
	[ "$output" = "ok: database and snapshot are consistent (generation 5)" ]
}

@test "a snapshot older than the store is published by the next command, not by check" {
	cp -p "$STATE/nss.tdb" "$WORK/old.tdb"
	ctl role create dev >/dev/null
	cp -p "$WORK/old.tdb" "$STATE/nss.tdb"
	run ctl check
	[ "$status" -eq 1 ]
	[ "$output" = "problem: snapshot is from generation 4, the directory is at 5 (run 'grouprolectl publish')" ]
	run --separate-stderr ctl role show dev
	[ "$status" -eq 0 ]
	[ "$stderr" = "grouprolectl: published generation 5 (the NSS snapshot was at 4)" ]
	# Once: in step again, nothing more to say.
	run --separate-stderr ctl role show dev
	[ "$stderr" = "" ]
	run ctl check
	[ "$status" -eq 0 ]
}

@test "stale temporary snapshot files are removed under the lock and reported" {
	touch "$STATE/.nss.tdb.AbC123" "$STATE/.login.tdb.xYz789" "$STATE/.nss.tdb.keep-me"
	run ctl check
	[ "$status" -eq 4 ]
	[ "${lines[0]}" = "warning: removed 2 temporary snapshot file(s) left by a publish that did not finish" ]
	[ ! -e "$STATE/.nss.tdb.AbC123" ]
	[ ! -e "$STATE/.login.tdb.xYz789" ]
	[ -e "$STATE/.nss.tdb.keep-me" ]
	run ctl check
	[ "$status" -eq 0 ]
	# publishing removes them too
	touch "$STATE/.nss.tdb.AbC123"
	ctl publish >/dev/null
	[ ! -e "$STATE/.nss.tdb.AbC123" ]
}

@test "a database readable by others is repaired to 0600, and said so" {
	chmod 644 "$STATE/directory.tdb"
	run --separate-stderr ctl role list
	[ "$status" -eq 0 ]
	[ "$stderr" = "grouprolectl: warning: $STATE/directory.tdb was readable by others (mode 0644); it is 0600 now" ]
	[ "$(stat -c %a "$STATE/directory.tdb")" = 600 ]
	chmod 640 "$STATE/directory.tdb"
	run --separate-stderr ctl check
	[ "$status" -eq 4 ]
	[ "${lines[0]}" = "warning: directory.tdb was readable by others (mode 0640); it is 0600 now" ]
	[ "$(stat -c %a "$STATE/directory.tdb")" = 600 ]
}

@test "a 0600 database is left untouched" {
	before=$(stat -c '%a %z' "$STATE/directory.tdb")
	run --separate-stderr ctl role list
	[ "$stderr" = "" ]
	ctl check >/dev/null
	[ "$(stat -c '%a %z' "$STATE/directory.tdb")" = "$before" ]
}

@test "role create --gid refuses reserved and out-of-range gids; binding keeps the host's" {
	for gid in 4294967295 4294967294 65535 65534 0 999; do
		run --separate-stderr ctl role create x --gid "$gid"
		[ "$status" -eq 1 ]
		one_line_error "grouprolectl: gid $gid is reserved"
	done
	run --separate-stderr ctl role create x --gid 300000
	[ "$status" -eq 1 ]
	one_line_error "grouprolectl: gid 300000 is outside gid_min..gid_max (200000-299999)"
	run --separate-stderr ctl role create x --gid 199999
	[ "$status" -eq 1 ]
	one_line_error "gid 199999 is outside gid_min..gid_max (200000-299999)"
	run --separate-stderr ctl role create x --gid -1
	[ "$status" -eq 2 ]
	one_line_error "--gid: expected a number from 0 to 4294967295"
	[ "$(ctl role list --json | jq length)" = 1 ]

	run ctl role create x --gid 299999
	[ "$status" -eq 0 ]
	[ "$output" = "created role x: group role-x, gid 299999" ]
	gid=$(getent group users | cut -d: -f3)
	run ctl role create everyone --unix-group users --bind --gid "$gid"
	[ "$status" -eq 0 ]
	[ "$output" = "created role everyone: group users, gid $gid (bound to the host group)" ]
}

@test "check: a missing or stale login snapshot (what PAM reads) is a problem" {
	rm "$STATE/login.tdb"
	run ctl check
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "problem: login snapshot login.tdb: missing, PAM applies fail= (run 'grouprolectl publish')" ]
	ctl publish >/dev/null
	run ctl check
	[ "$status" -eq 0 ]
	chmod 644 "$STATE/login.tdb"
	run ctl check
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "problem: login snapshot: "* ]]
}
