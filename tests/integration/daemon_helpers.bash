# Shared by tests/integration/*.bats: a real grouprole-scimd on a loopback
# port of its choosing, and curl calls to its SCIM and Management API faces.
# Every wait is bounded.

# Start the daemon with $CONF (under $DAEMON_WRAPPER, when set: valgrind);
# sets DAEMON, LOG, PORT, BASE (SCIM) and API.
start_daemon() {
	LOG=$WORK/scimd.log
	: >"$LOG" # exists before the daemon's shell opens it: the wait below reads it at once
	${DAEMON_WRAPPER:-} "$GR_BUILD/grouprole-scimd" --config "$CONF" --listen 127.0.0.1:0 2>"$LOG" 3>&- &
	DAEMON=$!
	PORT=
	for _ in $(seq 300); do
		PORT=$(sed -n 's/.*listening on .*, port \([0-9]*\)$/\1/p' "$LOG")
		[ -n "$PORT" ] && break
		kill -0 "$DAEMON" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$PORT" ] || { cat "$LOG"; return 1; }
	BASE=http://127.0.0.1:$PORT/scim/v2
	API=http://127.0.0.1:$PORT/api/v2
}

# Restart the daemon under valgrind's memcheck (skipped under sanitizers, or
# without valgrind unless CI=true).
start_daemon_valgrind() {
	[ -z "${GR_SANITIZE:-}" ] || skip "built with sanitizers"
	command -v valgrind >/dev/null || {
		[ "${CI:-}" != true ] || { echo "valgrind missing (CI=true)"; false; }
		skip "valgrind is not installed"
	}
	stop_daemon
	DAEMON_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
	start_daemon
}

# Stop the daemon started by start_daemon_valgrind: it must exit 0 with no
# memcheck error in its log.
stop_daemon_valgrind() {
	local rc=0
	kill -TERM "$DAEMON"
	wait "$DAEMON" || rc=$?
	DAEMON=
	grep -v "^client=" "$LOG" | tail -n 30
	[ "$rc" -eq 0 ]
	! grep -q "definitely lost\|Invalid \(read\|write\)\|uninitialised" "$LOG"
}

stop_daemon() {
	if [ -n "${DAEMON:-}" ] && kill -0 "$DAEMON" 2>/dev/null; then
		kill -TERM "$DAEMON"
		wait "$DAEMON" || true
	fi
	DAEMON=
}

# http METHOD URL BODY TOKEN CONTENT_TYPE: sets STATUS and BODY (an empty
# TOKEN sends no Authorization header).
http() {
	STATUS=$(curl -s -m 20 -o "$WORK/body" -w '%{http_code}' -X "$1" \
		${4:+-H "Authorization: Bearer $4"} \
		${3:+-H "Content-Type: $5" --data-binary "$3"} "$2")
	BODY=$(cat "$WORK/body")
}

# scim METHOD PATH [BODY] [TOKEN]: sets STATUS and BODY.
scim() {
	http "$1" "$BASE/$2" "${3-}" "${4-$OKTA_TOKEN}" application/scim+json
}

# The store's generation, from /healthz: unchanged means nothing was committed.
generation() {
	curl -s -m 10 "http://127.0.0.1:$PORT/healthz" | sed -n 's/^ok generation=//p'
}

# wait_group MEMBERS [GROUP]: until the NSS module shows GROUP (role-admin)
# with exactly MEMBERS (bounded: 10 s).
wait_group() {
	local want=$1 group=${2:-role-admin} got
	for _ in $(seq 100); do
		got=$(nw getent group "$group" 2>/dev/null | cut -d: -f4)
		[ "$got" = "$want" ] && return 0
		sleep 0.1
	done
	echo "$group members: '$got', want '$want'"
	return 1
}
