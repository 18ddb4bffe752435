#!/usr/bin/env bats
# Directory semantics through grouprolectl: organization roles need
# auto-membership, orphaned admin records stay reachable by SCIM id, the
# import guard counts memberships, incomplete documents are refused, and
# import reports what changed (summary on stdout, warnings on stderr).

load helpers

setup() {
	setup_state
}

teardown() {
	teardown_state
}

BOB=00u1a2b3c4d5e6f7g8h2

# The example company without bob.okafor: users and memberships.
without_bob() {
	jq --arg id "$BOB" 'del(.Resources[] | select(.id == $id)) | .totalResults = 19 | .itemsPerPage = 19' \
		"$GR_SRCDIR/examples/users.json" >"$WORK/u-nobob.json"
	jq --arg id "$BOB" '.Resources[].members |= map(select(.value != $id))' \
		"$GR_SRCDIR/examples/groups.json" >"$WORK/g-nobob.json"
}

@test "organization roles: explicit membership alone grants none" {
	load_example
	ctl org create globex
	ctl org group roles assign globex Engineering admin
	ctl org member add globex bob.okafor
	sed -i 's/^organization = .*/organization = globex/' "$CONF"
	# explicit member, no connection: shown as a member, no organization role
	run ctl user show bob.okafor
	[ "$status" -eq 0 ]
	[[ "$output" == *"organization: globex (explicit member; its group roles need auto-membership on its connection to okta)"* ]]
	[[ "$output" != *"in organization globex"* ]]
	run ctl user show bob.okafor --json
	[ "$(echo "$output" | jq -c '[.organization_member, .organization_roles, [.roles[].slug]]')" = '[true,false,["developer"]]' ]
	# connected with auto-membership off: still none
	ctl org connection enable globex okta --auto-membership off
	run ctl user show bob.okafor --json
	[ "$(echo "$output" | jq -c '[.organization_roles, [.roles[].slug]]')" = '[false,["developer"]]' ]
	# auto-membership on: the role flows, to every Engineering member
	ctl org connection enable globex okta --auto-membership on
	run ctl user show bob.okafor
	[[ "$output" == *"organization: globex (explicit member, auto-membership on)"* ]]
	[[ "$output" == *"admin            role-admin             from group Engineering in organization globex"* ]]
	run ctl user show chen.wei
	[[ "$output" == *"organization: globex (member by auto-membership)"* ]]
	[[ "$output" == *"from group Engineering in organization globex"* ]]
}

@test "user show --organization: roles as a host serving that organization resolves them" {
	load_example
	ctl org create globex
	ctl org group roles assign globex Engineering admin
	run --separate-stderr ctl user show chen.wei --organization globex
	[ "$status" -eq 1 ]
	[ "$stderr" = "grouprolectl: 'chen.wei' is not a member of organization 'globex'" ]
	run --separate-stderr ctl user show chen.wei --organization nosuch
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no organization 'nosuch'"* ]]
	ctl org connection enable globex okta --auto-membership on
	run ctl user show chen.wei --organization globex --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.roles[] | select(.slug == "admin") | .from[]]')" = '[{"group":"Engineering","organization":"globex","source":"organization"}]' ]
	run ctl user show chen.wei --organization globex
	[[ "$output" == *"roles on a host of organization globex:"* ]]
	[[ "$output" == *"from group Engineering in organization globex"* ]]
	# The organization's groups: those of its connected directories, with its roles.
	run ctl org groups globex --json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '[.[] | select(.roles | length > 0) | "\(.displayName)=\(.roles | join("+"))"] | join(",")')" = "Engineering=admin" ]
	[ "$(echo "$output" | jq length)" = "$(ctl --json group list --directory okta | jq length)" ]
	ctl org create empty
	run ctl org groups empty --json
	[ "$output" = "[]" ]
	run --separate-stderr ctl org groups nosuch
	[ "$status" -eq 1 ]
	# Without the option, this host's own organization decides: not globex.
	run ctl user show chen.wei --json
	[ "$(echo "$output" | jq -c '[.roles[].from[] | select(.organization == "globex")]')" = '[]' ]
}

@test "orphaned assignment: listed by id, removed by id" {
	load_example
	ctl assign add bob.okafor admin --resource host:web01
	ctl org member add payments bob.okafor
	without_bob
	ctl import --directory okta "$WORK/u-nobob.json" "$WORK/g-nobob.json"
	run --separate-stderr ctl assign list
	[ "$status" -eq 0 ]
	[[ "$output" == *"$BOB admin            host:web01               never (orphaned: no user $BOB in okta)"* ]]
	run ctl assign list --json
	[ "$(echo "$output" | jq -c --arg id "$BOB" '[.[] | select(.id == $id) | .directory, .orphaned]')" = '["okta",true]' ]
	[ "$(echo "$output" | jq -c '[.[] | select(.orphaned) ] | length')" = 1 ]
	run ctl assign list "$BOB" --json
	[ "$(echo "$output" | jq -c '[.[].role]')" = '["admin"]' ]
	# check names both orphans as warnings, with the command that removes them
	run --separate-stderr ctl check
	[ "$(printf '%s\n' "$output" | grep '^warning: orphaned')" = "warning: orphaned assignment: role admin on host:web01 for user $BOB in 'okta', which no longer exists (remove: grouprolectl assign remove --directory okta $BOB admin --resource host:web01)
warning: orphaned organization member: user $BOB in 'okta' of organization payments no longer exists (remove: grouprolectl org member remove --directory okta payments $BOB)" ]
	run ctl org show payments --json
	[ "$(echo "$output" | jq -c '[.members[] | .id, .orphaned]')" = "[\"$BOB\",true]" ]
	# the login name is gone; the SCIM id reaches the records
	run --separate-stderr ctl assign remove bob.okafor admin --resource host:web01
	[ "$status" -eq 1 ]
	one_line_error "no user 'bob.okafor'"
	run --separate-stderr ctl assign remove "$BOB" admin --resource host:web01 --directory nope
	[ "$status" -eq 1 ]
	one_line_error "no directory 'nope'"
	ctl assign remove "$BOB" admin --resource host:web01 --directory okta
	ctl org member remove payments "$BOB"
	run ctl check --json
	[ "$(echo "$output" | jq -c '[[.warnings[] | select(startswith("orphaned"))], .orphans]')" = '[[],[]]' ]
	[ "$(ctl assign list --json | jq length)" = 2 ]
}

@test "import: a groups document without members is refused without --force" {
	load_example
	jq '.Resources[] |= del(.members)' "$GR_SRCDIR/examples/groups.json" >"$WORK/nomembers.json"
	gen0=$(ctl publish --json | jq .generation)
	run --separate-stderr ctl import --directory okta "$GR_SRCDIR/examples/users.json" "$WORK/nomembers.json"
	[ "$status" -eq 1 ]
	one_line_error "import would remove 21 of 21 memberships in 'okta' (more than 25%); check the documents or use --force"
	[ "$output" = "" ]
	[ "$(ctl publish --json | jq .generation)" = "$gen0" ]
	[ "$(ctl user show alice.nguyen --json | jq -c '[.roles[].slug]')" = '["admin","developer","oncall"]' ]
	run --separate-stderr ctl import --directory okta "$GR_SRCDIR/examples/users.json" "$WORK/nomembers.json" --force
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "imported into 'okta': users 0 added, 0 updated, 0 removed, 20 unchanged; groups 0 added, 6 updated, 0 removed, 0 unchanged; memberships 0 added, 21 removed, 0 in all" ]
}

@test "import: one page of a paged ListResponse is refused and changes nothing" {
	load_example
	ctl export --directory okta "$WORK/u0.json" "$WORK/g0.json"
	# totalResults counts the whole directory, Resources holds one page
	jq '.Resources |= .[0:5] | .itemsPerPage = 5' "$GR_SRCDIR/examples/users.json" >"$WORK/page1.json"
	run --separate-stderr ctl import --directory okta "$WORK/page1.json" "$GR_SRCDIR/examples/groups.json" --force
	[ "$status" -eq 1 ]
	one_line_error "page1.json: incomplete ListResponse: totalResults is 20 but Resources holds 5; import needs the whole directory in one document"
	# a later page that claims to be complete in itself
	jq '.startIndex = 21' "$GR_SRCDIR/examples/users.json" >"$WORK/page2.json"
	run --separate-stderr ctl import --directory okta "$WORK/page2.json" "$GR_SRCDIR/examples/groups.json" --force
	[ "$status" -eq 1 ]
	one_line_error "page2.json: incomplete ListResponse: startIndex is 21 (a later page); import needs the whole directory in one document"
	ctl export --directory okta "$WORK/u1.json" "$WORK/g1.json"
	cmp "$WORK/u0.json" "$WORK/u1.json"
	cmp "$WORK/g0.json" "$WORK/g1.json"
}

@test "import reports what changed; warnings on stderr; --json has the same counts" {
	ctl directory create okta
	run --separate-stderr ctl import --directory okta "$GR_SRCDIR/examples/users.json" "$GR_SRCDIR/examples/groups.json"
	[ "$status" -eq 0 ]
	[ "$stderr" = "warning: user 9tomas@meridian.example has no login name: '9tomas@meridian.example' does not map to a valid Unix login name" ]
	[ "${lines[0]}" = "imported into 'okta': users 20 added, 0 updated, 0 removed, 0 unchanged; groups 6 added, 0 updated, 0 removed, 0 unchanged; memberships 21 added, 0 removed, 21 in all" ]
	[ "${lines[10]}" = "  added user jamal.williams@meridian.example" ]
	[ "${lines[11]}" = "  ... and 10 more added users" ]
	[ "${lines[12]}" = "  added group Engineering" ]
	# identical documents: nothing changed, nothing named
	run --separate-stderr ctl import --directory okta "$GR_SRCDIR/examples/users.json" "$GR_SRCDIR/examples/groups.json"
	[ "$status" -eq 0 ]
	[ "$output" = "imported into 'okta': users 0 added, 0 updated, 0 removed, 20 unchanged; groups 0 added, 0 updated, 0 removed, 6 unchanged; memberships 0 added, 0 removed, 21 in all" ]
	# one user's resource changed, one user removed (and so one membership)
	without_bob
	jq '(.Resources[] | select(.userName == "alice.nguyen@meridian.example") | .name.givenName) = "Al"' \
		"$WORK/u-nobob.json" >"$WORK/u2.json"
	run --separate-stderr ctl import --directory okta "$WORK/u2.json" "$WORK/g-nobob.json"
	[ "$status" -eq 0 ]
	[ "$output" = "imported into 'okta': users 0 added, 1 updated, 1 removed, 18 unchanged; groups 0 added, 1 updated, 0 removed, 5 unchanged; memberships 0 added, 1 removed, 20 in all
  updated user alice.nguyen@meridian.example
  removed user bob.okafor@meridian.example
  updated group Engineering" ]
	run --separate-stderr ctl import --directory okta "$WORK/u2.json" "$WORK/g-nobob.json" --json
	[ "$(echo "$output" | jq -c '[.users, .groups, .memberships]')" = '[{"added":0,"removed":0,"unchanged":19,"updated":0},{"added":0,"removed":0,"unchanged":6,"updated":0},{"added":0,"removed":0,"total":20}]' ]
	[ "$(echo "$output" | jq -c '.unmapped[].userName')" = '"9tomas@meridian.example"' ]
	[ "$stderr" = "warning: user 9tomas@meridian.example has no login name: '9tomas@meridian.example' does not map to a valid Unix login name" ]
}

@test "import names are escaped on the terminal" {
	ctl directory create okta
	list_response '{"id":"u1","userName":"eve@x.com"}' >"$WORK/u.json"
	list_response '{"id":"g1","displayName":"Evil\u202eliam","members":[{"value":"u1"}]}' >"$WORK/g.json"
	run --separate-stderr ctl import --directory okta "$WORK/u.json" "$WORK/g.json"
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = '  added group Evil\u{202e}liam' ]
}
