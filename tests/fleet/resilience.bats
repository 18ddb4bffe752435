#!/usr/bin/env bats
# The fleet under failure: a provider killed with kill -9 in the middle of
# a burst of SCIM writes, servers restarted one after the other while
# writes go on, a host whose cookie the server's session log no longer
# covers.  Real slapd servers (ldap_helpers.bash), grouprole-scimd and
# grouprolectl with store = ldap, hosts running grouprole-sync.  Every wait
# is on a condition and bounded; nothing asserts a duration.

load ../module/nss_helpers
load ../integration/daemon_helpers
load ldap_helpers
load sync_data
load sync_helpers

SCIM_USER='urn:ietf:params:scim:schemas:core:2.0:User'

setup_file() {
	need_slapd
	start_ldap_set
	{
		ldif_directory
		ldif_user u1 alice.nguyen@meridian.example true
		ldif_user u2 bob.okafor@meridian.example true
		ldif_group g1 Engineers u1 u2
	} | as writer ldapadd -H "$(url p1)" >/dev/null
	wait_for r1 hosts "ou=groups,grName=corp,$B" "(grId=g1)" "grMember: u2"
}

teardown_file() {
	stop_ldap_set
}

setup() {
	need_slapd
	setup_sync_host
	# The writer host, as in writer.bats: p1 first, then p2.
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
	SYNC2=
	WLOOP=
	MAIN_LDT=$LDT
}

teardown() {
	stop_daemon
	stop_sync
	if [ -n "${SYNC2:-}" ]; then
		kill "$SYNC2" 2>/dev/null || true
		wait "$SYNC2" || true
	fi
	if [ -n "${WLOOP:-}" ]; then
		touch "$WORK/stop"
		wait "$WLOOP" || true
	fi
	# A test with a set of its own stops it; the shared set runs again in full.
	if [ "$LDT" != "$MAIN_LDT" ]; then
		stop_ldap_set
		LDT=$MAIN_LDT
	fi
	for s in p1 p2 r1; do
		[ -e "$LDT/$s.pid" ] || start_server "$s"
	done
	teardown_nss_state
}

wctl() {
	"$GR_BUILD/grouprolectl" --config "$WCONF" "$@"
}

# kill -9 server NAME: no shutdown at all, the database as the crash left it.
kill9_server() { # NAME
	local pid
	pid=$(cat "$LDT/$1.pid")
	kill -9 "$pid"
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$pid" 2>/dev/null
	rm -f "$LDT/$1.pid"
}

# The sorted grId values under BASE on server NAME, as the replicator reads them.
ids_on() { # NAME BASE
	as replicator ldapsearch -LLL -o ldif-wrap=no -H "$(url "$1")" -b "$2" -s one '(grId=*)' grId 2>/dev/null |
		sed -n 's/^grId: //p' | sort
}

# Wait until every line of file WANT (sorted) is among ids_on NAME BASE (bounded: 30 s).
wait_ids() { # NAME BASE WANT-FILE
	local missing
	for _ in $(seq 300); do
		missing=$(comm -23 "$3" <(ids_on "$1" "$2"))
		[ -z "$missing" ] && return 0
		sleep 0.1
	done
	# shellcheck disable=SC2086 # one line, the IDs apart
	echo "$1 lacks under $2:" $missing >&2
	return 1
}

# Wait until CMD (a command line) prints every line of file WANT (bounded: 30 s).
wait_lines() { # WANT-FILE CMD...
	local want=$1 missing
	shift
	for _ in $(seq 300); do
		missing=$(comm -23 "$want" <("$@" 2>/dev/null | sort))
		[ -z "$missing" ] && return 0
		sleep 0.1
	done
	# shellcheck disable=SC2086 # one line, the IDs apart
	echo "'$*' lacks:" $missing >&2
	return 1
}

# The users of directory corp on the host of config CONF: "ID USERNAME" lines.
users_of() { # CONF
	"$GR_BUILD/grouprolectl" --config "$1" --json user list --directory corp | jq -r '.[] | "\(.id) \(.userName)"'
}

@test "a provider killed with kill -9 during a burst of SCIM writes loses no acknowledged write" {
	OKTA_TOKEN=$(wctl token create --directory corp | tail -n 1)
	CONF_SAVED=$CONF
	CONF=$WCONF start_daemon
	CONF=$CONF_SAVED
	grep -q "store = ldap: writing to" "$LOG"
	# 4 clients, 12 users each, in parallel: each answer is one line
	# "STATUS USERNAME ID" in its own file, the body kept for the refusals.
	# Clients 1 and 2 go straight through, so writes are in flight when p1
	# dies; 3 and 4 send their second half only once it is dead, so some
	# writes certainly meet a dead p1 first in ldap_uri.
	mkdir "$WORK/burst"
	for c in 1 2 3 4; do
		(
			for i in $(seq 12); do
				if [ "$c" -ge 3 ] && [ "$i" = 7 ]; then
					for _ in $(seq 300); do
						[ -e "$WORK/burst/killed" ] && break
						sleep 0.05
					done
				fi
				n="burst-$c-$i@meridian.example"
				st=$(curl -s -m 20 -o "$WORK/burst/$c-$i.body" -w '%{http_code}' -X POST \
					-H "Authorization: Bearer $OKTA_TOKEN" -H "Content-Type: application/scim+json" \
					--data-binary "{\"schemas\":[\"$SCIM_USER\"],\"userName\":\"$n\",\"active\":true}" \
					"$BASE/corp/Users") || true
				printf '%s %s %s\n' "$st" "$n" "$(jq -r '.id // "-"' "$WORK/burst/$c-$i.body" 2>/dev/null)" \
					>>"$WORK/burst/answers.$c"
			done
		) 3>&- &
		pids="${pids:-} $!"
	done
	# In the middle of the burst (a third of the answers in), p1 goes without a shutdown.
	for _ in $(seq 300); do
		[ "$(cat "$WORK"/burst/answers.* 2>/dev/null | wc -l)" -ge 16 ] && break
		sleep 0.05
	done
	[ "$(cat "$WORK"/burst/answers.* | wc -l)" -ge 16 ]
	kill9_server p1
	touch "$WORK/burst/killed"
	# shellcheck disable=SC2086
	wait $pids
	cat "$WORK"/burst/answers.* >"$WORK/answers"
	[ "$(wc -l <"$WORK/answers")" -eq 48 ]
	awk '$1 ~ /^2/ { print $3 }' "$WORK/answers" | sort >"$WORK/acked"
	awk '$1 ~ /^2/ { print $3 " " $2 }' "$WORK/answers" | sort >"$WORK/acked-users"
	echo "acknowledged: $(wc -l <"$WORK/acked") of 48"
	# Some were acknowledged before the kill, some by p2 after it (4 clients never all wait on p1).
	[ "$(wc -l <"$WORK/acked")" -ge 16 ]
	# A refusal is a SCIM error, 503, and leaves the writer's store without the user.
	awk '$1 !~ /^2/' "$WORK/answers" | while read -r st n _; do
		echo "refused: $st $n"
		[ "$st" = 503 ]
	done
	for f in "$WORK"/burst/*.body; do
		jq -e '.id' "$f" >/dev/null 2>&1 && continue
		[ "$(jq -r '.schemas[0]' "$f")" = urn:ietf:params:scim:api:messages:2.0:Error ]
		[ "$(jq -r .status "$f")" = 503 ]
	done
	# The writer's store holds exactly the acknowledged users (and the two from before).
	stop_daemon
	users_of "$WCONF" | grep ' burst-' | sort >"$WORK/writer-users"
	diff "$WORK/acked-users" "$WORK/writer-users"
	# p2 holds every acknowledged user, except those that p1 acknowledged
	# and had not yet passed on when it died: those are on p1's disk.
	comm -23 "$WORK/acked" <(ids_on p2 "ou=users,grName=corp,$B") >"$WORK/only-p1"
	echo "acknowledged by p1, not yet on p2: $(wc -l <"$WORK/only-p1")"
	start_server p1
	[ -z "$(comm -23 "$WORK/only-p1" <(ids_on p1 "ou=users,grName=corp,$B"))" ]
	# p1 back: every acknowledged user on both providers and the replica.
	wait_ids p1 "ou=users,grName=corp,$B" "$WORK/acked"
	wait_ids p2 "ou=users,grName=corp,$B" "$WORK/acked"
	wait_ids r1 "ou=users,grName=corp,$B" "$WORK/acked"
	# A host that follows the replica converges to all of them, the same as the writer.
	start_sync
	wait_lines "$WORK/acked-users" users_of "$CONF"
	[ "$(users_of "$CONF" | sort)" = "$(users_of "$WCONF" | sort)" ]
}

# The writes of the staggered restarts: role rN, and every third one
# assigned to Engineers, until $WORK/stop exists (at most 400); each
# acknowledged role in $WORK/acked-roles, each acknowledged assignment in
# $WORK/acked-maps, written only after grouprolectl exited 0.
write_loop() {
	local i
	for i in $(seq 400); do
		[ -e "$WORK/stop" ] && return 0
		wctl role create "r$i" --priority 1 >/dev/null 2>>"$WORK/refused" && echo "r$i" >>"$WORK/acked-roles"
		if [ $((i % 3)) = 0 ] && grep -qx "r$i" "$WORK/acked-roles"; then
			wctl group roles assign Engineers "r$i" --directory corp >/dev/null 2>>"$WORK/refused" &&
				echo "r$i" >>"$WORK/acked-maps"
		fi
	done
}

acked() {
	wc -l <"$WORK/acked-roles"
}

# Wait until N more roles than now are acknowledged (bounded: 30 s).
wait_more_writes() { # N
	local want=$(($(acked) + $1))
	for _ in $(seq 300); do
		[ "$(acked)" -ge "$want" ] && return 0
		sleep 0.1
	done
	echo "writes stalled at $(acked), want $want" >&2
	return 1
}

# grRole values of the mapping of g1 on server NAME, sorted.
mapped_on() { # NAME
	as replicator ldapsearch -LLL -o ldif-wrap=no -H "$(url "$1")" -s base \
		-b "grId=g1,ou=mappings,grName=corp,$B" grRole 2>/dev/null | sed -n 's/^grRole: //p' | sort
}

# Wait until server NAME maps g1 to every role of file WANT (bounded: 30 s).
wait_mapped() { # NAME WANT-FILE
	wait_lines "$2" mapped_on "$1"
}

role_slugs() { # CONF
	"$GR_BUILD/grouprolectl" --config "$1" --json role list | jq -r '.[].slug'
}

group_roles() { # CONF
	"$GR_BUILD/grouprolectl" --config "$1" --json group roles list Engineers --directory corp | jq -r '.[]'
}

@test "servers restarted in a staggered order while writes go on: hosts converge and no acknowledged write is lost" {
	# The mapping entry exists before the loop: the loop's assignments are single values.
	wctl role create base --priority 1 >/dev/null
	wctl group roles assign Engineers base --directory corp >/dev/null
	# Host A follows the replica first (setup_sync_host); host B provider p2 first.
	CONF_B=$WORK/hostb.conf
	sed "s|^state_dir = .*|state_dir = $WORK/stateb|; s|^ldap_uri = .*|ldap_uri = $(url p2) $(url r1)|" "$CONF" >"$CONF_B"
	chmod 644 "$CONF_B"
	start_sync
	"$GR_BUILD/grouprole-sync" --config "$CONF_B" 2>>"$WORK/syncb.log" 3>&- &
	SYNC2=$!
	: >"$WORK/acked-roles"
	: >"$WORK/acked-maps"
	write_loop 3>&- &
	WLOOP=$!
	wait_more_writes 5
	for s in p1 r1 p2; do
		stop_server "$s"
		wait_more_writes 5
		start_server "$s"
		# Back and caught up with what was acknowledged while it was away.
		sort "$WORK/acked-roles" >"$WORK/want"
		wait_ids "$s" "ou=roles,$B" "$WORK/want"
		{ cat "$WORK/acked-maps"; echo base; } | sort >"$WORK/want"
		wait_mapped "$s" "$WORK/want"
		wait_more_writes 3
	done
	touch "$WORK/stop"
	wait "$WLOOP"
	WLOOP=
	echo "acknowledged: $(acked) roles, $(wc -l <"$WORK/acked-maps") assignments; refused:"
	cat "$WORK/refused"
	{ sort "$WORK/acked-roles"; echo base; } | sort >"$WORK/want-roles"
	{ sort "$WORK/acked-maps"; echo base; } | sort >"$WORK/want-maps"
	# Every acknowledged write on every server...
	for s in p1 p2 r1; do
		wait_ids "$s" "ou=roles,$B" "$WORK/want-roles"
		wait_mapped "$s" "$WORK/want-maps"
	done
	# ...and nothing that was not acknowledged, on the writer either.
	[ "$(ids_on p1 "ou=roles,$B")" = "$(role_slugs "$WCONF" | sort)" ]
	[ "$(ids_on p1 "ou=roles,$B")" = "$(ids_on p2 "ou=roles,$B")" ]
	[ "$(mapped_on p1)" = "$(group_roles "$WCONF" | sort)" ]
	# ...and on both hosts, whose published snapshots end the same.
	for c in "$CONF" "$CONF_B"; do
		wait_lines "$WORK/want-roles" role_slugs "$c"
		wait_lines "$WORK/want-maps" group_roles "$c"
	done
	[ "$(role_slugs "$CONF" | sort)" = "$(role_slugs "$CONF_B" | sort)" ]
	for f in nss.tdb login.tdb; do
		[ -s "$WORK/state/$f" ] && [ -s "$WORK/stateb/$f" ]
		for _ in $(seq 200); do
			[ "$("$GR_BUILD/bench/fleet_tool" canon "$WORK/state/$f" | sha256sum)" = \
				"$("$GR_BUILD/bench/fleet_tool" canon "$WORK/stateb/$f" | sha256sum)" ] && break
			sleep 0.1
		done
		cmp <("$GR_BUILD/bench/fleet_tool" canon "$WORK/state/$f") \
			<("$GR_BUILD/bench/fleet_tool" canon "$WORK/stateb/$f")
	done
}

# (A host restarted with a cookie the session log covers resumes with an
# incremental refresh: sync.bats, "a restart resumes from the stored cookie".)
@test "a host whose cookie is older than the session log reloads in full and purges what was deleted" {
	# A set of its own, whose servers' session logs hold 5 changes.
	GR_LDAP_SESSIONLOG=5 start_ldap_set
	grep -q '^olcSpSessionlog: 5$' "$LDT/p1/slapd.d/cn=config/olcDatabase={1}mdb/olcOverlay={0}syncprov.ldif"
	{
		ldif_base
		ldif_role keep 200001
		ldif_role gone 200002
		ldif_user u1 alice.nguyen@meridian.example true
		ldif_group g1 Engineers u1
		ldif_mapping g1 keep gone
	} | as writer ldapadd -H "$(url p1)" >/dev/null
	sed -i "s|^ldap_uri = .*|ldap_uri = $(url p1)|; s|^ldap_secret_file = .*|ldap_secret_file = $LDT/sec/hosts.secret|" "$CONF"
	run "$GR_BUILD/grouprole-sync" --config "$CONF" --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"full refresh applied: "* ]]
	# Within the session log: the host resumes from its cookie.
	ldif_role new0 200010 | as writer ldapadd -H "$(url p1)" >/dev/null
	run "$GR_BUILD/grouprole-sync" --config "$CONF" --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"incremental refresh applied: 1 entries, 0 deleted, 0 purged"* ]]
	wait_group alice.nguyen role-gone
	# While the host is stopped: more changes than the log holds, among them
	# the deletion of a role the host has (and of its mapping value).
	printf 'dn: grId=g1,ou=mappings,grName=corp,%s\nchangetype: modify\ndelete: grRole\ngrRole: gone\n\ndn: grId=gone,ou=roles,%s\nchangetype: delete\n' \
		"$B" "$B" | as writer ldapmodify -H "$(url p1)" >/dev/null
	for i in $(seq 1 12); do
		ldif_role "new$i" "2001$((10 + i))"
	done | as writer ldapadd -H "$(url p1)" >/dev/null
	run "$GR_BUILD/grouprole-sync" --config "$CONF" --once
	echo "$output"
	[ "$status" -eq 0 ]
	# The server either sends a present phase (every entry it holds named,
	# the rest purged) or asks for a reload (e-syncRefreshRequired): either
	# is a full refresh, never an incremental one.
	[[ "$output" != *"incremental refresh applied"* ]]
	[[ "$output" == *"full refresh applied: "*", 1 purged, 0 skipped (present phase: the server could not resume from the cookie)"* ]] ||
		[[ "$output" == *"refresh required; reloading everything"*"full refresh applied: "* ]]
	# The end state: the deleted role gone, everything else there.
	role_slugs "$CONF" | sort >"$WORK/host-roles"
	printf '%s\n' keep new0 new{1..12} | sort >"$WORK/want"
	diff "$WORK/want" "$WORK/host-roles"
	run ctl role show gone
	[ "$status" -ne 0 ]
	[ "$(group_roles "$CONF")" = keep ]
	wait_group "" role-gone || ! nw getent group role-gone
	wait_group alice.nguyen role-keep
}
