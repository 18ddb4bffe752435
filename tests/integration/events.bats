#!/usr/bin/env bats
# Events (docs/events.md): every change, from SCIM, the Management API or
# grouprolectl, leaves its CloudEvents object in the event log, read back
# with `grouprolectl events`; the hook runs for each without ever delaying
# an answer; --since and --follow.  A real daemon over loopback, real curl.

load ../module/nss_helpers
load daemon_helpers

SCIM_USER='urn:ietf:params:scim:schemas:core:2.0:User'
PATCH_OP='urn:ietf:params:scim:api:messages:2.0:PatchOp'

setup() {
	setup_nss_state
	ctl directory create okta >/dev/null
	ctl role create admin --priority 10 >/dev/null
	ctl role create ops >/dev/null
	OKTA_TOKEN=$(ctl token create --directory okta | tail -n 1)
	API_TOKEN=$(ctl token create --api --scopes read:groups,create:group_roles,delete:group_roles | tail -n 1)
}

teardown() {
	stop_daemon
	[ -z "${SINK:-}" ] || { kill "$SINK"; wait "$SINK" || true; }
	teardown_nss_state
}

api() {
	http "$1" "$API/$2" "${3-}" "${4-$API_TOKEN}" application/json
}

# The events of the log as JSON lines.
events_json() {
	ctl events --json
}

# wait_event TYPE [JQ_CONDITION]: until the log holds an event of TYPE
# (org.grouprole. left out) whose JSON satisfies the condition (bounded:
# 10 s); sets EV to the last such event.
wait_event() {
	local type=org.grouprole.$1 cond=${2:-true}
	for _ in $(seq 100); do
		EV=$(events_json | jq -c --arg t "$type" "select(.type == \$t) | select($cond)" | tail -n 1)
		[ -n "$EV" ] && return 0
		sleep 0.1
	done
	echo "no $type event with $cond; the log:"
	events_json
	return 1
}

# How many events of TYPE satisfy JQ_CONDITION now.
count_events() {
	events_json | jq -c --arg t "org.grouprole.$1" "select(.type == \$t) | select(${2:-true})" | wc -l
}

# A user alice.nguyen through SCIM; sets UID_ALICE.
make_alice() {
	scim POST okta/Users "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"alice.nguyen@meridian.example\",\"active\":true,\"password\":\"s3cret-never-logged\"}"
	[ "$STATUS" = 201 ]
	UID_ALICE=$(jq -r .id <<<"$BODY")
}

# Group SRE holding alice; sets GID_SRE.
make_sre() {
	scim POST okta/Groups '{"displayName":"SRE","members":[{"value":"'"$UID_ALICE"'"}]}'
	[ "$STATUS" = 201 ]
	GID_SRE=$(jq -r .id <<<"$BODY")
}

@test "events: SCIM user and group changes, each with its data, from the SCIM source" {
	start_daemon
	make_alice
	wait_event user.created ".subject == \"users/okta/$UID_ALICE\""
	[ "$(jq -r '.specversion, .datacontenttype, .data.login, .data.userName, .data.active' <<<"$EV" | tr '\n' ' ')" = \
		"1.0 application/json alice.nguyen alice.nguyen@meridian.example true " ]
	[[ "$(jq -r .source <<<"$EV")" == /grouprole/*/scim/okta ]]
	[[ "$(jq -r .time <<<"$EV")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z$ ]]
	[[ "$(jq -r .id <<<"$EV")" =~ ^[0-9a-f]{32}$ ]]
	# Never a secret: the password is in no event.
	! grep -q s3cret "$WORK/state/events.log"

	make_sre
	wait_event group.created ".data.id == \"$GID_SRE\" and .data.displayName == \"SRE\""
	wait_event group.member.added ".data.group_id == \"$GID_SRE\" and .data.user_id == \"$UID_ALICE\" and .data.login == \"alice.nguyen\""

	scim PUT "okta/Groups/$GID_SRE" '{"displayName":"Site Reliability","members":[]}'
	[ "$STATUS" = 200 ]
	wait_event group.updated ".data.changes == [\"displayName\"] and .data.displayName == \"Site Reliability\""
	wait_event group.member.removed ".data.user_id == \"$UID_ALICE\""

	scim PATCH "okta/Users/$UID_ALICE" '{"schemas":["'"$PATCH_OP"'"],"Operations":[{"op":"replace","value":{"displayName":"Alice N"}}]}'
	[ "$STATUS" = 200 ]
	wait_event user.updated '.data.changes == ["displayName"]'

	scim PATCH "okta/Users/$UID_ALICE" '{"schemas":["'"$PATCH_OP"'"],"Operations":[{"op":"replace","value":{"active":false}}]}'
	[ "$STATUS" = 200 ]
	wait_event user.deactivated '.data.login == "alice.nguyen" and .data.active == false'

	scim DELETE "okta/Groups/$GID_SRE"
	[ "$STATUS" = 204 ]
	wait_event group.deleted ".subject == \"groups/okta/$GID_SRE\""
	scim DELETE "okta/Users/$UID_ALICE"
	[ "$STATUS" = 204 ]
	wait_event user.deleted '.data.login == "alice.nguyen"'
	# One event per change: the deactivation happened once.
	[ "$(count_events user.deactivated)" -eq 1 ]
}

@test "events: API role assignments, and the member's effective roles before and after" {
	start_daemon
	make_alice
	make_sre
	api POST "groups/okta:$GID_SRE/roles" '{"roles":["admin","ops"]}'
	[ "$STATUS" = 204 ]
	wait_event group.roles.assigned '.data.roles == ["admin","ops"]'
	[[ "$(jq -r .source <<<"$EV")" == /grouprole/*/api ]]
	wait_event user.roles.changed '.data.login == "alice.nguyen" and .data.new == ["admin","ops"]'
	[ "$(jq -c '[.data.old, .data.added, .data.removed, .subject]' <<<"$EV")" = "[[],[\"admin\",\"ops\"],[],\"users/okta/$UID_ALICE\"]" ]

	# A repeat changes nothing: no second event.
	api POST "groups/okta:$GID_SRE/roles" '{"roles":["admin"]}'
	[ "$STATUS" = 204 ]
	api DELETE "groups/okta:$GID_SRE/roles" '{"roles":["ops"]}'
	[ "$STATUS" = 204 ]
	wait_event group.roles.removed '.data.roles == ["ops"]'
	wait_event user.roles.changed '.data.old == ["admin","ops"] and .data.new == ["admin"]'
	[ "$(count_events group.roles.assigned)" -eq 1 ]

	# Refused, nothing changed: no event (the next change's event is the next one in the log).
	api POST "groups/okta:$GID_SRE/roles" '{"roles":["admin","no-such-role"]}'
	[ "$STATUS" = 404 ]
	scim PATCH "okta/Users/$UID_ALICE" '{"schemas":["'"$PATCH_OP"'"],"Operations":[{"op":"replace","value":{"active":false}}]}'
	[ "$STATUS" = 200 ]
	wait_event user.deactivated
	[ "$(events_json | jq -r .type | tail -n 3 | head -n 1)" = org.grouprole.user.roles.changed ]
	[ "$(count_events group.roles.assigned)" -eq 1 ]
	# The deactivation took alice's roles: one change, to none.
	wait_event user.roles.changed '.data.old == ["admin"] and .data.new == []'
}

@test "events: grouprolectl changes and a policy edit, each change announced once" {
	make_alice_cli() {
		printf '%s\n' "$(list_response "{\"schemas\":[\"$SCIM_USER\"],\"id\":\"u1\",\"userName\":\"alice.nguyen@meridian.example\",\"active\":true}")" >"$WORK/users.json"
		printf '%s\n' "$(list_response '{"id":"g1","displayName":"SRE","members":[{"value":"u1"}]}')" >"$WORK/groups.json"
		ctl import --directory okta "$WORK/users.json" "$WORK/groups.json" >/dev/null
	}
	list_response() {
		local IFS=,
		printf '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":%d,"Resources":[%s]}\n' "$#" "$*"
	}
	make_alice_cli
	wait_event user.created '.data.login == "alice.nguyen"'
	[[ "$(jq -r .source <<<"$EV")" == /grouprole/*/cli ]]
	wait_event group.member.added '.data.user_id == "u1"'
	# The daemon runs too: whoever publishes first announces the change, once.
	start_daemon
	ctl group roles assign SRE admin --directory okta >/dev/null
	wait_event group.roles.assigned '.data.roles == ["admin"]'
	wait_event user.roles.changed '.data.new == ["admin"]'
	ctl policy set default-role ops >/dev/null
	ctl group roles remove SRE admin --directory okta >/dev/null
	# A SCIM change makes the daemon publish (it rebuilds: another process committed).
	scim POST okta/Users "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"bob.okafor@meridian.example\"}"
	[ "$STATUS" = 201 ]
	wait_event user.roles.changed '.data.login == "bob.okafor" and .data.new == ["ops"]'
	wait_event user.roles.changed '.data.login == "alice.nguyen" and .data.old == ["admin"] and .data.new == ["ops"]'
	[ "$(count_events user.roles.changed '.data.login == "alice.nguyen" and .data.new == ["admin"]')" -eq 1 ]
	[ "$(count_events user.roles.changed '.data.login == "alice.nguyen" and .data.new == ["ops"]')" -eq 1 ]
}

hook_conf() {
	printf 'event_hook = %s\nevent_hook_timeout = %s\n' "$1" "$2" >>"$CONF"
}

# A SCIM POST of a user NAME; sets STATUS and SECONDS_TAKEN (its time_total).
timed_post() {
	curl -s -m 20 -o "$WORK/body" -w '%{http_code} %{time_total}\n' -X POST \
		-H "Authorization: Bearer $OKTA_TOKEN" -H "Content-Type: application/scim+json" \
		--data-binary "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"$1@meridian.example\"}" "$BASE/okta/Users" >"$WORK/timing"
	STATUS=$(cut -d' ' -f1 "$WORK/timing")
	SECONDS_TAKEN=$(cut -d' ' -f2 "$WORK/timing")
}

@test "events: a hanging hook never delays an answer; it is killed at the limit and logged" {
	cat >"$WORK/hang" <<EOF2
#!/bin/sh
cat > "$WORK/hook-input.\$\$"
sleep 30
EOF2
	chmod 755 "$WORK/hang"
	hook_conf "$WORK/hang" 2
	start_daemon
	# Five changes in a row: the hook hangs on the first for 2 s, the answers do not wait.
	for n in 1 2 3 4 5; do
		timed_post "user$n"
		[ "$STATUS" = 201 ]
		# Well before the hook's limit (2 s): the answer never waited for it.
		awk -v t="$SECONDS_TAKEN" 'BEGIN { exit !(t < 1.0) }' || { echo "answer $n took $SECONDS_TAKEN s"; false; }
	done
	for _ in $(seq 150); do
		grep -q "timed out after" "$LOG" && break
		sleep 0.1
	done
	grep "event hook $WORK/hang timed out after 2" "$LOG"
	# The hook had the event on its standard input.
	[ "$(jq -r .type "$WORK"/hook-input.* | sort -u)" = org.grouprole.user.created ]
	curl -s "http://127.0.0.1:$PORT/metrics" >"$WORK/metrics"
	grep -E '^grouprole_event_hook_timeouts_total [1-9]' "$WORK/metrics"
	grep -E '^grouprole_events_total [1-9]' "$WORK/metrics"
}

@test "events: a failing hook is logged and counted; the change stands" {
	printf '#!/bin/sh\nexit 7\n' >"$WORK/fail"
	chmod 755 "$WORK/fail"
	hook_conf "$WORK/fail" 5
	start_daemon
	make_alice
	wait_event user.created
	for _ in $(seq 100); do
		grep -q "exited with status 7" "$LOG" && break
		sleep 0.1
	done
	grep "event hook $WORK/fail exited with status 7 (event org.grouprole.user.created" "$LOG"
	grep -E '^grouprole_event_hook_failures_total [1-9]' <(curl -s "http://127.0.0.1:$PORT/metrics")
	run ctl user show alice.nguyen
	[ "$status" -eq 0 ]
}

@test "events: --since filters by time, a bad --since is refused in one line" {
	mkdir -p "$WORK/state"
	for t in 2020-01-01T00:00:00.000000Z 2025-06-01T12:00:00.000000Z; do
		printf '{"specversion":"1.0","id":"%s","source":"/grouprole/h/cli","type":"org.grouprole.user.created","time":"%s","subject":"users/okta/u1","datacontenttype":"application/json","data":{"login":"x"}}\n' \
			"id-${t:0:4}" "$t" >>"$WORK/state/events.log"
	done
	chmod 600 "$WORK/state/events.log"
	run ctl events --since 2024-01-01 --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<<"$output")" = id-2025 ]
	run ctl events --since 2025-06-01T12:00:01Z
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run ctl events
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "2020-01-01T00:00:00.000000Z user.created users/okta/u1 login=x" ]
	[ "${#lines[@]}" -eq 2 ]
	run --separate-stderr ctl events --since yesterday
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == "grouprolectl: --since: expected RFC 3339"* ]]
}

@test "events: --follow shows new events as they come, across a rotation" {
	echo "event_log_max = 4096" >>"$CONF"
	ctl role create r0 >/dev/null
	"$GR_BUILD/grouprolectl" --config "$CONF" events --follow --json >"$WORK/follow" 2>"$WORK/follow.err" 3>&- &
	FOLLOW=$!
	for n in $(seq 1 30); do
		ctl role create "r$n" >/dev/null
		ctl directory create "d$n" >/dev/null
		printf '%s\n' "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"totalResults\":1,\"Resources\":[{\"schemas\":[\"$SCIM_USER\"],\"id\":\"u$n\",\"userName\":\"user$n@meridian.example\"}]}" >"$WORK/u.json"
		printf '%s\n' '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}' >"$WORK/g.json"
		ctl import --directory "d$n" "$WORK/u.json" "$WORK/g.json" >/dev/null
	done
	[ -f "$WORK/state/events.log.1" ]
	# Every user.created, each exactly once, in order (bounded wait).
	for _ in $(seq 100); do
		[ "$(jq -r 'select(.type == "org.grouprole.user.created") | .subject' "$WORK/follow" | wc -l)" -ge 30 ] && break
		sleep 0.1
	done
	kill "$FOLLOW"
	wait "$FOLLOW" || true
	[ "$(jq -r 'select(.type == "org.grouprole.user.created") | .subject' "$WORK/follow" | tr '\n' ' ')" = \
		"$(for n in $(seq 1 30); do printf 'users/d%s/u%s ' "$n" "$n"; done)" ]
	[ "$(jq -r .id "$WORK/follow" | sort | uniq -d)" = "" ]
	[ "$(stat -c %a "$WORK/state/events.log")" = 600 ]
}

# Start tests/webhook_sink answering STATUS into $WORK/posts; sets SINK and SINK_PORT.
start_sink() {
	"$GR_BUILD/tests/webhook_sink" "$WORK/posts" "${1:-204}" >"$WORK/sink.out" 3>&- &
	SINK=$!
	for _ in $(seq 100); do
		SINK_PORT=$(sed -n 's/^port //p' "$WORK/sink.out")
		[ -n "$SINK_PORT" ] && return 0
		sleep 0.1
	done
	return 1
}

stop_sink() {
	[ -z "${SINK:-}" ] || { kill "$SINK"; wait "$SINK" || true; }
	SINK=
}

# The shipped webhook hook behind a wrapper (event_hook takes no arguments).
webhook_conf() {
	printf '#!/bin/sh\nexec %s --token-file %s --timeout 5 --allow-http http://127.0.0.1:%s/hook\n' \
		"$GR_BUILD/grouprole-webhook" "$WORK/token" "$SINK_PORT" >"$WORK/webhook"
	chmod 755 "$WORK/webhook"
	hook_conf "$WORK/webhook" 10
}

@test "events: the shipped webhook hook posts each event with its bearer token" {
	start_sink 204
	printf 'tok-123\n' >"$WORK/token"
	chmod 600 "$WORK/token"
	webhook_conf
	start_daemon
	make_alice
	for _ in $(seq 100); do
		grep -q user.created "$WORK/posts" 2>/dev/null && break
		sleep 0.1
	done
	stop_sink
	post=$(grep user.created "$WORK/posts" | head -n 1)
	[ "$(jq -r '.method, .path, .type, .auth' <<<"$post" | tr '\n' ' ')" = \
		"POST /hook application/cloudevents+json; charset=utf-8 Bearer tok-123 " ]
	body=$(jq -r .body <<<"$post")
	[ "$(jq -r '.type, .data.login' <<<"$body" | tr '\n' ' ')" = "org.grouprole.user.created alice.nguyen " ]
	# The event posted is the one in the log.
	[ "$(events_json | jq -r 'select(.type == "org.grouprole.user.created") | .id')" = "$(jq -r .id <<<"$body")" ]
	! grep -q "event hook" "$LOG"
}

@test "events: the webhook hook refuses a token file others can read, and says so without the token" {
	start_sink 204
	printf 'tok-secret\n' >"$WORK/token"
	chmod 644 "$WORK/token"
	webhook_conf
	start_daemon
	make_alice
	for _ in $(seq 100); do
		grep -q "exited with status 1" "$LOG" && break
		sleep 0.1
	done
	stop_sink
	grep "grouprole-webhook: $WORK/token: readable by others" "$LOG"
	grep "event hook $WORK/webhook exited with status 1" "$LOG"
	! grep -q tok-secret "$LOG"
	[ ! -s "$WORK/posts" ]
}

@test "events: the shipped end-sessions hook acts only on deactivations, never on system accounts" {
	hook=$GR_SRCDIR/examples/hooks/end-sessions
	run env GROUPROLE_EVENT_TYPE=org.grouprole.user.created GROUPROLE_EVENT_LOGIN=root "$hook"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run env GROUPROLE_EVENT_TYPE=org.grouprole.user.deactivated GROUPROLE_EVENT_LOGIN=root "$hook"
	[ "$status" -eq 2 ]
	[[ "$output" == *"refusing system account 'root' (uid 0)"* ]]
	run env GROUPROLE_EVENT_TYPE=org.grouprole.user.deleted GROUPROLE_EVENT_LOGIN='-rf' "$hook"
	[ "$status" -eq 2 ]
	[[ "$output" == *"refusing login name"* ]]
	# Unknown on this host: nothing to end.
	run env GROUPROLE_EVENT_TYPE=org.grouprole.user.deactivated GROUPROLE_EVENT_LOGIN=no.such.user.here "$hook"
	[ "$status" -eq 0 ]
}
