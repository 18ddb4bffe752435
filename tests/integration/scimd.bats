#!/usr/bin/env bats
# grouprole-scimd end to end over loopback: a real daemon, real curl, the
# effects read back through grouprolectl and through the NSS module (with
# nss_wrapper, as getent sees it).  Every wait is bounded; none is a timing
# assertion.

load ../module/nss_helpers
load daemon_helpers

SCIM_USER='urn:ietf:params:scim:schemas:core:2.0:User'

setup() {
	setup_nss_state
	ctl directory create okta >/dev/null
	ctl directory create entra >/dev/null
	ctl role create admin --priority 10 >/dev/null
	OKTA_TOKEN=$(ctl token create --directory okta --description "okta push" | tail -n 1)
	ENTRA_TOKEN=$(ctl token create --directory entra | tail -n 1)
	start_daemon
}

teardown() {
	stop_daemon
	teardown_nss_state
}

@test "scimd: Okta provisioning reaches getent without anyone running a command" {
	scim GET "okta/Users?filter=userName%20eq%20%22alice.nguyen%40meridian.example%22"
	[ "$STATUS" = 200 ]
	[ "$(jq -r .totalResults <<<"$BODY")" = 0 ]
	scim POST okta/Users "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"alice.nguyen@meridian.example\",\"active\":true,\"password\":\"x\"}"
	[ "$STATUS" = 201 ]
	uid=$(jq -r .id <<<"$BODY")
	[ "$(jq -r .password <<<"$BODY")" = null ]
	scim POST okta/Groups '{"displayName":"SRE","members":[{"value":"'"$uid"'"}]}'
	[ "$STATUS" = 201 ]
	gid=$(jq -r .id <<<"$BODY")
	ctl group roles assign SRE admin --directory okta >/dev/null
	wait_group alice.nguyen
	run ctl user show alice.nguyen
	[[ "$output" == *admin* ]]
	# Deactivation by PATCH: the role is gone from NSS, the user stays readable.
	scim PATCH "okta/Users/$uid" '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}'
	[ "$STATUS" = 200 ]
	[ "$(jq -r .active <<<"$BODY")" = false ]
	wait_group ""
	scim GET "okta/Users/$uid"
	[ "$STATUS" = 200 ]
	[ "$(jq -r '.groups[0].display' <<<"$BODY")" = SRE ]
	# Reactivation brings it back; deleting the group takes it away.
	scim PATCH "okta/Users/$uid" '{"Operations":[{"op":"Replace","path":"active","value":"True"}]}'
	[ "$STATUS" = 200 ]
	wait_group alice.nguyen
	scim DELETE "okta/Groups/$gid"
	[ "$STATUS" = 204 ]
	wait_group ""
	# The daemon's own changes were published as patches of its last snapshots.
	grep -E '^grouprole_publish_patches_total [1-9]' <(curl -s -m 10 "http://127.0.0.1:$PORT/metrics")
}

@test "scimd: a token reaches its own directory only, and every refusal looks the same" {
	scim GET okta/Users "" ""
	[ "$STATUS" = 401 ]
	first=$BODY
	scim GET okta/Users "" "$ENTRA_TOKEN"
	[ "$STATUS" = 401 ]
	[ "$BODY" = "$first" ]
	scim GET nosuchdir/Users "" "$OKTA_TOKEN"
	[ "$STATUS" = 401 ]
	[ "$BODY" = "$first" ]
	scim GET okta/Users "" "grs_0000000000000000_$(printf '0%.0s' $(seq 64))"
	[ "$STATUS" = 401 ]
	[ "$BODY" = "$first" ]
	[ "$(jq -r .schemas[0] <<<"$BODY")" = urn:ietf:params:scim:api:messages:2.0:Error ]
	run curl -s -m 10 -D - -o /dev/null "$BASE/okta/Users"
	[[ "$output" == *"WWW-Authenticate: Bearer realm=\"grouprole\""* ]]
	scim GET entra/Users "" "$ENTRA_TOKEN"
	[ "$STATUS" = 200 ]
	# Rotation: a second token works beside the first; revoking the first leaves the second.
	second=$(ctl token create --directory okta | tail -n 1)
	scim GET okta/Users "" "$second"
	[ "$STATUS" = 200 ]
	id=$(cut -d_ -f2 <<<"$OKTA_TOKEN")
	ctl token revoke "$id" >/dev/null
	scim GET okta/Users
	[ "$STATUS" = 401 ]
	scim GET okta/Users "" "$second"
	[ "$STATUS" = 200 ]
	# The daemon's log never holds a token.
	! grep -q "$second" "$LOG"
	! grep -q "${OKTA_TOKEN#grs_*_}" "$LOG"
	run curl -s -m 10 "http://127.0.0.1:$PORT/metrics"
	[[ "$output" == *"grouprole_auth_failures_total 6"* ]]
}

@test "scimd: errors are SCIM errors with the right status and scimType" {
	scim GET "okta/Users?filter=userName%20eq"
	[ "$STATUS" = 400 ]
	[ "$(jq -r .scimType <<<"$BODY")" = invalidFilter ]
	scim POST okta/Users '{"userName":'
	[ "$STATUS" = 400 ]
	[ "$(jq -r .scimType <<<"$BODY")" = invalidSyntax ]
	scim GET okta/Nope
	[ "$STATUS" = 404 ]
	scim DELETE okta/Users/does-not-exist
	[ "$STATUS" = 404 ]
	head -c 5000000 /dev/zero | tr '\0' ' ' >"$WORK/big"
	STATUS=$(curl -s -m 20 -o "$WORK/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $OKTA_TOKEN" \
		--data-binary @"$WORK/big" "$BASE/okta/Users")
	[ "$STATUS" = 413 ]
	# Okta posts without a Content-Type.
	STATUS=$(curl -s -m 20 -o "$WORK/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $OKTA_TOKEN" \
		-H 'Content-Type:' --data-binary '{"userName":"bob.okafor@meridian.example"}' "$BASE/okta/Users")
	[ "$STATUS" = 201 ]
	scim POST okta/Users '{"userName":"BOB.OKAFOR@meridian.example"}'
	[ "$STATUS" = 409 ]
	[ "$(jq -r .scimType <<<"$BODY")" = uniqueness ]
	run curl -s -m 10 "http://127.0.0.1:$PORT/healthz"
	[[ "$output" == "ok generation="* ]]
}

@test "scimd: SIGHUP keeps serving, SIGTERM stops cleanly after publishing" {
	kill -HUP "$DAEMON"
	scim POST okta/Users '{"userName":"frank.rossi@meridian.example"}'
	[ "$STATUS" = 201 ]
	kill -TERM "$DAEMON"
	wait "$DAEMON"
	DAEMON=
	grep -q "stopping" "$LOG"
	run ctl user show frank.rossi
	[ "$status" -eq 0 ]
}

@test "scimd: plain HTTP on a non-loopback address is refused" {
	run "$GR_BUILD/grouprole-scimd" --config "$CONF" --listen 0.0.0.0:0
	[ "$status" -eq 2 ]
	[[ "$output" == *"refusing plain HTTP on 0.0.0.0:0"* ]]
	run "$GR_BUILD/grouprole-scimd" --config "$CONF" --listen nonsense
	[ "$status" -eq 2 ]
}

@test "scimd: kill -9 during provisioning loses no change that was answered 2xx" {
	# Four provisioning clients in the background record every id answered
	# 201; running at once, their requests share commits (group commit).
	pushers=
	for p in 1 2 3 4; do
		(
			for i in $(seq 1 150); do
				code=$(curl -s -m 10 -o "$WORK/c.$p.$i" -w '%{http_code}' -X POST \
					-H "Authorization: Bearer $OKTA_TOKEN" \
					--data-binary "{\"userName\":\"u$p.$i@meridian.example\"}" \
					"$BASE/okta/Users") || break
				[ "$code" = 201 ] && jq -r .id "$WORK/c.$p.$i" >>"$WORK/acked.$p"
			done
		) &
		pushers="$pushers $!"
	done
	# Kill the daemon once some requests have been answered, mid-run.
	for _ in $(seq 200); do
		[ "$(cat "$WORK"/acked.* 2>/dev/null | wc -l)" -ge 25 ] && break
		sleep 0.05
	done
	kill -KILL "$DAEMON"
	wait "$DAEMON" || true
	DAEMON=
	for p in $pushers; do wait "$p" || true; done
	cat "$WORK"/acked.* >"$WORK/acked"
	acked=$(wc -l <"$WORK/acked")
	[ "$acked" -ge 25 ]
	# The database opens cleanly and holds every acknowledged user.
	start_daemon
	while read -r id; do
		scim GET "okta/Users/$id"
		[ "$STATUS" = 200 ] || { echo "lost $id"; return 1; }
	done <"$WORK/acked"
	run ctl user list --json
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -ge "$acked" ]
}

@test "scimd: concurrent writes share commits and keep every rule" {
	# Eight clients create the same userName at once (cases differ): one 201, seven 409.
	# (Each wait names its jobs: a bare wait would also wait for the daemon.)
	jobs_=
	for i in 1 2 3 4 5 6 7 8; do
		name=$( [ $((i % 2)) = 0 ] && echo Same.User || echo same.user )
		curl -s -m 20 -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $OKTA_TOKEN" \
			--data-binary "{\"userName\":\"$name@meridian.example\"}" "$BASE/okta/Users" \
			>"$WORK/dup.$i" &
		jobs_="$jobs_ $!"
	done
	wait $jobs_
	[ "$(cat "$WORK"/dup.* | grep -c '^201$')" = 1 ]
	[ "$(cat "$WORK"/dup.* | grep -c '^409$')" = 7 ]
	# Eight members, each added by its own PATCH at the same time: all of them stay.
	scim POST okta/Groups '{"displayName":"Crowd"}'
	[ "$STATUS" = 201 ]
	gid=$(jq -r .id <<<"$BODY")
	ids=
	for i in 1 2 3 4 5 6 7 8; do
		scim POST okta/Users "{\"userName\":\"m$i@meridian.example\"}"
		[ "$STATUS" = 201 ]
		ids="$ids $(jq -r .id <<<"$BODY")"
	done
	jobs_=
	for id in $ids; do
		curl -s -m 20 -o "$WORK/patch.$id" -w '%{http_code}\n' -X PATCH -H "Authorization: Bearer $OKTA_TOKEN" \
			--data-binary '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"'"$id"'"}]}]}' \
			"$BASE/okta/Groups/$gid" >"$WORK/code.$id" &
		jobs_="$jobs_ $!"
	done
	wait $jobs_
	cat "$WORK"/code.* >"$WORK/patch.codes"
	[ "$(grep -c '^200$' "$WORK/patch.codes")" = 8 ]
	scim GET "okta/Groups/$gid"
	[ "$(jq '.members | length' <<<"$BODY")" = 8 ]
	for id in $ids; do
		jq -e --arg id "$id" '[.members[].value] | index($id) != null' <<<"$BODY" >/dev/null
	done
	# The same, read back after a restart: it was all on disk.
	stop_daemon
	start_daemon
	scim GET "okta/Groups/$gid"
	[ "$(jq '.members | length' <<<"$BODY")" = 8 ]
	run ctl user list --json
	[ "$(jq '[.[] | select(.userName | ascii_downcase == "same.user@meridian.example")] | length' <<<"$output")" = 1 ]
}

@test "scimd: clean under valgrind through concurrent writes, a refusal and a stop" {
	start_daemon_valgrind
	jobs_=
	for i in 1 2 3 4; do
		curl -s -m 60 -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $OKTA_TOKEN" \
			--data-binary "{\"userName\":\"v$i@meridian.example\"}" "$BASE/okta/Users" >"$WORK/vg.$i" &
		jobs_="$jobs_ $!"
	done
	wait $jobs_
	[ "$(cat "$WORK"/vg.* | grep -c '^201$')" = 4 ]
	scim POST okta/Users '{"userName":"V1@meridian.example"}'
	[ "$STATUS" = 409 ]
	scim POST okta/Groups '{"displayName":"Valgrind","members":[]}'
	[ "$STATUS" = 201 ]
	scim GET "okta/Users?filter=userName%20sw%20%22v%22"
	[ "$(jq -r .totalResults <<<"$BODY")" = 4 ]
	stop_daemon_valgrind
}

@test "scimd: grouprolectl status shows what the daemon is doing, and when it stopped" {
	scim POST okta/Users '{"userName":"bob.okafor@meridian.example"}'
	[ "$STATUS" = 201 ]
	# The publish that follows updates the status file (bounded wait).
	for _ in $(seq 100); do
		run ctl status --json
		[ "$(jq -r '.last_publish.generation // 0' <<<"$output")" -ge 5 ] && break
		sleep 0.1
	done
	run ctl status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.running, .state, .pid, .listen] | @tsv' <<<"$output")" = "true	running	$DAEMON	127.0.0.1:$PORT" ]
	[ "$(jq -r .last_publish.ok <<<"$output")" = true ]
	run ctl status
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "grouprole-scimd: running (pid $DAEMON, since "*"), http on 127.0.0.1:$PORT" ]]
	[[ "${lines[3]}" == "last publish: "*", ok, generation "* ]]
	stop_daemon
	run ctl status
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "grouprole-scimd: not running" ]
}

# wait_passwd NAME WANT: until getent passwd NAME prints WANT ("" for none), bounded: 10 s.
wait_passwd() {
	local got
	for _ in $(seq 100); do
		got=$(nw getent passwd "$1" 2>/dev/null || true)
		[ "$got" = "$2" ] && return 0
		sleep 0.1
	done
	echo "getent passwd $1: '$got', want '$2'"
	return 1
}

@test "scimd: with users = yes a pushed user becomes an account with its keys, live" {
	local ext=urn:ietf:params:scim:schemas:extension:grouprole:2.0:User key
	key='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA laptop'
	stop_daemon
	printf 'users = yes\nssh_keys_attribute = %s:sshPublicKeys\n' "$ext" >>"$CONF"
	rm -f "$LOG" # start_daemon reads the new port from it
	# The host's accounts as nss_wrapper's files: alice.nguyen is a local account.
	DAEMON_WRAPPER=$(nw_env "$GR_BUILD/grouprole-scimd") start_daemon
	scim POST okta/Users "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"erin@meridian.example\",\"displayName\":\"Erin K\",\"$ext\":{\"sshPublicKeys\":[\"$key\"]}}"
	[ "$STATUS" = 201 ]
	uid=$(jq -r .id <<<"$BODY")
	wait_passwd erin "erin:*:300000:300000:Erin K:/home/erin:/bin/bash"
	run -0 "$GR_BUILD/grouprole-ssh-keys" --config "$CONF" erin
	[ "$output" = "$key" ]
	# Renamed by PATCH: the same uid under the new login.
	scim PATCH "okta/Users/$uid" '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":"erin.k@meridian.example"}]}'
	[ "$STATUS" = 200 ]
	wait_passwd erin.k "erin.k:*:300000:300000:Erin K:/home/erin.k:/bin/bash"
	# Deactivated: the account stays, the keys go.
	scim PATCH "okta/Users/$uid" '{"Operations":[{"op":"replace","path":"active","value":false}]}'
	[ "$STATUS" = 200 ]
	for _ in $(seq 100); do
		[ -z "$("$GR_BUILD/grouprole-ssh-keys" --config "$CONF" erin.k)" ] && break
		sleep 0.1
	done
	run -0 "$GR_BUILD/grouprole-ssh-keys" --config "$CONF" erin.k
	[ -z "$output" ]
	run -0 nw getent passwd erin.k
	# Deleted: gone.
	scim DELETE "okta/Users/$uid"
	[ "$STATUS" = 204 ]
	wait_passwd erin.k ""
	run -2 nw getent passwd 300000
	# A directory login that is a local account: not served, and the log says so.
	scim POST okta/Users "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"alice.nguyen@meridian.example\"}"
	[ "$STATUS" = 201 ]
	for _ in $(seq 100); do
		grep -q 'directory login(s) are local accounts' "$LOG" && break
		sleep 0.1
	done
	grep -qF 'grouprole-scimd: 1 directory login(s) are local accounts and not served as accounts (the first: alice.nguyen); see grouprolectl check' "$LOG"
	run -0 nw getent passwd alice.nguyen
	[ "$output" = "alice.nguyen:x:1001:1001::/tmp:/bin/sh" ]
}
