#!/usr/bin/env bats
# grouprole-sync end to end: real slapd providers and a replica
# (ldap_helpers.bash), entries written as the fleet's writer would, a host
# with its own state directory following them; effects read back through
# grouprolectl and through the NSS module (nss_wrapper, as getent sees it).
# Every wait is bounded.

load ../module/nss_helpers
load ../integration/daemon_helpers
load ldap_helpers
load sync_data
load sync_helpers

setup_file() {
	need_slapd
	start_ldap_set
	{
		ldif_base
		ldif_role admin 200001
		ldif_role dev 200002
		ldif_user u1 alice.nguyen@meridian.example true
		ldif_user u2 bob.okafor@meridian.example true
		ldif_group g1 Engineers u1 u2
		ldif_mapping g1 admin
	} | as writer ldapadd -H "$(url p1)" >/dev/null
}

teardown_file() {
	stop_ldap_set
}

setup() {
	need_slapd
	setup_sync_host
}

teardown() {
	stop_sync
	teardown_nss_state
}

ldap_write() { # TOOL on provider p1 or p2 (second argument), LDIF on stdin
	as writer "$1" -H "$(url "${2:-p1}")" >/dev/null
}

@test "a host's first refresh brings every entry, and its snapshot serves the roles" {
	run "$GR_BUILD/grouprole-sync" --config "$CONF" --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"full refresh applied: 7 entries, 0 deleted, 0 purged, 0 skipped"* ]]
	run ctl role list
	[[ "$output" == *"admin"*"200001"* ]]
	[[ "$output" == *"dev"*"200002"* ]]
	wait_group alice.nguyen,bob.okafor role-admin
	run nw id -Gn alice.nguyen
	[[ "$output" == *role-admin* ]]
}

@test "the agent ignores SIGPIPE itself: a server gone under it is an error, not its end" {
	# Started the way a shell would, SIGPIPE at its default.
	env --default-signal=PIPE "$GR_BUILD/grouprole-sync" --config "$CONF" 2>>"$SYNC_LOG" 3>&- &
	SYNC=$!
	wait_group alice.nguyen,bob.okafor role-admin
	ign=$(awk '/^SigIgn:/ { print $2 }' "/proc/$SYNC/status")
	# SIGPIPE is signal 13: bit 12 of the mask.
	(((0x$ign >> 12) & 1))
}

@test "live changes reach the host: a member leaves, a mapping is added, a user is deleted" {
	start_sync
	wait_group alice.nguyen,bob.okafor role-admin
	printf 'dn: grId=g1,ou=groups,grName=corp,%s\nchangetype: modify\ndelete: grMember\ngrMember: u2\n' "$B" |
		ldap_write ldapmodify p2
	wait_group alice.nguyen role-admin
	printf 'dn: grId=g1,ou=mappings,grName=corp,%s\nchangetype: modify\nadd: grRole\ngrRole: dev\n' "$B" |
		ldap_write ldapmodify
	wait_group alice.nguyen role-dev
	ldif_user u3 carol@meridian.example true | ldap_write ldapadd
	# The writer deletes a user with its memberships, as a SCIM DELETE does.
	printf 'dn: grId=g1,ou=groups,grName=corp,%s\nchangetype: modify\ndelete: grMember\ngrMember: u1\n' "$B" |
		ldap_write ldapmodify
	printf 'dn: grId=u1,ou=users,grName=corp,%s\nchangetype: delete\n' "$B" | ldap_write ldapmodify
	wait_group "" role-admin
	run ctl user show u1 --directory corp
	[ "$status" -ne 0 ]
	run ctl user show carol --directory corp
	[ "$status" -eq 0 ]
	[[ "$output" == *"id:           u3"* ]]
	# Put the world back for the next tests.
	ldif_user u1 alice.nguyen@meridian.example true | ldap_write ldapadd
	printf 'dn: grId=g1,ou=groups,grName=corp,%s\nchangetype: modify\nadd: grMember\ngrMember: u1\ngrMember: u2\n' "$B" |
		ldap_write ldapmodify
	wait_group alice.nguyen,bob.okafor role-admin
}

@test "a restart resumes from the stored cookie instead of reloading everything" {
	run "$GR_BUILD/grouprole-sync" --config "$CONF" --once
	[[ "$output" == *"full refresh applied"* ]]
	ldif_role ops 200003 | ldap_write ldapadd
	run "$GR_BUILD/grouprole-sync" --config "$CONF" --once
	[ "$status" -eq 0 ]
	[[ "$output" == *"incremental refresh applied: 1 entries, 0 deleted, 0 purged"* ]]
	run ctl role show ops
	[[ "$output" == *200003* ]]
}

@test "entries that name what the host lacks wait for it; the rest goes on" {
	# A group whose member is not there yet, and its mapping.
	{ ldif_mapping g9 admin; ldif_group g9 Oncall u4; } | ldap_write ldapadd
	run "$GR_BUILD/grouprole-sync" --config "$CONF" --once
	[ "$status" -eq 0 ]
	# Groups apply before mappings: the mapping is complete; the group lacks its member.
	[[ "$output" == *"full refresh applied: "*", 0 skipped"* ]]
	wait_group alice.nguyen,bob.okafor role-admin
	run ctl group show Oncall --directory corp
	[ "$status" -eq 0 ]
	[[ "$output" != *dave* ]]
	# One entry waits, and the count kept beside the waiting entries says so.
	[ "$(tdbdump -k fleet/ndeferred "$WORK/state/directory.tdb")" = 1 ]
	# The member arrives: the waiting group completes by itself.
	start_sync
	ldif_user u4 dave@meridian.example true | ldap_write ldapadd
	wait_group alice.nguyen,bob.okafor,dave role-admin
	# A mapping to a role no server has waits too, and goes when the server deletes it.
	ldif_mapping g1 admin nosuchrole | sed 's/^dn: grId=g1,/dn: grId=g1x,/; s/^grId: g1$/grId: g1x/' |
		ldap_write ldapadd
	printf 'dn: grId=g1x,ou=mappings,grName=corp,%s\nchangetype: delete\n' "$B" | ldap_write ldapmodify
	printf 'dn: grId=u4,ou=users,grName=corp,%s\nchangetype: delete\n' "$B" | ldap_write ldapmodify
	wait_group alice.nguyen,bob.okafor role-admin
	stop_sync
	[ -z "$(tdbtool "$WORK/state/directory.tdb" keys 2>/dev/null | grep 'fleet/deferred/' || true)" ]
	[ "$(tdbdump -k fleet/ndeferred "$WORK/state/directory.tdb")" = 0 ]
	for k in g9; do
		printf 'dn: grId=%s,ou=mappings,grName=corp,%s\nchangetype: delete\n\ndn: grId=%s,ou=groups,grName=corp,%s\nchangetype: delete\n' \
			"$k" "$B" "$k" "$B" | ldap_write ldapmodify
	done
}

@test "an organization, its group roles, assignments and the policy apply; a mapping waits for its organization" {
	start_sync
	wait_group alice.nguyen,bob.okafor role-admin
	# Organization roles only, in an organization no server has yet: the mapping waits.
	{
		ldif_role payer 200009
		ldif_group g7 Payments u1
		ldif_org_mapping g7 "payments payer"
	} | ldap_write ldapadd
	for _ in $(seq 200); do
		ctl group show Payments --directory corp >/dev/null 2>&1 && break
		sleep 0.1
	done
	ctl group show Payments --directory corp >/dev/null
	[ -z "$(nw getent group role-payer | cut -d: -f4)" ]
	# The organization arrives, connected to corp with auto-membership: the
	# mapping completes by itself, and this host serves organization payments.
	{
		printf 'dn: ou=organizations,%s\nobjectClass: organizationalUnit\nou: organizations\n\n' "$B"
		ldif_org payments '{"corp":{"auto_membership":true}}' corp/u2
	} | ldap_write ldapadd
	wait_group alice.nguyen role-payer
	[ "$(ctl --json org show payments | jq -c '[.connections, [.members[].id]]')" = '[{"corp":{"auto_membership":true}},["u2"]]' ]
	[ "$(ctl --json org group roles list payments Payments --directory corp)" = "$(printf '[\n  "payer"\n]')" ] ||
		[ "$(ctl --json org group roles list payments Payments --directory corp | jq -c .)" = '["payer"]' ]
	# An assignment of payer on this host (web01) to bob; the policy.
	{
		printf 'dn: ou=assignments,grName=corp,%s\nobjectClass: organizationalUnit\nou: assignments\n\n' "$B"
		ldif_assignments u2 payer host:web01
		printf 'dn: ou=policy,%s\nobjectClass: organizationalUnit\nou: policy\n\n' "$B"
		ldif_policy '{"default_role":null,"multiple_roles":true,"role_attribute":"department"}'
	} | ldap_write ldapadd
	wait_group alice.nguyen,bob.okafor role-payer
	for _ in $(seq 200); do
		[ "$(ctl --json policy show | jq -r .role_attribute)" = department ] && break
		sleep 0.1
	done
	[ "$(ctl --json policy show | jq -r .role_attribute)" = department ]
	# Deletions: the assignment, the organization (its roles go with it), the policy.
	printf 'dn: grId=u2,ou=assignments,grName=corp,%s\nchangetype: delete\n' "$B" | ldap_write ldapmodify
	wait_group alice.nguyen role-payer
	printf 'dn: grName=payments,ou=organizations,%s\nchangetype: delete\n' "$B" | ldap_write ldapmodify
	wait_group "" role-payer
	printf 'dn: grName=policy,ou=policy,%s\nchangetype: delete\n' "$B" | ldap_write ldapmodify
	for _ in $(seq 200); do
		[ "$(ctl --json policy show | jq -r .role_attribute)" = null ] && break
		sleep 0.1
	done
	[ "$(ctl --json policy show | jq -r .role_attribute)" = null ]
	[ "$(ctl --json org list)" = "[]" ] || [ "$(ctl --json org list | jq length)" = 0 ]
	printf 'dn: grId=g7,ou=mappings,grName=corp,%s\nchangetype: delete\n\ndn: grId=g7,ou=groups,grName=corp,%s\nchangetype: delete\n' \
		"$B" "$B" | ldap_write ldapmodify
	printf 'dn: grId=payer,ou=roles,%s\nchangetype: delete\n' "$B" | ldap_write ldapmodify
}

@test "with the replica down the host follows the next server" {
	start_sync
	wait_group alice.nguyen,bob.okafor role-admin
	stop_server r1
	printf 'dn: grId=g1,ou=groups,grName=corp,%s\nchangetype: modify\ndelete: grMember\ngrMember: u2\n' "$B" |
		ldap_write ldapmodify p2
	wait_group alice.nguyen role-admin
	grep -q "following $(url p1)" "$SYNC_LOG"
	start_server r1
	printf 'dn: grId=g1,ou=groups,grName=corp,%s\nchangetype: modify\nadd: grMember\ngrMember: u2\n' "$B" |
		ldap_write ldapmodify
	wait_group alice.nguyen,bob.okafor role-admin
}

@test "a wrong secret or no server: a clear error, nothing changes" {
	printf 'wrong' >"$WORK/bad.secret"
	chmod 600 "$WORK/bad.secret"
	sed -i "s|^ldap_secret_file = .*|ldap_secret_file = $WORK/bad.secret|" "$CONF"
	run timeout 10 "$GR_BUILD/grouprole-sync" --config "$CONF" --once
	[[ "$output" == *"bind as cn=hosts,ou=system,dc=grouprole: Invalid credentials"* ]]
	[ ! -e "$WORK/state/nss.tdb" ]
	chmod 644 "$WORK/bad.secret"
	run timeout 10 "$GR_BUILD/grouprole-sync" --config "$CONF" --once
	[ "$status" -eq 1 ]
	[[ "$output" == *"readable by others"* ]]
}

# One account decision by the built PAM module (tests/module/pam_try.c, pam_wrapper).
# Not under SANITIZE=...: pam_wrapper cannot be preloaded ahead of the
# sanitizer runtimes, so those steps are left out there (callers test this).
have_pam_try() {
	[ -z "${GR_SANITIZE:-}" ]
}
pam_try() { # USER
	"$GR_BUILD/tests/pam_try" "$1" "$CONF" 3>&-
}

# Wait until `grouprolectl --json status` satisfies the jq filter FILTER
# (bounded: SECONDS, default 20).
wait_status() { # FILTER [SECONDS]
	for _ in $(seq "$(( ${2:-20} * 10 ))"); do
		ctl --json status 2>/dev/null | jq -e "$1" >/dev/null && return 0
		sleep 0.1
	done
	echo "status never satisfied '$1'; last:" >&2
	ctl --json status >&2 || true
	return 1
}

@test "status names the server in use and when the last change was applied" {
	start_sync
	wait_group alice.nguyen,bob.okafor role-admin
	wait_status ".sync.running and .sync.server == \"$(url r1)\""
	run ctl status
	[ "$status" -eq 0 ]
	[[ "$output" == *"grouprole-sync: running (pid $SYNC, since "* ]]
	[[ "$output" == *"server: $(url r1) (since "* ]]
	[[ "$output" == *"staleness: "[0-9]*" s (max_staleness 3600 s)"* ]]
	[[ "$output" != *STALE* ]]
	# A change moves the last-applied time.
	before=$(ctl --json status | jq .sync.last_change)
	sleep 1.1
	ldif_role auditor 200004 | ldap_write ldapadd
	wait_status ".sync.last_change > $before"
	run ctl --json status
	[ "$status" -eq 0 ]
	[ "$(jq -r '.sync.stale' <<<"$output")" = false ]
	[ "$(jq -r '.sync.staleness < 5' <<<"$output")" = true ]
	[ "$(jq -r '.sync.last_in_step >= .sync.last_change' <<<"$output")" = true ]
	# In step: a login is decided without a warning.
	if have_pam_try; then
		run pam_try alice.nguyen
		[ "$status" -eq 0 ]
		[[ "$output" == *'result="allow"'* ]]
		[[ "$output" != *"host stale"* ]]
	fi
	# A stopped daemon is no host in step.
	stop_sync
	run ctl status
	[ "$status" -eq 1 ]
	[[ "$output" == *"grouprole-sync: not running"* ]]
	[[ "$output" == *"server: none"* ]]
	printf 'dn: grId=auditor,ou=roles,%s\nchangetype: delete\n' "$B" | ldap_write ldapmodify
}

# last_change_ns of sync.status, as the daemon wrote it (0 when never).
last_change_ns() {
	jq -r '.last_change_ns // 0' "$WORK/state/sync.status"
}

@test "two commits of the same size in a row both move last_change, after the publish" {
	start_sync
	wait_group alice.nguyen,bob.okafor role-admin
	wait_status ".sync.server != null"
	# Each write below is one entry, so each persist commit applies exactly
	# one: the counters alone did not tell the second from the first.
	t0=$(last_change_ns)
	for i in 1 2 3; do
		ldif_role "same$i" "20001$i" | ldap_write ldapadd
		for _ in $(seq 200); do
			[ "$(last_change_ns)" -gt "$t0" ] && break
			sleep 0.1
		done
		t=$(last_change_ns)
		echo "write $i: last_change_ns $t0 -> $t"
		[ "$t" -gt "$t0" ]
		# Published by the time the status says applied: NSS serves it.
		run nw getent group "role-same$i"
		[ "$status" -eq 0 ]
		[[ "$output" == "role-same$i:"*":20001$i:"* ]]
		t0=$t
	done
	[ "$(jq -r '.last_change == (.last_change_ns / 1000000000 | floor)' "$WORK/state/sync.status")" = true ]
	for i in 1 2 3; do
		printf 'dn: grId=same%s,ou=roles,%s\nchangetype: delete\n' "$i" "$B" | ldap_write ldapmodify
	done
}

@test "with every server down past max_staleness: status exits 1, check warns, PAM warns and allows" {
	# 5 s: while connected the host is at most about 2 s out of step (a quiet
	# poll returns each second), so a loaded machine never looks stale here.
	echo "max_staleness = 5s" >>"$CONF"
	start_sync
	wait_group alice.nguyen,bob.okafor role-admin
	wait_status '.sync.server != null'
	# (The fixture's host organization does not exist: check warns about that anyway.)
	run ctl check
	[ "$status" -eq 4 ]
	[[ "$output" == *"ok: database and snapshot are consistent"* ]]
	[[ "$output" != *"host is stale"* ]]
	stop_server r1
	stop_server p1
	stop_server p2
	wait_status '.sync.stale'
	run ctl status
	[ "$status" -eq 1 ]
	[[ "$output" == *"grouprole-sync: running"* ]]
	[[ "$output" == *"server: none"* ]]
	[[ "$output" == *"(max_staleness 5 s): STALE"* ]]
	[[ "$output" == *"last error: "* ]]
	run ctl --json status
	[ "$status" -eq 1 ]
	[ "$(jq -r '.sync.stale' <<<"$output")" = true ]
	[ "$(jq -r '.sync.server' <<<"$output")" = null ]
	[ "$(jq -r '.sync.staleness > 5' <<<"$output")" = true ]
	# A warning, not a problem: exit 4.
	run ctl check
	[ "$status" -eq 4 ]
	[[ "$output" == *"warning: host is stale: last in step with the fleet's LDAP servers "*" s ago (max_staleness 5 s)"* ]]
	# The host stays autonomous: the login is allowed, with a warning line.
	if have_pam_try; then
		run pam_try alice.nguyen
		[ "$status" -eq 0 ]
		[[ "$output" == *"acct: Success"* ]]
		[[ "$output" == *'result="allow"'* ]]
		[[ "$output" == *'user="alice.nguyen" result="allow" warning="host stale: last in step with the fleet '*' s ago (max_staleness 5 s); deciding from local data"'* ]]
	fi
	# max_staleness = 0 turns the warnings off.
	sed -i 's/^max_staleness = .*/max_staleness = 0/' "$CONF"
	if have_pam_try; then
		run pam_try alice.nguyen
		[ "$status" -eq 0 ]
		[[ "$output" != *"host stale"* ]]
	fi
	run ctl status
	[ "$status" -eq 0 ]
	# The servers return: the host is in step again (once its back-off,
	# at most 60 s, lets it try).
	sed -i 's/^max_staleness = .*/max_staleness = 5s/' "$CONF"
	start_server p1
	start_server p2
	start_server r1
	wait_status '.sync.stale == false and .sync.server != null' 70
	run ctl check
	[[ "$output" != *"host is stale"* ]]
}

@test "grouprole-sync under valgrind: a full refresh, no error, no leak" {
	[ -z "${GR_SANITIZE:-}" ] || skip "valgrind cannot run sanitized binaries"
	run valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		"$GR_BUILD/grouprole-sync" --config "$CONF" --once
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"full refresh applied"* ]]
	wait_group alice.nguyen,bob.okafor role-admin
}
