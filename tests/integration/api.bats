#!/usr/bin/env bats
# The Management API (/api/v2) of grouprole-scimd over loopback, with the
# paths, bodies and status codes of Auth0's: a real daemon, real curl, the
# effects read back through grouprolectl, /healthz's generation (unchanged:
# nothing was committed) and the NSS module (nss_wrapper).

load ../module/nss_helpers
load daemon_helpers
load api_helpers

ALL_SCOPES=read:roles,create:roles,update:roles,delete:roles,read:group_roles,create:group_roles,delete:group_roles,read:groups,read:group_members,read:users

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

# make_group2 NAME EXTERNAL_ID [DIRECTORY [TOKEN]]: another group holding alice
# (in okta) or no one; sets GROUP2.
make_group2() {
	local members=
	[ "${3:-okta}" = okta ] && members='"members":[{"value":"'"${GROUP_USER}"'"}],'
	scim POST "${3:-okta}/Groups" '{'"$members"'"displayName":"'"$1"'","externalId":"'"$2"'"}' "${4-$OKTA_TOKEN}"
	[ "$STATUS" = 201 ]
	GROUP2=${3:-okta}:$(jq -r .id <<<"$BODY")
}

# The API ids of the groups grouprolectl lists (holding ROLE when given), sorted, one line.
ctl_groups() {
	ctl --json group list | jq -r --arg r "${1-}" \
		'[.[] | select($r == "" or (.roles | index($r))) | "\(.directory):\(.id)"] | sort | join(",")'
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

@test "api: a role's groups are listed, assigned and removed, all of the list or none" {
	make_group
	make_group2 DBA ext-dba
	api POST roles/admin/groups '{"groups":["'"$GROUP"'","'"$GROUP2"'"]}'
	[ "$STATUS" = 204 ]
	[ -z "$BODY" ]
	[ "$(mapped)" = "admin " ]
	[ "$(ctl group roles list DBA --directory okta)" = admin ]
	wait_group alice.nguyen role-admin
	api GET roles/admin/groups
	[ "$STATUS" = 200 ]
	[ "$(jq -r '[.[].id] | join(",")' <<<"$BODY")" = "$(ctl_groups admin)" ]
	[ "$(jq -r '[.[].id] | sort | join(",")' <<<"$BODY")" = "$(printf '%s\n' "$GROUP" "$GROUP2" | sort | paste -sd,)" ]
	[ "$(jq -r '.[] | select(.id == "'"$GROUP2"'") | "\(.name)/\(.connection_id)/\(.external_id)"' <<<"$BODY")" = DBA/okta/ext-dba ]
	api GET "roles/admin/groups?per_page=1&page=1&include_totals=true"
	[ "$(jq -c '[.start, .limit, .total, (.groups | length)]' <<<"$BODY")" = '[1,1,2,1]' ]
	api GET roles/ops/groups
	[ "$STATUS" = 200 ]
	[ "$BODY" = "[]" ]
	# Repeats commit nothing.
	gen=$(generation)
	api POST roles/admin/groups '{"groups":["'"$GROUP"'","'"$GROUP"'"]}'
	[ "$STATUS" = 204 ]
	api DELETE roles/ops/groups '{"groups":["'"$GROUP"'"]}'
	[ "$STATUS" = 204 ]
	[ "$(generation)" = "$gen" ]
	# An unknown group or role anywhere in the list: 404, and nothing of it applied.
	api POST roles/ops/groups '{"groups":["'"$GROUP"'","okta:nosuch"]}'
	[ "$STATUS" = 404 ]
	[ "$(jq -r .errorCode <<<"$BODY")" = inexistent_group ]
	[[ "$(jq -r .message <<<"$BODY")" == *okta:nosuch* ]]
	api DELETE roles/admin/groups '{"groups":["'"$GROUP"'","nocolon"]}'
	[ "$STATUS" = 404 ]
	for verb in GET POST DELETE; do
		api "$verb" roles/nosuch/groups '{"groups":["'"$GROUP"'"]}'
		[ "$STATUS" = 404 ]
		[ "$(jq -r .errorCode <<<"$BODY")" = inexistent_role ]
	done
	for body in '{' '{"groups":"x"}' '{"groups":[]}' '{"groups":[1]}' '{"roles":["admin"]}'; do
		api POST roles/ops/groups "$body"
		[ "$STATUS" = 400 ] || { echo "$body: $STATUS $BODY"; false; }
	done
	[ "$(generation)" = "$gen" ]
	[ "$(mapped)" = "admin " ]
	[ "$(ctl_groups ops)" = "" ]
	# Scopes.
	reader=$(ctl token create --api --scopes read:roles | tail -n 1)
	gen=$(generation)
	api GET roles/admin/groups "" "$reader"
	[ "$STATUS" = 403 ]
	[[ "$(jq -r .message <<<"$BODY")" == *read:group_roles* ]]
	api DELETE roles/admin/groups '{"groups":["'"$GROUP"'"]}' "$reader"
	[ "$STATUS" = 403 ]
	[[ "$(jq -r .message <<<"$BODY")" == *delete:group_roles*update:groups* ]]
	[ "$(generation)" = "$gen" ]
	api DELETE roles/admin/groups '{"groups":["'"$GROUP2"'","'"$GROUP"'"]}'
	[ "$STATUS" = 204 ]
	[ "$(mapped)" = "" ]
	[ "$(ctl_groups admin)" = "" ]
	wait_group "" role-admin
}

@test "api: groups are listed across directories, filtered, paged, read, with their members" {
	make_group
	make_group2 DBA ext-dba
	dba=$GROUP2
	ctl directory create entra >/dev/null
	entra_token=$(ctl token create --directory entra | tail -n 1)
	stop_daemon
	start_daemon
	make_group2 Finance ext-fin entra "$entra_token"
	fin=$GROUP2
	api GET groups
	[ "$STATUS" = 200 ]
	[ "$(jq -r '[.[].id] | join(",")' <<<"$BODY")" = "$(ctl_groups)" ]
	[ "$(jq -r '[.[].name] | sort | join(",")' <<<"$BODY")" = DBA,Finance,SRE ]
	[ "$(jq -r '.[] | select(.id == "'"$fin"'") | "\(.connection_id)/\(.external_id)"' <<<"$BODY")" = entra/ext-fin ]
	all=$(jq -r '[.[].id] | join(",")' <<<"$BODY")
	api GET "groups?connection_id=entra"
	[ "$(jq -r '[.[].id] | join(",")' <<<"$BODY")" = "$fin" ]
	api GET "groups?connection_id=nosuch"
	[ "$STATUS" = 200 ]
	[ "$BODY" = "[]" ]
	api GET "groups?name=sre"
	[ "$(jq -r '[.[].id] | join(",")' <<<"$BODY")" = "$GROUP" ]
	api GET "groups?external_id=ext-dba&connection_id=okta"
	[ "$(jq -r '[.[].id] | join(",")' <<<"$BODY")" = "$dba" ]
	api GET "groups?per_page=2&page=1&include_totals=true"
	[ "$(jq -c '[.start, .limit, .total, (.groups | length)]' <<<"$BODY")" = '[2,2,3,1]' ]
	# from/take: follow "next" to the end, and see every group once, in order.
	seen= from=
	for _ in 1 2 3 4; do
		api GET "groups?take=1${from:+&from=$from}"
		[ "$STATUS" = 200 ]
		[ "$(jq '.groups | length' <<<"$BODY")" = 1 ]
		seen=$seen${seen:+,}$(jq -r '.groups[0].id' <<<"$BODY")
		from=$(jq -r '.next // empty' <<<"$BODY")
		[ -n "$from" ] || break
	done
	[ "$seen" = "$all" ]
	api GET "groups?take=2"
	[ "$(jq -r '.next' <<<"$BODY")" = "$(cut -d, -f3 <<<"$all")" ]
	for q in take=0 take=101 "take=1&page=0" "from=x&include_totals=true" per_page=0; do
		api GET "groups?$q"
		[ "$STATUS" = 400 ] || { echo "$q: $STATUS $BODY"; false; }
		[ "$(jq -r .errorCode <<<"$BODY")" = invalid_query_string ]
	done
	api GET "roles?take=1"
	[ "$STATUS" = 400 ]
	api GET "groups/$GROUP"
	[ "$STATUS" = 200 ]
	[ "$(jq -c . <<<"$BODY")" = '{"id":"'"$GROUP"'","name":"SRE","connection_id":"okta"}' ]
	api GET "groups/$GROUP/members"
	[ "$STATUS" = 200 ]
	[ "$(jq -c . <<<"$BODY")" = '[{"id":"okta:'"$GROUP_USER"'","member_type":"user","type":"connection","connection_id":"okta"}]' ]
	[ "$(ctl --json group show SRE --directory okta | jq -r '.members | length')" = 1 ]
	api GET "groups/$fin/members?take=10"
	[ "$(jq -c . <<<"$BODY")" = '{"members":[]}' ]
	for g in okta:nosuch entra:"${GROUP#okta:}" nocolon; do
		for sub in "" /members; do
			api GET "groups/$g$sub"
			[ "$STATUS" = 404 ]
			[ "$(jq -r .errorCode <<<"$BODY")" = inexistent_group ]
		done
	done
	api POST groups '{}'
	[ "$STATUS" = 405 ]
	reader=$(ctl token create --api --scopes read:roles,read:group_roles | tail -n 1)
	api GET groups "" "$reader"
	[ "$STATUS" = 403 ]
	[[ "$(jq -r .message <<<"$BODY")" == *read:groups* ]]
	api GET "groups/$GROUP" "" "$reader"
	[ "$STATUS" = 403 ]
	api GET "groups/$GROUP/members" "" "$reader"
	[ "$STATUS" = 403 ]
	[[ "$(jq -r .message <<<"$BODY")" == *read:group_members* ]]
}

@test "api: a user's groups and effective roles with their sources, as grouprolectl user show" {
	make_group
	make_group2 DBA ext-dba
	ctl group roles assign SRE admin ops --directory okta >/dev/null
	ctl group roles assign DBA admin --directory okta >/dev/null
	ctl policy set multiple-roles on >/dev/null
	user=okta:$GROUP_USER
	api GET "users/$user/groups"
	[ "$STATUS" = 200 ]
	[ "$(jq -r '[.[].id] | sort | join(",")' <<<"$BODY")" = "$(printf '%s\n' "$GROUP" "$GROUP2" | sort | paste -sd,)" ]
	[ "$(jq -r '[.[].name] | sort | join(",")' <<<"$BODY")" = \
	  "$(ctl --json user show alice.nguyen | jq -r '[.groups[].name] | sort | join(",")')" ]
	api GET "users/$user/groups?take=1"
	[ "$(jq -r '.groups | length' <<<"$BODY")" = 1 ]
	[ -n "$(jq -r '.next' <<<"$BODY")" ]
	api GET "users/$user/effective-roles"
	[ "$STATUS" = 200 ]
	[ "$(jq -S -c '[.[] | {id, sources}]' <<<"$BODY")" = \
	  "$(ctl --json user show alice.nguyen | jq -S -c '[.roles[] | {id: .slug, sources: .from}]')" ]
	[ "$(jq -c '[.[] | [.id, .priority, ([.sources[].group] | sort)]]' <<<"$BODY")" = '[["admin",10,["DBA","SRE"]],["ops",0,["SRE"]]]' ]
	# A user with no group gets the default role, and says so.
	scim POST okta/Users "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"bob.okafor@meridian.example\",\"active\":true}"
	bob=okta:$(jq -r .id <<<"$BODY")
	ctl policy set default-role ops >/dev/null
	api GET "users/$bob/effective-roles"
	[ "$(jq -c '[.[] | {id, sources}]' <<<"$BODY")" = '[{"id":"ops","sources":[{"source":"default"}]}]' ]
	[ "$(jq -S -c '[.[] | {id, sources}]' <<<"$BODY")" = \
	  "$(ctl --json user show bob.okafor | jq -S -c '[.roles[] | {id: .slug, sources: .from}]')" ]
	api GET "users/$bob/groups"
	[ "$BODY" = "[]" ]
	for u in okta:nosuch "entra:$GROUP_USER" nocolon; do
		for sub in groups effective-roles; do
			api GET "users/$u/$sub"
			[ "$STATUS" = 404 ]
			[ "$(jq -r .errorCode <<<"$BODY")" = inexistent_user ]
		done
	done
	api GET "users/$user"
	[ "$STATUS" = 404 ]
	reader=$(ctl token create --api --scopes read:roles,read:groups | tail -n 1)
	for sub in groups effective-roles; do
		api GET "users/$user/$sub" "" "$reader"
		[ "$STATUS" = 403 ]
		[[ "$(jq -r .message <<<"$BODY")" == *read:users* ]]
	done
}
