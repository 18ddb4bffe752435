# shellcheck shell=bash
# A host that follows the fleet with grouprole-sync (tests/fleet/*.bats):
# nss_helpers' state directory and $CONF, pointed at the replica first and
# then provider p1, with the hosts identity.  Needs ldap_helpers and
# nss_helpers loaded and the LDAP set started.

setup_sync_host() {
	setup_nss_state
	cat >>"$CONF" <<C
ldap_uri = $(url r1) $(url p1)
ldap_secret_file = $LDT/sec/hosts.secret
C
	SYNC_LOG=$WORK/sync.log
}

# grouprole-sync for $CONF in the background (SYNC: its pid), logging to $SYNC_LOG.
start_sync() {
	"$GR_BUILD/grouprole-sync" --config "$CONF" 2>>"$SYNC_LOG" 3>&- &
	SYNC=$!
}

stop_sync() {
	[ -n "${SYNC:-}" ] || return 0
	kill "$SYNC" 2>/dev/null || true
	wait "$SYNC" || true
	SYNC=
}
