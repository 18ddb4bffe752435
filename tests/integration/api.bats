#!/usr/bin/env bats
# The Management API (/api/v2) of grouprole-scimd over loopback, with the
# paths, bodies and status codes of Auth0's: a real daemon, real curl, the
# effects read back through grouprolectl, /healthz's generation (unchanged:
# nothing was committed) and the NSS module (nss_wrapper).

load ../module/nss_helpers
load daemon_helpers

SCIM_USER='urn:ietf:params:scim:schemas:core:2.0:User'
ALL_SCOPES=read:roles,create:roles,update:roles,delete:roles,read:group_roles,create:group_roles,delete:group_roles

setup() {
	setup_nss_state
	ctl directory create okta >/dev/null
	ctl role create admin --priority 10 >/dev/null
	ctl role create ops >/dev/null
	OKTA_TOKEN=$(ctl token create --directory okta | tail -n 1)
	API_TOKEN=$(ctl token create --api --scopes "$ALL_SCOPES" | tail -n 1)
	start_daemon
}

teardown() {
	stop_daemon
	teardown_nss_state
}

# api METHOD PATH [BODY] [TOKEN]: sets STATUS and BODY.
api() {
	http "$1" "$API/$2" "${3-}" "${4-$API_TOKEN}" application/json
}

# A user alice.nguyen in group SRE of okta, through SCIM; sets GROUP (the API's group id).
make_group() {
	scim POST okta/Users "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"alice.nguyen@meridian.example\",\"active\":true}"
	[ "$STATUS" = 201 ]
	local uid
	uid=$(jq -r .id <<<"$BODY")
	scim POST okta/Groups '{"displayName":"SRE","members":[{"value":"'"$uid"'"}]}'
	[ "$STATUS" = 201 ]
	GROUP=okta:$(jq -r .id <<<"$BODY")
}

# The roles grouprolectl shows for group SRE, one line.
mapped() {
	ctl group roles list SRE --directory okta | sort | tr '\n' ' '
}

@test "api: roles are created, listed, read, updated and deleted as Auth0 does" {
	api POST roles '{"name":"Support Engineers","description":"Tier 2"}'
	[ "$STATUS" = 200 ]
	[ "$(jq -c . <<<"$BODY")" = '{"id":"support-engineers","name":"Support Engineers","description":"Tier 2","priority":0}' ]
	# The CLI sees the same role, with its Unix group.
	run ctl role show support-engineers
	[ "$status" -eq 0 ]
	[[ "$output" == *role-support-engineers* ]]
	api GET roles
	[ "$STATUS" = 200 ]
	[ "$(jq -r '[.[].id] | join(",")' <<<"$BODY")" = admin,ops,support-engineers ]
	api GET "roles?per_page=2&page=1&include_totals=true"
	[ "$STATUS" = 200 ]
	[ "$(jq -c '[.start, .limit, .total, [.roles[].id]]' <<<"$BODY")" = '[2,2,3,["support-engineers"]]' ]
	api GET "roles?name_filter=support"
	[ "$(jq -r '[.[].id] | join(",")' <<<"$BODY")" = support-engineers ]
	api GET roles/support-engineers
	[ "$STATUS" = 200 ]
	[ "$(jq -r .description <<<"$BODY")" = "Tier 2" ]
	api PATCH roles/support-engineers '{"name":"Support","description":"Tier 3","priority":5}'
	[ "$STATUS" = 200 ]
	[ "$(jq -c . <<<"$BODY")" = '{"id":"support-engineers","name":"Support","description":"Tier 3","priority":5}' ]
	[ "$(ctl --json role list | jq -r '.[] | select(.slug == "support-engineers") | "\(.name)/\(.description)/\(.priority)"')" = "Support/Tier 3/5" ]
	# A second role whose name makes the same id is a conflict, and creates nothing.
	gen=$(generation)
	api POST roles '{"name":"support engineers"}'
	[ "$STATUS" = 409 ]
	[ "$(jq -r .statusCode <<<"$BODY")" = 409 ]
	[ "$(generation)" = "$gen" ]
	api DELETE roles/support-engineers
	[ "$STATUS" = 204 ]
	[ -z "$BODY" ]
	run ctl role show support-engineers
	[ "$status" -ne 0 ]
	api GET roles/support-engineers
	[ "$STATUS" = 404 ]
	[ "$(jq -r .errorCode <<<"$BODY")" = inexistent_role ]
	api DELETE roles/support-engineers
	[ "$STATUS" = 404 ]
	api PATCH roles/nosuch '{"name":"x"}'
	[ "$STATUS" = 404 ]
}

@test "api: roles assigned to a group reach its member through NSS; repeats change nothing" {
	make_group
	api POST "groups/$GROUP/roles" '{"roles":["admin","ops"]}'
	[ "$STATUS" = 204 ]
	[ -z "$BODY" ]
	[ "$(mapped)" = "admin ops " ]
	wait_group alice.nguyen role-admin
	wait_group alice.nguyen role-ops
	api GET "groups/$GROUP/roles"
	[ "$STATUS" = 200 ]
	[ "$(jq -r '[.[].id] | sort | join(",")' <<<"$BODY")" = admin,ops ]
	[ "$(jq -r '.[] | select(.id == "admin") | .priority' <<<"$BODY")" = 10 ]
	# Assigning what is assigned succeeds and commits nothing.
	gen=$(generation)
	api POST "groups/$GROUP/roles" '{"roles":["ops","admin","ops"]}'
	[ "$STATUS" = 204 ]
	[ "$(generation)" = "$gen" ]
	api DELETE "groups/$GROUP/roles" '{"roles":["ops"]}'
	[ "$STATUS" = 204 ]
	[ "$(mapped)" = "admin " ]
	wait_group "" role-ops
	wait_group alice.nguyen role-admin
	# Removing what is absent succeeds and commits nothing.
	gen=$(generation)
	api DELETE "groups/$GROUP/roles" '{"roles":["ops"]}'
	[ "$STATUS" = 204 ]
	[ "$(generation)" = "$gen" ]
	[ "$(mapped)" = "admin " ]
	# Deleting a role over the API takes it off the group.
	api DELETE roles/admin
	[ "$STATUS" = 204 ]
	[ "$(mapped)" = "" ]
	# ... and the role's group leaves NSS (bounded: 10 s).
	for _ in $(seq 100); do
		nw getent group role-admin >/dev/null 2>&1 || break
		sleep 0.1
	done
	run nw getent group role-admin
	[ "$status" -ne 0 ]
}

@test "api: an unknown group or role is 404 and nothing of the list is applied" {
	make_group
	api POST "groups/$GROUP/roles" '{"roles":["ops"]}'
	[ "$STATUS" = 204 ]
	gen=$(generation)
	api POST "groups/$GROUP/roles" '{"roles":["admin","nosuch"]}'
	[ "$STATUS" = 404 ]
	[ "$(jq -r .errorCode <<<"$BODY")" = inexistent_role ]
	[[ "$(jq -r .message <<<"$BODY")" == *nosuch* ]]
	api DELETE "groups/$GROUP/roles" '{"roles":["ops","nosuch"]}'
	[ "$STATUS" = 404 ]
	api POST "groups/$GROUP/roles" '{"roles":["admin","Not A Slug!"]}'
	[ "$STATUS" = 404 ]
	for g in okta:nosuch entra:x nocolon :x; do
		api POST "groups/$g/roles" '{"roles":["admin"]}'
		[ "$STATUS" = 404 ]
		[ "$(jq -r .errorCode <<<"$BODY")" = inexistent_group ]
		api GET "groups/$g/roles"
		[ "$STATUS" = 404 ]
	done
	[ "$(generation)" = "$gen" ]
	[ "$(mapped)" = "ops " ]
	run nw getent group role-admin
	[[ "$output" != *alice.nguyen* ]]
}

@test "api: only a live API token is accepted, and each endpoint asks for its scope" {
	api GET roles "" ""
	[ "$STATUS" = 401 ]
	[ "$(jq -c '[.statusCode, .error]' <<<"$BODY")" = '[401,"Unauthorized"]' ]
	first=$BODY
	# A SCIM token is not an API token.
	api GET roles "" "$OKTA_TOKEN"
	[ "$STATUS" = 401 ]
	[ "$BODY" = "$first" ]
	api GET roles "" "gra_0000000000000000_$(printf '0%.0s' $(seq 64))"
	[ "$STATUS" = 401 ]
	[ "$BODY" = "$first" ]
	run curl -s -m 10 -D - -o /dev/null "$API/roles"
	[[ "$output" == *"WWW-Authenticate: Bearer realm=\"grouprole\""* ]]
	# Revoked: refused from the next request on.
	second=$(ctl token create --api --scopes read:roles | tail -n 1)
	api GET roles "" "$second"
	[ "$STATUS" = 200 ]
	ctl token revoke "$(cut -d_ -f2 <<<"$second")" >/dev/null
	api GET roles "" "$second"
	[ "$STATUS" = 401 ]
	# Scopes: 403 naming what is missing, and nothing changed.
	reader=$(ctl token create --api --scopes read:roles | tail -n 1)
	gen=$(generation)
	api POST roles '{"name":"x"}' "$reader"
	[ "$STATUS" = 403 ]
	[ "$(jq -r .errorCode <<<"$BODY")" = insufficient_scope ]
	[[ "$(jq -r .message <<<"$BODY")" == *create:roles* ]]
	api DELETE roles/admin "" "$reader"
	[ "$STATUS" = 403 ]
	[[ "$(jq -r .message <<<"$BODY")" == *delete:roles* ]]
	make_group
	gen=$(generation)
	api GET "groups/$GROUP/roles" "" "$reader"
	[ "$STATUS" = 403 ]
	[[ "$(jq -r .message <<<"$BODY")" == *read:group_roles* ]]
	api POST "groups/$GROUP/roles" '{"roles":["admin"]}' "$reader"
	[ "$STATUS" = 403 ]
	[[ "$(jq -r .message <<<"$BODY")" == *create:group_roles*update:groups* ]]
	[ "$(generation)" = "$gen" ]
	[ "$(mapped)" = "" ]
	# update:groups grants both writes, as Auth0's guide has it.
	groups=$(ctl token create --api --scopes update:groups | tail -n 1)
	api POST "groups/$GROUP/roles" '{"roles":["admin"]}' "$groups"
	[ "$STATUS" = 204 ]
	[ "$(mapped)" = "admin " ]
	api DELETE "groups/$GROUP/roles" '{"roles":["admin"]}' "$groups"
	[ "$STATUS" = 204 ]
	[ "$(mapped)" = "" ]
	run curl -s -m 10 "http://127.0.0.1:$PORT/metrics"
	[[ "$output" == *"grouprole_auth_failures_total 5"* ]]
	! grep -q "${API_TOKEN#gra_*_}" "$LOG"
}

@test "api: malformed bodies and queries are 400 and change nothing" {
	make_group
	gen=$(generation)
	for body in '{' '[]' '"roles"' '{"roles":"admin"}' '{"roles":[1]}' '{"roles":[]}' \
		'{"roles":["admin"],"extra":1}' '{}' '{"roles":["admin"],"roles":["ops"]}'; do
		api POST "groups/$GROUP/roles" "$body"
		[ "$STATUS" = 400 ] || { echo "$body: $STATUS $BODY"; false; }
		[ "$(jq -r .errorCode <<<"$BODY")" = invalid_body ]
	done
	# Past the limit: the 400 says which.
	many=$(jq -c -n '{roles: [range(101) | "r\(.)"]}')
	api POST "groups/$GROUP/roles" "$many"
	[ "$STATUS" = 400 ]
	[[ "$(jq -r .message <<<"$BODY")" == *"1 to 100 roles"* ]]
	for body in '{"name":7}' '{"name":""}' '{"description":"x"}' '{"name":"x","priority":"high"}' \
		'{"name":"x","priority":2000000}' '{"name":"!!!"}' '{"name":"x","permissions":[]}'; do
		api POST roles "$body"
		[ "$STATUS" = 400 ] || { echo "$body: $STATUS $BODY"; false; }
	done
	api PATCH roles/admin '{"name":null}'
	[ "$STATUS" = 400 ]
	for q in "page=-1" "per_page=0" "per_page=101" "page=x" "include_totals=maybe"; do
		api GET "roles?$q"
		[ "$STATUS" = 400 ] || { echo "$q: $STATUS $BODY"; false; }
		[ "$(jq -r .errorCode <<<"$BODY")" = invalid_query_string ]
	done
	[ "$(generation)" = "$gen" ]
	[ "$(mapped)" = "" ]
	[ "$(ctl --json role list | jq -r '[.[].slug] | join(",")')" = admin,ops ]
	# Unknown endpoints and methods.
	api GET users
	[ "$STATUS" = 404 ]
	[ "$(jq -r .statusCode <<<"$BODY")" = 404 ]
	api PUT roles/admin '{}'
	[ "$STATUS" = 405 ]
	run curl -s -m 10 -D - -o /dev/null -X PUT -H "Authorization: Bearer $API_TOKEN" "$API/roles/admin"
	[[ "$output" == *"Allow: GET, PATCH, DELETE"* ]]
}
