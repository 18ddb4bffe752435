#!/usr/bin/env bats
# grouprolectl: behaviour, output and errors, against a private state dir.

load helpers

setup() {
	setup_state
}

teardown() {
	teardown_state
}

@test "usage errors exit 2 with one line on stderr" {
	run --separate-stderr ctl frobnicate
	[ "$status" -eq 2 ]
	one_line_error "unknown command 'frobnicate'"

	run --separate-stderr ctl role create
	[ "$status" -eq 2 ]
	one_line_error "usage: role create SLUG"

	run --separate-stderr ctl role list --force
	[ "$status" -eq 2 ]
	one_line_error "option --force does not apply"

	run --separate-stderr ctl role create admin --bogus
	[ "$status" -eq 2 ]
	one_line_error "unknown or incomplete option '--bogus'"

	run --separate-stderr ctl role create 'Bad Slug'
	[ "$status" -eq 2 ]
	one_line_error "invalid role slug 'Bad Slug'"
	[ ! -e "$WORK/state/directory.tdb" ]
}

@test "reads on a host without a database say so" {
	run --separate-stderr ctl role list
	[ "$status" -eq 1 ]
	one_line_error "no database in $WORK/state yet"
}

@test "role create allocates gids once and lists them" {
	run ctl role create admin --priority 100 --name "Administrator"
	[ "$status" -eq 0 ]
	[ "$output" = "created role admin: group role-admin, gid 200000" ]
	ctl role create dev
	ctl role delete dev
	run ctl role create dev
	# the deleted role's gid stays retired
	[ "$output" = "created role dev: group role-dev, gid 200002" ]
	run ctl role list
	[ "${lines[0]}" = "SLUG   NAME           PRIORITY  UNIX GROUP  GID" ]
	[ "${lines[1]}" = "admin  Administrator  100       role-admin  200000" ]
	[ "${lines[2]}" = "dev    dev            0         role-dev    200002" ]
	run ctl role list --json
	[ "$(echo "$output" | jq -r '.[1].gid')" = 200002 ]

	run --separate-stderr ctl role create admin
	[ "$status" -eq 1 ]
	one_line_error "role 'admin' already exists"
	run --separate-stderr ctl role create sudoers --unix-group sudo
	[ "$status" -eq 1 ]
	one_line_error "'sudo' is a reserved system group"
	run --separate-stderr ctl role create wide --priority 99999999
	[ "$status" -eq 2 ]
	one_line_error "--priority: expected a number"
}

@test "import, then user show explains every role" {
	load_example
	run ctl user show alice.nguyen
	[ "$status" -eq 0 ]
	[[ "$output" == *"organization: payments (member by auto-membership)"* ]]
	[[ "$output" == *"admin            role-admin             from group SRE"* ]]
	[[ "$output" == *"oncall           role-oncall            from group Engineering in organization payments; group SRE"* ]]
	run ctl user show dave.miller --json
	[ "$(echo "$output" | jq -r '[.roles[].slug] | join(",")')" = "developer,oncall" ]
	[ "$(echo "$output" | jq -r '.roles[1].from[0].resource')" = "hostgroup:payments-web" ]
	run ctl user show frank.rossi --json
	[ "$(echo "$output" | jq -r '.active')" = false ]
	[ "$(echo "$output" | jq -r '.roles | length')" = 0 ]
	# userName and SCIM id find the same user as the login name
	run ctl user show BOB.OKAFOR@meridian.example --json
	[ "$(echo "$output" | jq -r '.login')" = bob.okafor ]
	run ctl user show 00u1a2b3c4d5e6f7g8h2 --json
	[ "$(echo "$output" | jq -r '.login')" = bob.okafor ]
	run --separate-stderr ctl user show nobody
	[ "$status" -eq 1 ]
	one_line_error "no user 'nobody'"
}

@test "an unmappable userName is reported, not guessed" {
	ctl directory create okta
	run ctl import --directory okta "$GR_SRCDIR/examples/users.json" "$GR_SRCDIR/examples/groups.json"
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: user 9tomas@meridian.example has no login name"* ]]
	run ctl user list --json
	[ "$(echo "$output" | jq -r '.[] | select(.userName=="9tomas@meridian.example") | .login')" = null ]
	# a warning, not a problem: check exits 4, so monitoring can tell
	run ctl check
	[ "$status" -eq 4 ]
	[[ "$output" == *"warning: user 9tomas@meridian.example"* ]]
}

@test "a bad document changes nothing" {
	load_example
	ctl export --directory okta "$WORK/u0.json" "$WORK/g0.json"
	gen0=$(ctl publish --json | jq .generation)

	echo '{"schemas": [' >"$WORK/broken.json"
	run --separate-stderr ctl import --directory okta "$WORK/broken.json" "$GR_SRCDIR/examples/groups.json"
	[ "$status" -eq 1 ]
	one_line_error "broken.json:"

	list_response '{"id":"x1"}' >"$WORK/nouser.json"
	run --separate-stderr ctl import --directory okta "$WORK/nouser.json" "$GR_SRCDIR/examples/groups.json"
	[ "$status" -eq 1 ]
	one_line_error 'missing "userName"'

	list_response '{"id":"g1","displayName":"X","members":[{"value":"ghost"}]}' >"$WORK/ghost.json"
	run --separate-stderr ctl import --directory okta "$GR_SRCDIR/examples/users.json" "$WORK/ghost.json"
	[ "$status" -eq 1 ]
	one_line_error "member 'ghost' is not among the users"

	gen1=$(ctl publish --json | jq .generation)
	[ "$gen0" = "$gen1" ]
	ctl export --directory okta "$WORK/u1.json" "$WORK/g1.json"
	cmp "$WORK/u0.json" "$WORK/u1.json"
	cmp "$WORK/g0.json" "$WORK/g1.json"
}

@test "an import that would delete most of the directory needs --force" {
	load_example
	list_response '{"id":"00u1a2b3c4d5e6f7g8h1","userName":"alice.nguyen@meridian.example"}' >"$WORK/one.json"
	list_response >"$WORK/nogroups.json"
	run --separate-stderr ctl import --directory okta "$WORK/one.json" "$WORK/nogroups.json"
	[ "$status" -eq 1 ]
	one_line_error "import would remove 25 of 26 users and groups"
	[ "$(ctl user list --json | jq length)" = 20 ]
	run ctl import --directory okta "$WORK/one.json" "$WORK/nogroups.json" --force
	[ "$status" -eq 0 ]
	[[ "$output" == *"users 0 added, 1 updated, 19 removed, 0 unchanged; groups 0 added, 0 updated, 6 removed, 0 unchanged"* ]]
	[ "$(ctl user list --json | jq length)" = 1 ]
}

@test "group renames keep their roles; export round-trips" {
	load_example
	jq '(.Resources[] | select(.displayName=="SRE") | .displayName) = "Site Reliability"' \
		"$GR_SRCDIR/examples/groups.json" >"$WORK/renamed.json"
	ctl import --directory okta "$GR_SRCDIR/examples/users.json" "$WORK/renamed.json"
	run ctl group roles list "Site Reliability"
	[ "$output" = "$(printf 'admin\noncall')" ]
	run --separate-stderr ctl group show SRE
	[ "$status" -eq 1 ]
	one_line_error "no group 'SRE'"

	ctl export --directory okta "$WORK/u.json" "$WORK/g.json"
	ctl directory create copy
	ctl import --directory copy "$WORK/u.json" "$WORK/g.json" >/dev/null
	ctl export --directory copy "$WORK/u2.json" "$WORK/g2.json"
	cmp "$WORK/u.json" "$WORK/u2.json"
	cmp "$WORK/g.json" "$WORK/g2.json"
	# without files, one JSON object with both lists
	run ctl export --directory okta
	[ "$(echo "$output" | jq '.users.totalResults, .groups.totalResults' | tr '\n' ' ')" = "20 6 " ]
}

@test "group and organization role mappings" {
	load_example
	run --separate-stderr ctl group roles assign Finance nosuchrole
	[ "$status" -eq 1 ]
	one_line_error "no role 'nosuchrole'"
	ctl group roles remove Finance viewer
	run ctl group roles list Finance
	[ "$output" = "" ]
	run ctl org group roles list payments Engineering
	[ "$output" = "oncall" ]
	run ctl group show Engineering --json
	[ "$(echo "$output" | jq -r '.organization_roles.payments[0]')" = oncall ]
	[ "$(echo "$output" | jq -r '.members | length')" = 9 ]
	run --separate-stderr ctl org group roles assign nosuchorg Engineering admin
	[ "$status" -eq 1 ]
	one_line_error "no organization 'nosuchorg'"
	run ctl org show research --json
	[ "$(echo "$output" | jq -r '[.members[].user] | join(",")')" = "erin.schmidt,noah.fischer" ]
	[ "$(echo "$output" | jq -r '.connections.okta.auto_membership')" = true ]
}

@test "assignments: expiry, validation, listing" {
	load_example
	run --separate-stderr ctl assign add bob.okafor admin --resource host:web01 --expires yesterday
	[ "$status" -eq 2 ]
	one_line_error "--expires: expected"
	run --separate-stderr ctl assign add bob.okafor admin --resource host:web01 --expires 2001-01-01
	[ "$status" -eq 1 ]
	one_line_error "is in the past"
	run --separate-stderr ctl assign add bob.okafor admin --resource server:web01
	[ "$status" -eq 1 ]
	one_line_error "invalid resource 'server:web01'"
	run --separate-stderr ctl assign add bob.okafor admin
	[ "$status" -eq 2 ]
	one_line_error "--resource RES is required"
	ctl assign add bob.okafor admin --resource host:web01 --expires 2099-01-01
	run ctl user show bob.okafor
	[[ "$output" == *"admin            role-admin             from assignment on host:web01 until 2099-01-01T00:00:00Z"* ]]
	run ctl assign list bob.okafor --json
	[ "$(echo "$output" | jq -r '.[0].expires')" = 4070908800 ]
	ctl assign remove bob.okafor admin --resource host:web01
	run ctl user show bob.okafor --json
	[ "$(echo "$output" | jq -r '[.roles[].slug] | join(",")')" = "developer,oncall" ]
}

@test "policy: single role, default role, deleting the default role is refused" {
	load_example
	ctl policy set multiple-roles off
	run ctl user show alice.nguyen --json
	[ "$(echo "$output" | jq -r '[.roles[].slug] | join(",")')" = "admin" ]
	run ctl policy show
	[ "${lines[0]}" = "multiple-roles: off" ]
	[ "${lines[1]}" = "default-role:   viewer" ]
	run ctl user show rosa.martinez --json
	[ "$(echo "$output" | jq -r '.roles[0].from[0].source')" = default ]
	run --separate-stderr ctl role delete viewer
	[ "$status" -eq 1 ]
	one_line_error "role 'viewer' is the default role"
	run --separate-stderr ctl policy set multiple-roles maybe
	[ "$status" -eq 2 ]
	one_line_error "expected on or off"
}

@test "token create --json gives the secret once; list and revoke never show it" {
	# What the console drives: token create/list/revoke with --json.
	ctl directory create okta
	run --separate-stderr ctl --json token create --directory okta --description "Okta push" --expires +30d
	[ "$status" -eq 0 ]
	id=$(echo "$output" | jq -r .id)
	secret=$(echo "$output" | jq -r .token)
	[[ "$secret" == grs_"$id"_* ]]
	[ "$(echo "$output" | jq -r 'keys | join(",")')" = "id,token" ]

	# The plain form is unchanged: the secret alone on the last line of stdout.
	run --separate-stderr ctl token create --directory okta
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == "token "*" for directory okta, no expiry" ]]
	[[ "${lines[1]}" == grs_* ]]
	plain=${lines[1]}

	run --separate-stderr ctl --json token list --directory okta
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq length)" -eq 2 ]
	[ "$(echo "$output" | jq -r --arg id "$id" '.[] | select(.id == $id) | [.kind, .directory, .description] | join(",")')" = "scim,okta,Okta push" ]
	[ "$(echo "$output" | jq -r --arg id "$id" '.[] | select(.id == $id) | .expires - .created')" -eq $((30 * 86400)) ]
	[ "$(echo "$output" | jq '[.[] | has("hash") or has("token")] | any')" = false ]
	[[ "$output" != *"${secret#grs_"$id"_}"* && "$output" != *"${plain##*_}"* ]]

	run --separate-stderr ctl --json token revoke "$id"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run --separate-stderr ctl --json token list --directory okta
	[ "$(echo "$output" | jq length)" -eq 1 ]
	[ "$(echo "$output" | jq --arg id "$id" '[.[] | select(.id == $id)] | length')" -eq 0 ]
}

@test "every change republishes; check notices a missing or stale snapshot" {
	load_example
	run ctl check --json
	[ "$(echo "$output" | jq -r '.problems | map(select(startswith("snapshot"))) | length')" = 0 ]
	rm "$WORK/state/nss.tdb"
	run ctl check
	[ "$status" -eq 1 ]
	[[ "$output" == *"missing (run 'grouprolectl publish')"* ]]
	ctl group roles assign Finance analyst
	[ -f "$WORK/state/nss.tdb" ]
	[ "$(stat -c %a "$WORK/state/nss.tdb")" = 644 ]
	[ "$(stat -c %a "$WORK/state/directory.tdb")" = 600 ]
}

@test "unsafe state and bad configuration are refused" {
	ctl directory create okta
	chmod 777 "$WORK/state"
	run --separate-stderr ctl role list
	[ "$status" -eq 1 ]
	one_line_error "writable by group or others (mode 0777)"
	chmod 755 "$WORK/state"
	chmod 666 "$WORK/state/directory.tdb"
	run --separate-stderr ctl role list
	[ "$status" -eq 1 ]
	one_line_error "directory.tdb: writable by group or others"
	chmod 600 "$WORK/state/directory.tdb"

	echo "gid_min = 12" >>"$CONF"  # line 7: after the fixture's login_domains line
	run --separate-stderr ctl role list
	[ "$status" -eq 1 ]
	one_line_error "grouprole.conf:7: gid_min: must be a number from 1000"
	run --separate-stderr "$GR_BUILD/grouprolectl" --config "$WORK/nonexistent.conf" role list
	[ "$status" -eq 1 ]
	one_line_error "nonexistent.conf: No such file or directory"
}

@test "write errors on stdout are reported" {
	[ -w /dev/full ] || skip "no /dev/full"
	ctl role create admin
	run --separate-stderr ctl role list --json
	run --separate-stderr bash -c "'$GR_BUILD/grouprolectl' --config '$CONF' role list >/dev/full"
	[ "$status" -eq 1 ]
	one_line_error "cannot write output"
}
