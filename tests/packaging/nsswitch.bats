#!/usr/bin/env bats
# packaging/nsswitch-grouprole on a scratch file: add (group, what the
# packages do), add-passwd (the admin's opt-in for users = yes), remove (the
# inverse of both, byte for byte).
bats_require_minimum_version 1.5.0

: "${GR_SRCDIR:=$BATS_TEST_DIRNAME/../..}"

setup() {
	F=$(mktemp)
	cat >"$F" <<'EOF2'
# an admin's comment
passwd:         files systemd
group:          files [SUCCESS=merge] systemd
shadow:         files
hosts:          files dns
EOF2
	cp "$F" "$F.orig"
}

teardown() {
	rm -f "$F" "$F.orig"
}

helper() {
	sh "$GR_SRCDIR/packaging/nsswitch-grouprole" "$@"
}

@test "add touches the group line only: passwd stays the admin's choice" {
	run -0 helper add "$F"
	[ "$(grep '^group:' "$F")" = "group:          files [SUCCESS=merge] grouprole systemd" ]
	[ "$(grep '^passwd:' "$F")" = "passwd:         files systemd" ]
}

@test "add-passwd adds grouprole after files in the passwd line, once" {
	run -0 helper add-passwd "$F"
	run -0 helper add-passwd "$F"
	[ "$(grep '^passwd:' "$F")" = "passwd:         files grouprole systemd" ]
	[ "$(grep '^group:' "$F")" = "group:          files [SUCCESS=merge] systemd" ]
}

@test "remove takes grouprole out of both lines, back to the original bytes" {
	run -0 helper add "$F"
	run -0 helper add-passwd "$F"
	run -0 helper remove "$F"
	cmp "$F" "$F.orig"
}

@test "an unknown action is a usage error and changes nothing" {
	run -2 helper add-shadow "$F"
	[ "$output" = "usage: nsswitch-grouprole add|remove|add-passwd [FILE]" ]
	cmp "$F" "$F.orig"
}
