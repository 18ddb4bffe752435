# shellcheck shell=bash
# A grouprole LDAP set for tests: two providers in multi-provider
# replication and one replica, each a real slapd set up by
# packaging/ldap/grouprole-ldap-setup.  They listen on unix sockets only
# (ldapi), so no port can be taken from under them.

SETUP="$BATS_TEST_DIRNAME/../../packaging/ldap/grouprole-ldap-setup"
SUFFIX=dc=grouprole

need_slapd() {
	if ! command -v slapd >/dev/null 2>&1 && [ ! -x /usr/sbin/slapd ]; then
		[ "${CI:-}" != true ] || { echo "CI=true: slapd is missing (make deps installs it)" >&2; return 1; }
		skip "slapd is not installed (make deps installs it)"
	fi
	export PATH="$PATH:/usr/sbin"
}

# ldapi URL of server NAME (p1, p2, r1).
url() {
	printf 'ldapi://%s' "$(printf '%s' "$LDT/$1/run/ldapi" | sed 's|%|%25|g; s|/|%2F|g')"
}

# GR_SLAPD_DEBUG: slapd -d level (default "sync"; the fleet benchmark runs 0).
start_server() { # NAME
	slapd -F "$LDT/$1/slapd.d" -h "$(url "$1")" -d "${GR_SLAPD_DEBUG:-sync}" >"$LDT/$1.log" 2>&1 3>&- &
	echo $! >"$LDT/$1.pid"
	# Ready when the socket answers a root DSE read (bounded: 10 s).
	for _ in $(seq 100); do
		ldapsearch -x -LLL -H "$(url "$1")" -s base -b "" namingContexts >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "slapd $1 did not start:" >&2
	tail -20 "$LDT/$1.log" >&2
	return 1
}

stop_server() { # NAME
	local pid
	pid=$(cat "$LDT/$1.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	# slapd exits after closing its database (bounded: 10 s).
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || { rm -f "$LDT/$1.pid"; return 0; }
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$LDT/$1.pid"
}

# ldap tools as an identity: as writer ldapadd ...
as() { # IDENTITY TOOL ARGS...
	local who=$1 tool=$2
	shift 2
	"$tool" -x -D "cn=$who,ou=system,$SUFFIX" -y "$LDT/sec/$who.secret" "$@"
}

# Wait until a search on server NAME as IDENTITY prints WANT (bounded: 20 s).
wait_for() { # NAME IDENTITY BASE FILTER WANT
	local out
	for _ in $(seq 200); do
		out=$(as "$2" ldapsearch -LLL -o ldif-wrap=no -H "$(url "$1")" -b "$3" "$4" 2>/dev/null) || true
		case $out in *"$5"*) return 0 ;; esac
		sleep 0.1
	done
	echo "$1: '$4' under $3 never showed '$5'; last answer:" >&2
	echo "$out" >&2
	return 1
}

# GR_LDAP_SESSIONLOG: the servers' syncprov session log size (default: the
# script's, 100000).
start_ldap_set() {
	local sl=${GR_LDAP_SESSIONLOG:-100000}
	LDT=$(mktemp -d "${BATS_TMPDIR:-/tmp}/gr-ldap.XXXXXX")
	export LDT
	"$SETUP" secrets --secrets "$LDT/sec"
	"$SETUP" provider --dir "$LDT/p1" --server-id 1 --url "$(url p1)" \
		--peer "2=$(url p2)" --secrets "$LDT/sec" --sessionlog "$sl" >/dev/null
	"$SETUP" provider --dir "$LDT/p2" --server-id 2 --url "$(url p2)" \
		--peer "1=$(url p1)" --secrets "$LDT/sec" --sessionlog "$sl" >/dev/null
	"$SETUP" replica --dir "$LDT/r1" --url "$(url r1)" --provider "$(url p1)" \
		--provider "$(url p2)" --secrets "$LDT/sec" --sessionlog "$sl" >/dev/null
	start_server p1
	start_server p2
	start_server r1
	"$SETUP" init --dir "$LDT/p1" --secrets "$LDT/sec"
	# The identities themselves replicate: the replica can bind once p1's reach it.
	wait_for p2 replicator "$SUFFIX" "(cn=hosts)" "cn=hosts,ou=system"
	wait_for r1 hosts "ou=data,$SUFFIX" "(objectClass=*)" "dn: ou=data,$SUFFIX"
}

stop_ldap_set() {
	[ -n "${LDT:-}" ] || return 0
	stop_server p1
	stop_server p2
	stop_server r1
	rm -rf "$LDT"
}
