#!/usr/bin/env bats
# store = ldap end to end: a writer host (grouprolectl, grouprole-scimd)
# whose changes go to real slapd providers (ldap_helpers.bash) before they
# are committed to its own directory.tdb, and a host that follows the
# replica with grouprole-sync and serves them through the NSS module
# (nss_wrapper).  Every wait is bounded; none is a timing assertion.

load ../module/nss_helpers
load ../integration/daemon_helpers
load ldap_helpers
load sync_data
load sync_helpers

SCIM_USER='urn:ietf:params:scim:schemas:core:2.0:User'

setup_file() {
	need_slapd
	start_ldap_set
	# What the identity provider pushed before: two users and a group, as the fleet holds them.
	{
		ldif_directory
		ldif_user u1 alice.nguyen@meridian.example true
		ldif_user u2 bob.okafor@meridian.example true
		ldif_group g1 Engineers u1 u2
	} | as writer ldapadd -H "$(url p1)" >/dev/null
}

teardown_file() {
	stop_ldap_set
}

setup() {
	need_slapd
	# The host: follows the replica first, as every host does.
	setup_sync_host
	# The writer host: its own working copy, kept in step by its own grouprole-sync.
	WCONF=$WORK/writer.conf
	sed "s|^state_dir = .*|state_dir = $WORK/wstate|" "$CONF" >"$WCONF"
	sed -i "s|^ldap_uri = .*|ldap_uri = $(url p1) $(url p2)|" "$WCONF"
	cat >>"$WCONF" <<C
store = ldap
ldap_writer_secret_file = $LDT/sec/writer.secret
C
	chmod 644 "$WCONF"
	run "$GR_BUILD/grouprole-sync" --config "$WCONF" --once
	[ "$status" -eq 0 ]
}

teardown() {
	stop_daemon
	stop_sync
	# A test that stopped providers leaves them running again.
	[ -e "$LDT/p1.pid" ] || start_server p1
	[ -e "$LDT/p2.pid" ] || start_server p2
	teardown_nss_state
}

wctl() {
	"$GR_BUILD/grouprolectl" --config "$WCONF" "$@"
}

# The LDIF of DN on server NAME, as the replicator reads it (no wait).
entry() { # NAME DN
	as replicator ldapsearch -LLL -o ldif-wrap=no -H "$(url "$1")" -s base -b "$2" 2>/dev/null || true
}

# Wait until DN is not on server NAME (bounded: 20 s).
wait_gone() { # NAME DN
	for _ in $(seq 200); do
		[[ "$(entry "$1" "$2")" != *"dn: "* ]] && return 0
		sleep 0.1
	done
	echo "$1 still has $2" >&2
	return 1
}

@test "grouprolectl: a role and a group's role mapping reach both providers, the replica and a host" {
	run wctl role create ops --priority 20
	[ "$status" -eq 0 ]
	run wctl group roles assign Engineers ops --directory corp
	[ "$status" -eq 0 ]
	# Acknowledged means on the provider that answered: p1, the first.
	[[ "$(entry p1 "grId=ops,ou=roles,$B")" == *'"slug":"ops"'* ]]
	[[ "$(entry p1 "grId=g1,ou=mappings,grName=corp,$B")" == *"grRole: ops"* ]]
	wait_for p2 replicator "grId=g1,ou=mappings,grName=corp,$B" "(objectClass=*)" "grRole: ops"
	wait_for r1 hosts "ou=roles,$B" "(grId=ops)" '"gid":'
	# The host converges to the same role, with the writer's gid.
	gid=$(wctl --json role show ops | jq -r .gid)
	start_sync
	wait_group alice.nguyen,bob.okafor role-ops
	[ "$(nw getent group role-ops | cut -d: -f3)" = "$gid" ]
	# The writer's own grouprole-sync applies the entries back unchanged: nothing is skipped.
	run "$GR_BUILD/grouprole-sync" --config "$WCONF" --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"refresh applied: "*", 0 skipped"* ]]
	# A removal is a single value, then no mapping entry at all.
	run wctl group roles remove Engineers ops --directory corp
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "grId=g1,ou=mappings,grName=corp,$B")" != *grId* ]]
	run wctl role delete ops
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "grId=ops,ou=roles,$B")" != *grId* ]]
	wait_group "" role-ops || ! nw getent group role-ops
}

# Wait until CMD's output on the host (ctl) is WANT (bounded: 20 s).
wait_host() { # WANT CMD...
	local want=$1 got
	shift
	for _ in $(seq 200); do
		got=$(ctl "$@" 2>&1) && [ "$got" = "$want" ] && return 0
		sleep 0.1
	done
	printf 'host: %s\n got: %s\nwant: %s\n' "$*" "$got" "$want" >&2
	return 1
}

@test "grouprolectl: an organization, its connection, members and group roles reach the providers and a host" {
	ORG="grName=payments,ou=organizations,$B"
	MAP="grId=g1,ou=mappings,grName=corp,$B"
	wctl role create pay-ops --priority 20 >/dev/null
	run wctl org create payments
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$ORG")" == *"objectClass: grOrganization"*'"name":"payments"'* ]]
	run wctl org connection enable payments corp --auto-membership on
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$ORG")" == *'"connections":{"corp":{"auto_membership":true}}'* ]]
	run wctl org member add payments u2 --directory corp
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$ORG")" == *"grMember: corp/u2"* ]]
	# A group with organization roles only still has its mapping entry, with no grRole.
	run wctl org group roles assign payments Engineers pay-ops --directory corp
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$MAP")" == *"grOrgRole: payments pay-ops"* ]]
	[[ "$(entry p1 "$MAP")" != *"grRole:"* ]]
	wait_for r1 hosts "$MAP" "(objectClass=*)" "grOrgRole: payments pay-ops"
	# The host serves organization payments: the group's members get the role.
	start_sync
	wait_group alice.nguyen,bob.okafor role-pay-ops
	wait_host "$(wctl --json org show payments)" --json org show payments
	wait_host "$(wctl --json org group roles list payments Engineers --directory corp)" \
		--json org group roles list payments Engineers --directory corp
	# The writer's own grouprole-sync applies the entries back unchanged: nothing is skipped.
	run "$GR_BUILD/grouprole-sync" --config "$WCONF" --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"refresh applied: "*", 0 skipped"* ]]
	# Tenant and organization roles share the entry; removing one kind leaves the other.
	wctl group roles assign Engineers pay-ops --directory corp >/dev/null
	[[ "$(entry p1 "$MAP")" == *"grRole: pay-ops"*"grOrgRole: payments pay-ops"* ]] ||
		[[ "$(entry p1 "$MAP")" == *"grOrgRole: payments pay-ops"*"grRole: pay-ops"* ]]
	wctl group roles remove Engineers pay-ops --directory corp >/dev/null
	[[ "$(entry p1 "$MAP")" == *"grOrgRole: payments pay-ops"* ]]
	[[ "$(entry p1 "$MAP")" != *"grRole:"* ]]
	# Removals: each one propagates, and the last role takes the mapping entry with it.
	run wctl org group roles remove payments Engineers pay-ops --directory corp
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$MAP")" != *"dn: "* ]]
	wait_group "" role-pay-ops
	wait_host "[]" --json org group roles list payments Engineers --directory corp
	run wctl org member remove payments u2 --directory corp
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$ORG")" != *"grMember:"* ]]
	run wctl org connection disable payments corp
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$ORG")" == *'"connections":{}'* ]]
	wait_host "$(wctl --json org show payments)" --json org show payments
	[ "$(ctl --json org show payments | jq -c '[.connections, .members]')" = '[{},[]]' ]
	run wctl org delete payments
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$ORG")" != *"dn: "* ]]
	wait_host "[]" --json org list
	wctl role delete pay-ops >/dev/null
}

@test "an organization's deletion takes its group roles' values with it, everywhere" {
	MAP="grId=g1,ou=mappings,grName=corp,$B"
	wctl role create auditor --priority 5 >/dev/null
	wctl org create payments >/dev/null
	wctl org connection enable payments corp --auto-membership on >/dev/null
	wctl org group roles assign payments Engineers auditor --directory corp >/dev/null
	wctl group roles assign Engineers auditor --directory corp >/dev/null
	start_sync
	wait_host "$(wctl --json org group roles list payments Engineers --directory corp)" \
		--json org group roles list payments Engineers --directory corp
	run wctl org delete payments
	[ "$status" -eq 0 ]
	# The tenant role stays on the entry; the organization's value is gone.
	[[ "$(entry p1 "$MAP")" == *"grRole: auditor"* ]]
	[[ "$(entry p1 "$MAP")" != *"grOrgRole:"* ]]
	wait_host "[]" --json org list
	wait_host "$(wctl --json group roles list Engineers --directory corp)" --json group roles list Engineers --directory corp
	wctl group roles remove Engineers auditor --directory corp >/dev/null
	[[ "$(entry p1 "$MAP")" != *"dn: "* ]]
	wctl role delete auditor >/dev/null
}

@test "grouprolectl: a user's resource assignments reach the providers and a host, and their removal too" {
	A="grId=u2,ou=assignments,grName=corp,$B"
	wctl role create deploy --priority 15 >/dev/null
	run wctl assign add u2 deploy --resource host:web01 --expires +7d --directory corp
	[ "$status" -eq 0 ]
	# The directory's entry predates ou=assignments: the writer adds the container.
	[[ "$(entry p1 "$A")" == *"objectClass: grAssignments"*'grAssignment: {"expires":'*',"resource":"host:web01","role":"deploy"}'* ]]
	run wctl assign add u2 deploy --resource hostgroup:elsewhere --directory corp
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$A")" == *"hostgroup:elsewhere"*"host:web01"* ]] ||
		[[ "$(entry p1 "$A")" == *"host:web01"*"hostgroup:elsewhere"* ]]
	wait_for r1 hosts "$A" "(objectClass=*)" "hostgroup:elsewhere"
	# The host is web01: bob gets the role there.
	start_sync
	wait_group bob.okafor role-deploy
	wait_host "$(wctl --json assign list u2 --directory corp)" --json assign list u2 --directory corp
	run "$GR_BUILD/grouprole-sync" --config "$WCONF" --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"refresh applied: "*", 0 skipped"* ]]
	# Re-assigning replaces the expiry: the value is replaced, the host follows.
	run wctl assign add u2 deploy --resource host:web01 --expires +30d --directory corp
	[ "$status" -eq 0 ]
	[ "$(entry p1 "$A" | grep -c "host:web01")" -eq 1 ]
	wait_host "$(wctl --json assign list u2 --directory corp)" --json assign list u2 --directory corp
	# Removals are single values; the last one takes the entry with it.
	run wctl assign remove u2 deploy --resource host:web01 --directory corp
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$A")" != *"host:web01"* ]]
	[[ "$(entry p1 "$A")" == *"hostgroup:elsewhere"* ]]
	wait_group "" role-deploy
	run wctl assign remove u2 deploy --resource hostgroup:elsewhere --directory corp
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$A")" != *"dn: "* ]]
	wait_host "$(wctl --json assign list u2 --directory corp)" --json assign list u2 --directory corp
	[ "$(ctl --json assign list u2 --directory corp | jq length)" = 0 ]
	# A role's deletion takes its assignments with it, in LDAP and on the host.
	wctl assign add u2 deploy --resource host:web01 --directory corp >/dev/null
	wait_group bob.okafor role-deploy
	run wctl role delete deploy
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$A")" != *"dn: "* ]]
	wait_host "$(wctl --json assign list u2 --directory corp)" --json assign list u2 --directory corp
	wait_group "" role-deploy
}

@test "grouprolectl: a policy change reaches the providers and a host, and its reset too" {
	P="grName=policy,ou=policy,$B"
	wctl role create baseline --priority 1 >/dev/null
	run wctl policy set default-role baseline
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$P")" == *"objectClass: grPolicy"*'"default_role":"baseline"'* ]]
	run wctl policy set role-attribute department
	[ "$status" -eq 0 ]
	run wctl policy set multiple-roles off
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "$P")" == *'"multiple_roles":false'* ]]
	[[ "$(entry p1 "$P")" == *'"role_attribute":"department"'* ]]
	# The host converges to the same policy; users without a role get the default one.
	start_sync
	wait_host "$(wctl --json policy show)" --json policy show
	wait_group alice.nguyen,bob.okafor role-baseline
	run "$GR_BUILD/grouprole-sync" --config "$WCONF" --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"refresh applied: "*", 0 skipped"* ]]
	# The default role cannot go while it is the default; back to none, then it can.
	run wctl role delete baseline
	[ "$status" -ne 0 ]
	for what in "default-role none" "role-attribute none" "multiple-roles on"; do
		# shellcheck disable=SC2086
		run wctl policy set $what
		[ "$status" -eq 0 ]
	done
	[[ "$(entry p1 "$P")" != *baseline* ]]
	wait_host "$(wctl --json policy show)" --json policy show
	wait_group "" role-baseline
	run wctl role delete baseline
	[ "$status" -eq 0 ]
}

@test "grouprole-scimd: a new user and a group membership PATCH reach the providers and a host" {
	wctl role create admin --priority 10 >/dev/null
	wctl group roles assign Engineers admin --directory corp >/dev/null
	OKTA_TOKEN=$(wctl token create --directory corp | tail -n 1)
	CONF_SAVED=$CONF
	CONF=$WCONF start_daemon
	CONF=$CONF_SAVED
	grep -q "store = ldap: writing to" "$LOG"
	scim POST corp/Users "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"frank.rossi@meridian.example\",\"active\":true}"
	[ "$STATUS" = 201 ]
	uid=$(jq -r .id <<<"$BODY")
	[[ "$(entry p1 "grId=$uid,ou=users,grName=corp,$B")" == *"frank.rossi@meridian.example"* ]]
	scim PATCH corp/Groups/g1 '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"'"$uid"'"}]}]}'
	[ "$STATUS" = 200 ] || [ "$STATUS" = 204 ]
	[[ "$(entry p1 "grId=g1,ou=groups,grName=corp,$B")" == *"grMember: $uid"* ]]
	wait_for p2 replicator "grId=g1,ou=groups,grName=corp,$B" "(objectClass=*)" "grMember: $uid"
	start_sync
	wait_group alice.nguyen,bob.okafor,frank.rossi role-admin
	# And out again: a DELETE of the user takes its membership with it.
	scim DELETE "corp/Users/$uid"
	[ "$STATUS" = 204 ]
	[[ "$(entry p1 "grId=g1,ou=groups,grName=corp,$B")" != *"grMember: $uid"* ]]
	wait_group alice.nguyen,bob.okafor role-admin
	wctl group roles remove Engineers admin --directory corp >/dev/null
	wctl role delete admin >/dev/null
}

@test "Management API: a role, a group's roles and an organization reach the providers" {
	API_TOKEN=$(wctl token create --api --scopes create:roles,delete:roles,create:group_roles,create:organizations | tail -n 1)
	CONF_SAVED=$CONF
	CONF=$WCONF start_daemon
	CONF=$CONF_SAVED
	api() { http "$1" "$API/$2" "${3-}" "$API_TOKEN" application/json; }
	api POST roles '{"name":"Release Managers"}'
	[ "$STATUS" = 200 ]
	[[ "$(entry p1 "grId=release-managers,ou=roles,$B")" == *'"name":"Release Managers"'* ]]
	api POST "groups/corp:g1/roles" '{"roles":["release-managers"]}'
	[ "$STATUS" = 204 ] || [ "$STATUS" = 200 ]
	[[ "$(entry p1 "grId=g1,ou=mappings,grName=corp,$B")" == *"grRole: release-managers"* ]]
	api POST organizations '{"name":"acme"}'
	[ "$STATUS" = 201 ] || [ "$STATUS" = 200 ]
	[[ "$(entry p1 "grName=acme,ou=organizations,$B")" == *'"name":"acme"'* ]]
	wctl org delete acme >/dev/null
	[[ "$(entry p1 "grName=acme,ou=organizations,$B")" != *"dn: "* ]]
	api DELETE roles/release-managers
	[ "$STATUS" = 204 ] || [ "$STATUS" = 200 ]
	[[ "$(entry p1 "grId=release-managers,ou=roles,$B")" != *grId* ]]
	[[ "$(entry p1 "grId=g1,ou=mappings,grName=corp,$B")" != *release-managers* ]]
}

@test "failover: with p1 stopped, a write goes to p2; with both stopped, nothing changes anywhere" {
	stop_server p1
	run wctl role create standby --priority 5
	[ "$status" -eq 0 ]
	[[ "$(entry p2 "grId=standby,ou=roles,$B")" == *'"slug":"standby"'* ]]
	stop_server p2
	wctl publish >/dev/null
	before=$(tdbdump "$WORK/wstate/directory.tdb")
	run wctl role create lost --priority 5
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"no LDAP provider of ldap_uri acknowledged the write"* ]]
	[ "$(tdbdump "$WORK/wstate/directory.tdb")" = "$before" ]
	run wctl --json role show lost
	[ "$status" -ne 0 ]
	# The daemon answers 503 with a SCIM error, and commits nothing.
	OKTA_TOKEN=$(wctl token create --directory corp | tail -n 1)
	CONF_SAVED=$CONF
	CONF=$WCONF start_daemon
	CONF=$CONF_SAVED
	gen=$(generation)
	scim POST corp/Users "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"lost@meridian.example\",\"active\":true}"
	[ "$STATUS" = 503 ]
	[ "$(jq -r '.schemas[0]' <<<"$BODY")" = urn:ietf:params:scim:api:messages:2.0:Error ]
	[[ "$(jq -r .detail <<<"$BODY")" == *"no LDAP provider"* ]]
	[ "$(generation)" = "$gen" ]
	stop_daemon
	# The providers return: the next write goes through, to p1 again.  p1
	# may not have caught up with what p2 took meanwhile: a delete that finds
	# nothing there is made on p2 too, and the role is gone from both for good.
	start_server p1
	start_server p2
	run wctl role delete standby
	[ "$status" -eq 0 ]
	[[ "$(entry p2 "grId=standby,ou=roles,$B")" != *grId* ]]
	wait_gone p1 "grId=standby,ou=roles,$B"
}

@test "store = ldap needs its settings" {
	sed -i '/^ldap_writer_secret_file/d' "$WCONF"
	run wctl role list
	[ "$status" -ne 0 ]
	[[ "$output" == *"store = ldap needs ldap_uri, ldap_base, ldap_writer_dn and ldap_writer_secret_file"* ]]
}

@test "an import goes to LDAP entry by entry; a deleted directory goes with everything below it" {
	run wctl directory create okta
	[ "$status" -eq 0 ]
	run wctl import --directory okta "$GR_SRCDIR/examples/users.json" "$GR_SRCDIR/examples/groups.json"
	[ "$status" -eq 0 ]
	n=$(as replicator ldapsearch -LLL -H "$(url p1)" -b "grName=okta,$B" '(|(objectClass=grUser)(objectClass=grGroup))' dn |
		grep -c '^dn:')
	[ "$n" -eq 26 ]
	start_sync
	for _ in $(seq 200); do
		[ "$(ctl --json group list --directory okta 2>/dev/null | jq length)" = 6 ] && break
		sleep 0.1
	done
	[ "$(ctl --json group list --directory okta | jq length)" = 6 ]
	run wctl directory delete okta
	[ "$status" -eq 0 ]
	[[ "$(entry p1 "grName=okta,$B")" != *grName* ]]
	for _ in $(seq 200); do
		ctl directory list | grep -qw okta || break
		sleep 0.1
	done
	! ctl directory list | grep -qw okta
}

@test "grouprolectl with store = ldap under valgrind: no error, no leak" {
	[ -z "${GR_SANITIZE:-}" ] || skip "valgrind cannot run sanitized binaries"
	command -v valgrind >/dev/null || {
		[ "${CI:-}" != true ] || { echo "valgrind missing (CI=true)"; false; }
		skip "valgrind is not installed"
	}
	vg() {
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			"$GR_BUILD/grouprolectl" --config "$WCONF" "$@"
	}
	run vg role create vg --priority 1
	echo "$output"
	[ "$status" -eq 0 ]
	stop_server p1
	stop_server p2
	run vg role delete vg
	echo "$output"
	[ "$status" -ne 0 ] && [ "$status" -ne 99 ]
	start_server p1
	start_server p2
	run vg role delete vg
	[ "$status" -eq 0 ]
}

@test "grouprole-scimd with store = ldap under valgrind: a write, a refusal, no error, no leak" {
	OKTA_TOKEN=$(wctl token create --directory corp | tail -n 1)
	CONF_SAVED=$CONF
	CONF=$WCONF
	start_daemon_valgrind
	CONF=$CONF_SAVED
	scim POST corp/Users "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"vg@meridian.example\",\"active\":true}"
	[ "$STATUS" = 201 ]
	uid=$(jq -r .id <<<"$BODY")
	stop_server p1
	stop_server p2
	scim DELETE "corp/Users/$uid"
	[ "$STATUS" = 503 ]
	start_server p1
	start_server p2
	scim DELETE "corp/Users/$uid"
	[ "$STATUS" = 204 ]
	stop_daemon_valgrind
}
