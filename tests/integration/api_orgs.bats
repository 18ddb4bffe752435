#!/usr/bin/env bats
# The Management API's organizations, organization group roles, role sources,
# resource assignments, policy and limits over loopback: a real daemon, real
# curl, the effects read back through grouprolectl, /healthz's generation
# (unchanged: nothing was committed) and the NSS module (nss_wrapper), whose
# host serves organization "payments" (nss_helpers' grouprole.conf).

load ../module/nss_helpers
load daemon_helpers
load api_helpers

ORG_SCOPES=read:organizations,create:organizations,delete:organizations,read:organization_connections,create:organization_connections,update:organization_connections,delete:organization_connections,read:organization_members,create:organization_members,delete:organization_members,read:organization_member_roles,read:organization_groups,read:organization_group_roles,create:organization_group_roles,delete:organization_group_roles
OTHER_SCOPES=read:users,create:group_roles,create:roles,read:role_assignments,create:role_assignments,delete:role_assignments,read:policy,update:policy

setup() {
	setup_nss_state
	ctl directory create okta >/dev/null
	ctl role create admin --priority 10 >/dev/null
	ctl role create ops >/dev/null
	ctl role create sentinel >/dev/null
	OKTA_TOKEN=$(ctl token create --directory okta | tail -n 1)
	API_TOKEN=$(ctl token create --api --scopes "$ORG_SCOPES,$OTHER_SCOPES" | tail -n 1)
	start_daemon
}

teardown() {
	stop_daemon
	teardown_nss_state
}

# The organization roles grouprolectl shows for group SRE in payments, one line.
org_mapped() {
	ctl org group roles list payments SRE | sort | tr '\n' ' '
}

# What grouprolectl knows of organization payments (members, connections), one line.
org_state() {
	ctl --json org show payments 2>&1 | jq -c . 2>/dev/null || echo absent
}

# A snapshot that includes every commit so far: map role "sentinel" to SRE
# tenant-wide (or take it off) and wait until NSS shows it.
sync_nss() {
	local method=POST want=alice.nguyen
	[ "${1:-}" = off ] && method=DELETE && want=
	api "$method" "groups/$GROUP/roles" '{"roles":["sentinel"]}'
	[ "$STATUS" = 204 ]
	wait_group "$want" role-sentinel
}

# Group SRE (make_group) and organization payments, with okta connected and
# auto-membership off.
make_org() {
	make_group
	api POST organizations '{"name":"payments"}'
	[ "$STATUS" = 201 ]
	api POST organizations/payments/enabled_connections '{"connection_id":"okta"}'
	[ "$STATUS" = 201 ]
}

# expect_limit TEXT: the last answer is 400 limit_exceeded, its message holding TEXT.
expect_limit() {
	[ "$STATUS" = 400 ] || { echo "$STATUS $BODY"; return 1; }
	[ "$(jq -r .errorCode <<<"$BODY")" = limit_exceeded ]
	[[ "$(jq -r .message <<<"$BODY")" == *"$1"* ]]
}

# ctl_refuses TEXT ARG...: grouprolectl ARG... exits 1 with TEXT on stderr.
ctl_refuses() {
	local text=$1
	shift
	run --separate-stderr ctl "$@"
	[ "$status" -eq 1 ] || { echo "status $status: $stderr"; return 1; }
	[[ "$stderr" == *"$text"* ]]
}

# expect_each STATUS [TOKEN]: each line "METHOD PATH BODY [WORD]" of stdin ("-"
# for no body) is answered STATUS, with WORD (an errorCode, a scope) in its body.
expect_each() {
	local method path body word
	while read -r method path body word; do
		api "$method" "$path" "${body#-}" "${2-$API_TOKEN}"
		[ "$STATUS" = "$1" ] || { echo "$method $path $body: $STATUS $BODY"; return 1; }
		[[ "$BODY" == *"$word"* ]] || { echo "$method $path: $BODY lacks $word"; return 1; }
	done
}

@test "api orgs: organizations are created, listed, read and deleted as Auth0 does" {
	api POST organizations '{"name":"payments"}'
	[ "$STATUS" = 201 ]
	[ "$(jq -c . <<<"$BODY")" = '{"id":"payments","name":"payments"}' ]
	api POST organizations '{"name":"research"}'
	[ "$STATUS" = 201 ]
	[ "$(ctl --json org list | jq -r '[.[].name] | join(",")')" = payments,research ]
	gen=$(generation)
	api POST organizations '{"name":"payments"}'
	[ "$STATUS" = 409 ]
	[ "$(generation)" = "$gen" ]
	api GET organizations
	[ "$STATUS" = 200 ]
	[ "$(jq -r '[.[].id] | join(",")' <<<"$BODY")" = payments,research ]
	api GET "organizations?take=1"
	[ "$(jq -c '[[.organizations[].id], .next]' <<<"$BODY")" = '[["payments"],"research"]' ]
	api GET organizations/research
	[ "$STATUS" = 200 ]
	[ "$(jq -r .name <<<"$BODY")" = research ]
	api DELETE organizations/research
	[ "$STATUS" = 204 ]
	[ -z "$BODY" ]
	[ "$(ctl --json org list | jq -r '[.[].name] | join(",")')" = payments ]
	api GET organizations/research
	[ "$STATUS" = 404 ]
	[ "$(jq -r .errorCode <<<"$BODY")" = inexistent_organization ]
	api DELETE organizations/research
	[ "$STATUS" = 404 ]
}

@test "api orgs: organization group roles reach a member through NSS only with auto-membership" {
	make_org
	api GET organizations/payments/enabled_connections/okta
	[ "$STATUS" = 200 ]
	[ "$(jq -c . <<<"$BODY")" = '{"connection_id":"okta","assign_membership_on_login":false,"connection":{"name":"okta","strategy":"scim"}}' ]
	api POST "organizations/payments/groups/$GROUP/roles" '{"roles":["admin","ops"]}'
	[ "$STATUS" = 204 ]
	[ -z "$BODY" ]
	[ "$(org_mapped)" = "admin ops " ]
	api GET "organizations/payments/groups/$GROUP/roles"
	[ "$STATUS" = 200 ]
	[ "$(jq -r '[.[].id] | join(",")' <<<"$BODY")" = admin,ops ]
	# Without auto-membership the mapping grants nothing (Auth0's rule).
	sync_nss
	run nw id -Gn alice.nguyen
	[ "$status" -eq 0 ]
	[[ " $output " == *" role-sentinel "* ]]
	[[ " $output " != *" role-admin "* ]]
	[[ " $output " != *" role-ops "* ]]
	api GET "organizations/payments/members/okta:$GROUP_USER/effective-roles"
	[ "$STATUS" = 404 ]
	[ "$(jq -r .errorCode <<<"$BODY")" = inexistent_member ]
	# Auto-membership on: the member's next lookup shows both roles.
	api PATCH organizations/payments/enabled_connections/okta '{"assign_membership_on_login":true}'
	[ "$STATUS" = 200 ]
	[ "$(jq -r .assign_membership_on_login <<<"$BODY")" = true ]
	wait_group alice.nguyen role-admin
	wait_group alice.nguyen role-ops
	run nw id -Gn alice.nguyen
	[[ " $output " == *" role-admin "* && " $output " == *" role-ops "* ]]
	# The sources as this host resolves them, in both forms.
	for path in "users/okta:$GROUP_USER" "organizations/payments/members/okta:$GROUP_USER"; do
		api GET "$path/effective-roles"
		[ "$STATUS" = 200 ] || { echo "$path: $STATUS $BODY"; false; }
		[ "$(jq -c '[.[] | select(.id == "admin") | .sources[]]' <<<"$BODY")" = '[{"source":"organization","group":"SRE","organization":"payments"}]' ]
		api GET "$path/effective-roles/sources/groups?role_id=ops"
		[ "$STATUS" = 200 ]
		[ "$(jq -r '[.[].id] | join(",")' <<<"$BODY")" = "$GROUP" ]
		api GET "$path/effective-roles/sources/groups?role_id=ops&take=1"
		[ "$(jq -c '[[.groups[].id], .next]' <<<"$BODY")" = "[[\"$GROUP\"],null]" ]
		api GET "$path/effective-roles/sources/groups?role_id=nosuch"
		[ "$(jq -c . <<<"$BODY")" = '[]' ]
		api GET "$path/effective-roles/sources/groups"
		[ "$STATUS" = 400 ]
	done
	api GET organizations/payments/groups
	[ "$STATUS" = 200 ]
	[ "$(jq -r '[.[].id] | join(",")' <<<"$BODY")" = "$GROUP" ]
	# Repeats change nothing and commit nothing.
	gen=$(generation)
	api POST "organizations/payments/groups/$GROUP/roles" '{"roles":["ops","admin"]}'
	[ "$STATUS" = 204 ]
	[ "$(generation)" = "$gen" ]
	# Remove one: it is gone, the other stays.
	api DELETE "organizations/payments/groups/$GROUP/roles" '{"roles":["ops"]}'
	[ "$STATUS" = 204 ]
	[ "$(org_mapped)" = "admin " ]
	wait_group "" role-ops
	wait_group alice.nguyen role-admin
	gen=$(generation)
	api DELETE "organizations/payments/groups/$GROUP/roles" '{"roles":["ops"]}'
	[ "$STATUS" = 204 ]
	[ "$(generation)" = "$gen" ]
	# Disconnecting the directory takes the organization's roles away.
	api DELETE organizations/payments/enabled_connections/okta
	[ "$STATUS" = 204 ]
	wait_group "" role-admin
	api GET organizations/payments/enabled_connections/okta
	[ "$STATUS" = 404 ]
	[ "$(jq -r .errorCode <<<"$BODY")" = inexistent_connection ]
}

@test "api orgs: explicit members are added and removed, all of the list or none, and grant no role alone" {
	make_group
	api POST organizations '{"name":"payments"}'
	api POST "organizations/payments/groups/$GROUP/roles" '{"roles":["admin"]}'
	[ "$STATUS" = 204 ]
	gen=$(generation)
	api POST organizations/payments/members "{\"members\":[\"okta:$GROUP_USER\",\"okta:nosuch\"]}"
	[ "$STATUS" = 404 ]
	[ "$(jq -r .errorCode <<<"$BODY")" = inexistent_user ]
	[ "$(generation)" = "$gen" ]
	api POST organizations/payments/members "{\"members\":[\"okta:$GROUP_USER\"]}"
	[ "$STATUS" = 204 ]
	[ "$(ctl --json org show payments | jq -r '[.members[].user] | join(",")')" = alice.nguyen ]
	api GET organizations/payments/members
	[ "$(jq -r '[.[].user_id] | join(",")' <<<"$BODY")" = "okta:$GROUP_USER" ]
	gen=$(generation)
	api POST organizations/payments/members "{\"members\":[\"okta:$GROUP_USER\"]}"
	[ "$STATUS" = 204 ]
	[ "$(generation)" = "$gen" ]
	# A member, but no connection with auto-membership: no organization role.
	api GET "organizations/payments/members/okta:$GROUP_USER/effective-roles"
	[ "$STATUS" = 200 ]
	[ "$(jq -c . <<<"$BODY")" = '[]' ]
	api DELETE organizations/payments/members "{\"members\":[\"okta:$GROUP_USER\",\"okta:gone\"]}"
	[ "$STATUS" = 204 ]
	[ "$(ctl --json org show payments | jq -c .members)" = '[]' ]
}

@test "api orgs: each endpoint asks for its scope, 403 naming it, and nothing changes" {
	make_group
	api POST organizations '{"name":"payments"}'
	reader=$(ctl token create --api --scopes read:roles | tail -n 1)
	gen=$(generation)
	expect_each 403 "$reader" <<EOF
GET organizations - read:organizations
POST organizations {"name":"x"} create:organizations
DELETE organizations/payments - delete:organizations
POST organizations/payments/enabled_connections {"connection_id":"okta"} create:organization_connections
PATCH organizations/payments/enabled_connections/okta {} update:organization_connections
DELETE organizations/payments/enabled_connections/okta - delete:organization_connections
POST organizations/payments/members {"members":["okta:x"]} create:organization_members
DELETE organizations/payments/members {"members":["okta:x"]} delete:organization_members
GET organizations/payments/members/okta:x/effective-roles - read:organization_member_roles
GET organizations/payments/groups - read:organization_groups
GET organizations/payments/groups/$GROUP/roles - read:organization_group_roles
POST organizations/payments/groups/$GROUP/roles {"roles":["admin"]} create:organization_group_roles
DELETE organizations/payments/groups/$GROUP/roles {"roles":["admin"]} delete:organization_group_roles
GET users/okta:x/effective-roles/sources/groups - read:users
POST role-assignments {} create:role_assignments
GET policy - read:policy
PATCH policy {} update:policy
EOF
	[ "$(jq -r .errorCode <<<"$BODY")" = insufficient_scope ]
	[ "$(generation)" = "$gen" ]
	[ "$(org_mapped)" = "" ]
}

@test "api orgs: unknown ids are 404 and change nothing" {
	make_org
	api POST "organizations/payments/groups/$GROUP/roles" '{"roles":["ops"]}'
	[ "$STATUS" = 204 ]
	gen=$(generation)
	before=$(org_state)
	expect_each 404 <<EOF
POST organizations/nosuch/groups/$GROUP/roles {"roles":["admin"]} inexistent_organization
POST organizations/payments/groups/okta:nosuch/roles {"roles":["admin"]} inexistent_group
POST organizations/payments/groups/$GROUP/roles {"roles":["admin","nosuch"]} inexistent_role
DELETE organizations/payments/groups/$GROUP/roles {"roles":["ops","nosuch"]} inexistent_role
GET organizations/nosuch/groups - inexistent_organization
POST organizations/payments/enabled_connections {"connection_id":"nosuch"} inexistent_connection
PATCH organizations/payments/enabled_connections/nosuch {"assign_membership_on_login":true} inexistent_connection
POST organizations/payments/members {"members":["okta:nosuch"]} inexistent_user
GET users/okta:nosuch/effective-roles/sources/groups?role_id=admin - inexistent_user
GET organizations/nosuch/members/okta:$GROUP_USER/effective-roles - inexistent_organization
POST role-assignments {"user_id":"okta:nosuch","role_id":"admin","resource":"host:web01"} inexistent_user
POST role-assignments {"user_id":"okta:$GROUP_USER","role_id":"nosuch","resource":"host:web01"} inexistent_role
EOF
	[ "$(generation)" = "$gen" ]
	[ "$(org_state)" = "$before" ]
	[ "$(org_mapped)" = "ops " ]
}

@test "api orgs: malformed bodies are 400 and change nothing" {
	make_org
	gen=$(generation)
	before=$(org_state)
	expect_each 400 <<EOF
POST organizations {"name":"Not_A_Slug"}
POST organizations {"name":7}
POST organizations {"name":"x","display_name":"X"}
POST organizations {
POST organizations/payments/enabled_connections {"connection_id":"okta","assign_membership_on_login":"yes"}
POST organizations/payments/enabled_connections {"assign_membership_on_login":true}
PATCH organizations/payments/enabled_connections/okta {"assign_membership_on_login":1}
PATCH organizations/payments/enabled_connections/okta {"show_as_button":true}
POST organizations/payments/members {"members":"okta:x"}
POST organizations/payments/members {"members":[]}
POST organizations/payments/groups/$GROUP/roles {"roles":["admin"],"extra":1}
POST organizations/payments/groups/$GROUP/roles {"roles":[1]}
DELETE organizations/payments/groups/$GROUP/roles []
POST role-assignments {"user_id":"okta:$GROUP_USER","role_id":"admin"}
POST role-assignments {"user_id":"okta:$GROUP_USER","role_id":"admin","resource":"host:web01","expires_at":"soon"}
POST role-assignments {"user_id":"okta:$GROUP_USER","role_id":"admin","resource":"host:web01","expires_at":"2001-01-01"}
POST role-assignments {"user_id":"okta:$GROUP_USER","role_id":"admin","resource":"server:web01"}
PATCH policy {"multiple_roles":"no"}
PATCH policy {"role_attribute":"two/words"}
PATCH policy {"default_role":7}
EOF
	[ "$(generation)" = "$gen" ]
	[ "$(org_state)" = "$before" ]
	[ "$(org_mapped)" = "" ]
	[ "$(ctl --json assign list)" = "[]" ]
	[ "$(ctl --json policy show | jq -c .)" = '{"default_role":null,"multiple_roles":true,"role_attribute":null}' ]
}

@test "api orgs: resource assignments and policy are the CLI's, through the same operations" {
	make_group
	api POST role-assignments "{\"user_id\":\"okta:$GROUP_USER\",\"role_id\":\"ops\",\"resource\":\"host:web01\",\"expires_at\":\"2099-01-01\"}"
	[ "$STATUS" = 201 ]
	[ "$(jq -c . <<<"$BODY")" = "{\"user_id\":\"okta:$GROUP_USER\",\"role_id\":\"ops\",\"resource\":\"host:web01\",\"expires_at\":\"2099-01-01T00:00:00Z\"}" ]
	[ "$(ctl --json assign list | jq -r '.[] | "\(.user) \(.role) \(.resource) \(.expires)"')" = "alice.nguyen ops host:web01 4070908800" ]
	wait_group alice.nguyen role-ops
	api GET "users/okta:$GROUP_USER/effective-roles"
	[ "$(jq -c '[.[] | select(.id == "ops") | .sources[].source]' <<<"$BODY")" = '["assignment"]' ]
	ctl assign add alice.nguyen admin --resource hostgroup:payments-web >/dev/null
	api GET "role-assignments?user_id=okta:$GROUP_USER"
	[ "$STATUS" = 200 ]
	[ "$(jq -r '[.[].role_id] | sort | join(",")' <<<"$BODY")" = admin,ops ]
	api DELETE role-assignments "{\"user_id\":\"okta:$GROUP_USER\",\"role_id\":\"ops\",\"resource\":\"host:web01\"}"
	[ "$STATUS" = 204 ]
	wait_group "" role-ops
	api DELETE role-assignments "{\"user_id\":\"okta:$GROUP_USER\",\"role_id\":\"ops\",\"resource\":\"host:web01\"}"
	[ "$STATUS" = 404 ]
	# Policy: a default role reaches a user with no other role.
	api PATCH policy '{"default_role":"sentinel","role_attribute":"title"}'
	[ "$STATUS" = 200 ]
	[ "$(jq -c . <<<"$BODY")" = '{"multiple_roles":true,"default_role":"sentinel","role_attribute":"title"}' ]
	[ "$(ctl policy show | tr -s ' ' | tr '\n' '|')" = "multiple-roles: on|default-role: sentinel|role-attribute: title|" ]
	api PATCH policy '{"multiple_roles":false,"role_attribute":null}'
	api GET policy
	[ "$(jq -c . <<<"$BODY")" = '{"multiple_roles":false,"default_role":"sentinel","role_attribute":null}' ]
	api PATCH policy '{"default_role":"nosuch"}'
	[ "$STATUS" = 404 ]
}

@test "api orgs: each limit reached answers 400 naming it, and changes nothing" {
	make_group
	# Roles per user: 50 roles assigned directly, the 51st refused (the CLI too).
	for i in $(seq -f %03g 1 51); do ctl role create "r$i" >/dev/null; done
	for i in $(seq -f %03g 1 50); do
		api POST role-assignments "{\"user_id\":\"okta:$GROUP_USER\",\"role_id\":\"r$i\",\"resource\":\"host:web01\"}"
		[ "$STATUS" = 201 ] || { echo "r$i: $STATUS $BODY"; false; }
	done
	gen=$(generation)
	api POST role-assignments "{\"user_id\":\"okta:$GROUP_USER\",\"role_id\":\"r051\",\"resource\":\"host:web01\"}"
	expect_limit "roles per user (at most 50"
	ctl_refuses "roles per user (at most 50" assign add alice.nguyen r051 --resource host:web01
	[ "$(generation)" = "$gen" ]
	[ "$(ctl --json assign list | jq length)" = 50 ]
	# Roles per group: 100 at a scope, one more refused (the CLI too).
	for i in $(seq -f %03g 52 101); do ctl role create "r$i" >/dev/null; done
	all=$(printf '"r%03d",' $(seq 1 100))
	api POST "groups/$GROUP/roles" "{\"roles\":[${all%,}]}"
	[ "$STATUS" = 204 ] || { echo "$STATUS $BODY"; false; }
	gen=$(generation)
	api POST "groups/$GROUP/roles" '{"roles":["r101"]}'
	expect_limit "roles per group"
	ctl_refuses "roles per group" group roles assign SRE r101
	[ "$(generation)" = "$gen" ]
	[ "$(ctl group roles list SRE | wc -l)" = 100 ]
}

@test "api orgs: the daemon is clean under valgrind through every new endpoint, refusals and a stop" {
	make_group
	start_daemon_valgrind
	u=okta:$GROUP_USER
	while read -r method path body; do
		api "$method" "$path" "${body#-}"
		[[ "$STATUS" == 2* ]] || { echo "$method $path: $STATUS $BODY"; false; }
	done <<EOF
POST organizations {"name":"payments"}
GET organizations -
GET organizations/payments -
POST organizations/payments/enabled_connections {"connection_id":"okta","assign_membership_on_login":true}
PATCH organizations/payments/enabled_connections/okta {"assign_membership_on_login":true}
GET organizations/payments/enabled_connections -
GET organizations/payments/enabled_connections/okta -
POST organizations/payments/groups/$GROUP/roles {"roles":["admin","ops"]}
GET organizations/payments/groups/$GROUP/roles?take=1 -
DELETE organizations/payments/groups/$GROUP/roles {"roles":["ops"]}
GET organizations/payments/groups -
POST organizations/payments/members {"members":["$u"]}
GET organizations/payments/members -
GET organizations/payments/members/$u/effective-roles -
GET organizations/payments/members/$u/effective-roles/sources/groups?role_id=admin -
GET users/$u/effective-roles/sources/groups?role_id=admin -
DELETE organizations/payments/members {"members":["$u"]}
POST role-assignments {"user_id":"$u","role_id":"ops","resource":"host:web01","expires_at":"2099-01-01T00:00:00Z"}
GET role-assignments?user_id=$u -
DELETE role-assignments {"user_id":"$u","role_id":"ops","resource":"host:web01"}
PATCH policy {"default_role":"sentinel","role_attribute":"title","multiple_roles":false}
GET policy -
DELETE organizations/payments/enabled_connections/okta -
DELETE organizations/payments -
EOF
	# Refusals: 400, 403, 404, 405.
	api POST organizations '{"name":1}'
	[ "$STATUS" = 400 ]
	api GET organizations "" "$(ctl token create --api --scopes read:roles | tail -n 1)"
	[ "$STATUS" = 403 ]
	api GET organizations/nosuch/members/$u/effective-roles
	[ "$STATUS" = 404 ]
	api PUT policy '{}'
	[ "$STATUS" = 405 ]
	stop_daemon_valgrind
}

@test "api orgs: 1,000 roles and 10,000 groups holding roles, reached, answer 400 naming them" {
	make_group
	scim POST okta/Groups '{"displayName":"Late","members":[]}'
	[ "$STATUS" = 201 ]
	late=okta:$(jq -r .id <<<"$BODY")
	# 1,000 roles with setup's three; 9,999 groups holding a role (tests/integration/seed).
	stop_daemon
	"$GR_BUILD/tests/seed_store" "$CONF" roles 997
	"$GR_BUILD/tests/seed_store" "$CONF" group-roles 9999 ops
	start_daemon
	gen=$(generation)
	api POST roles '{"name":"One More"}'
	expect_limit "limit reached: roles (at most 1000)"
	ctl_refuses "limit reached: roles (at most 1000)" role create one-more
	[ "$(generation)" = "$gen" ]
	[ "$(ctl --json role list | jq length)" = 1000 ]
	# SRE is the 10,000th group to hold a role; Late would be one more.
	api POST "groups/$GROUP/roles" '{"roles":["admin"]}'
	[ "$STATUS" = 204 ]
	gen=$(generation)
	api POST "groups/$late/roles" '{"roles":["admin"]}'
	expect_limit "limit reached: groups holding roles (at most 10000)"
	ctl_refuses "groups holding roles" group roles assign Late admin
	# A group that holds roles may take more.
	api POST "groups/$GROUP/roles" '{"roles":["ops"]}'
	[ "$STATUS" = 204 ]
	[ "$(ctl group roles list Late)" = "" ]
}
