#!/bin/bash
# SPDX-License-Identifier: MIT
# make bench-fleet: how fast a write reaches every host of a fleet.
#
# Two providers and a replica (tests/fleet/ldap_helpers.bash: real slapd,
# unix sockets), a data set loaded on p1, then N hosts, each a
# grouprole-sync with its own state directory and configuration: half
# follow the replica first, a quarter p1, a quarter p2 (each with the
# others as fallbacks).  Once every host has applied its first refresh, W
# writes alternate between p1 and p2: a member added to a group, removed,
# a role added to a group's mapping, removed.  Each write is timed at its
# acknowledgement (ldapmodify returned), and the next one starts only when
# every host has applied it, so each host's sync.status last_change_ns
# (its own clock, taken once the change is committed *and* published to
# its NSS/PAM snapshot) belongs to that write:
#
#   convergence = last_change_ns - acknowledged
#
# A host can apply a write before ldapmodify has exited and the script has
# read the clock; such a sample counts as 0 and is reported ("before ack").
#
# Then the fleet's promise with its central side gone: on the first S hosts
# (BENCH_FLEET_SPEED_HOSTS, 5; they follow r1, p1 and p2 first between
# them), fleet_tool speed times NSS lookups (getgrnam_r of a role group,
# getgrouplist of a user: the built libnss_grouprole.so.2's entry points)
# and login decisions (pam_grouprole.so's acct_mgmt + open_session) against
# the host's own state directory, in a fresh process per host, phase and
# round (BENCH_FLEET_SPEED_ROUNDS, 3; each host's figures come from its
# round with the lowest median, the least disturbed, as bench-nss does):
#   up      servers and agents running, all converged;
#   down    every slapd stopped, the agents running (reconnecting, with
#           backoff: each host's sync.status says it lost its server);
#   alone   the agents stopped too;
#   back    only with BENCH_FLEET_SPEED_BACK=1: servers and agents started
#           again, every host in step (a second "up": the figures for up
#           are then each host's best round of the two, so a drift in the
#           machine's other load cannot pose as a ratio; it costs a resend
#           of every entry to every host, about 15 s at 50 hosts).
# The medians of every round with the servers up, lowest and highest, are
# printed beside the ratios: a ratio within that spread is noise.
# The answers (group members, group list, PAM codes and exported roles) of
# each phase must equal those with the servers up; the ratios down/up and
# alone/up are measured in the same run (no timing is asserted).
#
# Environment: GR_BUILD, GR_SRCDIR (set by make); BENCH_FLEET_HOSTS (50),
# BENCH_FLEET_WRITES (10), BENCH_FLEET_USERS (1000), BENCH_FLEET_GROUPS (100,
# 20 members each), BENCH_FLEET_TIMEOUT (seconds per wait, 120; the first
# refresh gets one more per host),
# BENCH_FLEET_SPEED_HOSTS (5), BENCH_FLEET_SPEED_ROUNDS (3),
# BENCH_FLEET_SPEED_BACK=1 (the phase "back" below),
# BENCH_FLEET_SPEED_SAMPLES (NSS calls per operation, host, phase and
# round, 20000; PAM decisions: one hundredth, at least 100),
# BENCH_FLEET_ANSWERS=DIR copies each phase's fleet_tool speed output there
# (PHASE.hI.rR, for tests/fleet/bench_smoke.bats),
# BENCH_FLEET_KEEP=1 keeps the work directory, BENCH_FLEET_SMAPS=FILE
# saves the first agent's /proc/PID/smaps.  Every wait is bounded; on
# exit, whatever the script started is stopped.
set -euo pipefail

: "${GR_BUILD:?GR_BUILD: the build directory}"
: "${GR_SRCDIR:?GR_SRCDIR: the source tree}"
HOSTS=${BENCH_FLEET_HOSTS:-50}
WRITES=${BENCH_FLEET_WRITES:-10}
NUSERS=${BENCH_FLEET_USERS:-1000}
NGROUPS=${BENCH_FLEET_GROUPS:-100}
MEMBERS=20
NROLES=10
TIMEOUT=${BENCH_FLEET_TIMEOUT:-120}
SPEED_HOSTS=${BENCH_FLEET_SPEED_HOSTS:-5}
SPEED_SAMPLES=${BENCH_FLEET_SPEED_SAMPLES:-20000}
SPEED_ROUNDS=${BENCH_FLEET_SPEED_ROUNDS:-3}
TOOL=$GR_BUILD/bench/fleet_tool

# ldap_helpers.bash finds the setup script next to the tests, and puts its
# servers under BATS_TMPDIR; the benchmark is not a bats file.
# shellcheck disable=SC2034 # both read by ldap_helpers.bash
BATS_TEST_DIRNAME=$GR_SRCDIR/tests/fleet
# shellcheck disable=SC2034
BATS_TMPDIR=${TMPDIR:-/tmp}
# slapd's "sync" debug log writes lines per consumer and change: at hundreds
# of consumers it costs the servers more than the replication does.
GR_SLAPD_DEBUG=${GR_SLAPD_DEBUG:-0}
export PATH="$PATH:/usr/sbin"
# shellcheck source=tests/fleet/ldap_helpers.bash
. "$GR_SRCDIR/tests/fleet/ldap_helpers.bash"
# shellcheck source=tests/fleet/sync_data.bash
. "$GR_SRCDIR/tests/fleet/sync_data.bash"

die() {
	echo "fleet_bench: $*" >&2
	exit 1
}

command -v slapd >/dev/null 2>&1 || die "slapd is not installed (make deps installs it)"
[ -x "$TOOL" ] || die "$TOOL is missing (make $TOOL)"
if [ "$HOSTS" -lt 1 ] || [ "$WRITES" -lt 1 ]; then
	die "BENCH_FLEET_HOSTS and BENCH_FLEET_WRITES: at least 1"
fi
[ "$NUSERS" -gt "$MEMBERS" ] || die "BENCH_FLEET_USERS: more than $MEMBERS"
[ "$SPEED_HOSTS" -ge 1 ] || die "BENCH_FLEET_SPEED_HOSTS: at least 1"
[ "$SPEED_HOSTS" -le "$HOSTS" ] || SPEED_HOSTS=$HOSTS
[ "$SPEED_SAMPLES" -ge 100 ] || die "BENCH_FLEET_SPEED_SAMPLES: at least 100"
[ "$SPEED_ROUNDS" -ge 1 ] || die "BENCH_FLEET_SPEED_ROUNDS: at least 1"

# File descriptors: each slapd holds one per consumer (all N when the others
# are down), each host a handful.  Raise the soft limit to what that needs.
need=$((HOSTS * 2 + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
	ulimit -n "$need" 2>/dev/null ||
		die "ulimit -n is $(ulimit -n) and cannot be raised to $need (hard limit $(ulimit -Hn))"
fi

PIDS=()
# Stop the processes PID... and wait for them; bounded like every other
# wait: 10 s, then SIGKILL.
stop_pids() { # PID...
	local pid alive
	for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
	for _ in $(seq 100); do
		alive=
		for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1 && break; done
		[ -n "$alive" ] || break
		sleep 0.1
	done
	for pid in "$@"; do kill -9 "$pid" 2>/dev/null || true; done
	for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}
cleanup() {
	set +e
	stop_pids "${PIDS[@]}"
	if [ "${BENCH_FLEET_KEEP:-}" = 1 ] && [ -n "${LDT:-}" ]; then
		stop_server p1
		stop_server p2
		stop_server r1
		echo "fleet_bench: kept $LDT" >&2
	else
		stop_ldap_set
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Clock readings (ns), each set by now_ns.
t_setup=0 t_data=0 t1=0 t2=0 t_hosts=0 t_ready=0 t_writes=0 t_done=0 t0=0 ack=0
t_speed=0 t_speed_done=0
now_ns() { # VAR: CLOCK_REALTIME in ns, without a fork where bash can (5.0+)
	# shellcheck disable=SC2034 # a nameref: the caller's variable
	local -n out=$1
	if [ -n "${EPOCHREALTIME:-}" ]; then
		out=${EPOCHREALTIME//[!0-9]/}000
	else
		out=$(date +%s%N)
	fi
}

ms() { # NS -> milliseconds with one decimal
	awk -v n="$1" 'BEGIN { printf "%.1f", n / 1e6 }'
}

now_ns t_setup
start_ldap_set
W=$LDT/bench
mkdir -p "$W"

# ---- the data set, loaded on p1 ----
data_ldif() {
	local i j g
	ldif_base
	for i in $(seq "$NROLES"); do ldif_role "r$i" "$((200000 + i))"; done
	for i in $(seq "$NUSERS"); do ldif_user "u$i" "user$i@bench.example" true; done
	for g in $(seq "$NGROUPS"); do
		local m=()
		for j in $(seq 0 $((MEMBERS - 1))); do m+=("u$(((g * 7 + j) % NUSERS + 1))"); done
		ldif_group "g$g" "Group $g" "${m[@]}"
	done
	for g in $(seq "$NGROUPS"); do ldif_mapping "g$g" "r$(((g - 1) % NROLES + 1))"; done
}
data_ldif >"$W/data.ldif"
as writer ldapadd -H "$(url p1)" -f "$W/data.ldif" >/dev/null
entries=$(grep -c '^dn: ' "$W/data.ldif")
# Replicated everywhere before a host starts: the last entry written.
wait_for p2 hosts "ou=mappings,grName=corp,$B" "(grId=g$NGROUPS)" "grId=g$NGROUPS,"
wait_for r1 hosts "ou=mappings,grName=corp,$B" "(grId=g$NGROUPS)" "grId=g$NGROUPS,"
# What a host's full refresh reads, as LDIF text (the BER on the wire is of
# the same order; the attributes are those grouprole-sync asks for).
refresh_bytes=$(as hosts ldapsearch -LLL -o ldif-wrap=no -H "$(url r1)" -b "$B" \
	'(objectClass=*)' objectClass grId grName grJson grMember grRole | wc -c)
now_ns t_data

# One host's full refresh on its own, before the fleet starts: its time
# (commit and publish included), and with strace, when installed, the bytes
# it read from the server's socket -- what a full reload costs the network.
conf_for() { # STATE_DIR URIS
	cat <<C
state_dir = $1
test_mode = yes
login_domains = bench.example
ldap_uri = $2
ldap_secret_file = $LDT/sec/hosts.secret
C
}
mkdir -p "$W/solo/state" "$W/solo/traced"
conf_for "$W/solo/state" "$(url r1)" >"$W/solo/grouprole.conf"
now_ns t1
timeout "$TIMEOUT" "$GR_BUILD/grouprole-sync" --config "$W/solo/grouprole.conf" --once \
	2>"$W/solo/sync.log" || die "a lone host's full refresh failed; see $W/solo/sync.log"
now_ns t2
solo_ms=$(ms $((t2 - t1)))
wire_bytes=unmeasured
if command -v strace >/dev/null 2>&1; then
	conf_for "$W/solo/traced" "$(url r1)" >"$W/solo/traced.conf"
	# LeakSanitizer cannot run under ptrace: a sanitized build (make check
	# SANITIZE=...) leaves the leak check to the untraced run above.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		timeout "$TIMEOUT" strace -f -yy -e trace=read,recvfrom,recvmsg -e signal=none \
		-o "$W/solo/strace" "$GR_BUILD/grouprole-sync" --config "$W/solo/traced.conf" --once \
		2>"$W/solo/traced.log" || die "a traced full refresh failed: $(tail -n 3 "$W/solo/traced.log")"
	wire_bytes=$(awk '/<UNIX-STREAM:|<socket:|<TCP/ && / = [0-9]+$/ { n += $NF }
		END { printf "%.0f\n", n }' \
		"$W/solo/strace")
fi

# ---- the hosts ----
# Host I's agent, in the background, its pid appended to PIDS.  Started
# with SIGPIPE at its default: grouprole-sync ignores it itself (an agent
# whose server was stopped under it once died of it here, status 141).
start_agent() { # I
	"$GR_BUILD/grouprole-sync" --config "$W/h$1/grouprole.conf" 2>>"$W/h$1/sync.log" 3>&- &
	PIDS+=($!)
}
now_ns t_hosts
DIRS=()
for i in $(seq "$HOSTS"); do
	h=$W/h$i
	mkdir -p "$h/state"
	case $((i % 4)) in
	0 | 2) uris="$(url r1) $(url p1) $(url p2)" ;;
	1) uris="$(url p1) $(url p2) $(url r1)" ;;
	3) uris="$(url p2) $(url p1) $(url r1)" ;;
	esac
	conf_for "$h/state" "$uris" >"$h/grouprole.conf"
	: >"$h/sync.log"
	start_agent "$i"
	DIRS+=("$h/state")
done
# Every host loads everything at once here: allow a second per host more.
"$TOOL" wait --since 1 --timeout $((TIMEOUT + HOSTS)) "${DIRS[@]}" >"$W/refresh.out" ||
	die "not every host finished its first refresh within $((TIMEOUT + HOSTS)) s"
now_ns t_ready
for pid in "${PIDS[@]}"; do
	kill -0 "$pid" 2>/dev/null || die "a grouprole-sync (pid $pid) exited; see $W/h*/sync.log"
done

# CPU time (ms) of processes, from /proc/PID/stat (utime + stime, in clock ticks).
cpu_ms() { # PID...
	local hz
	hz=$(getconf CLK_TCK)
	for pid in "$@"; do cat "/proc/$pid/stat"; done 2>/dev/null |
		awk -v hz="$hz" '{ sub(/^.*\) /, ""); t += $12 + $13 } END { printf "%.0f\n", t * 1000 / hz }'
}
SERVERS=("$(cat "$LDT/p1.pid")" "$(cat "$LDT/p2.pid")" "$(cat "$LDT/r1.pid")")

# ---- the writes ----
: >"$W/samples"
: >"$W/ldapmodify"
cpu_hosts0=$(cpu_ms "${PIDS[@]}")
cpu_servers0=$(cpu_ms "${SERVERS[@]}")
now_ns t_writes
for k in $(seq "$WRITES"); do
	if [ $((k % 2)) = 1 ]; then p=p1; else p=p2; fi
	# A cycle of four on group g: a user who is not a member joins and
	# leaves, a role it does not map to is mapped and unmapped.  Every
	# write changes what NSS serves; the next cycle takes the next group.
	g=$(((k - 1) / 4 % NGROUPS + 1))
	dn_group="dn: grId=g$g,ou=groups,grName=corp,$B"
	dn_map="dn: grId=g$g,ou=mappings,grName=corp,$B"
	user=u$(((g * 7 + MEMBERS) % NUSERS + 1))
	role=r$((g % NROLES + 1))
	case $((k % 4)) in
	1) ldif="$dn_group"$'\nchangetype: modify\nadd: grMember\ngrMember: '"$user" ;;
	2) ldif="$dn_group"$'\nchangetype: modify\ndelete: grMember\ngrMember: '"$user" ;;
	3) ldif="$dn_map"$'\nchangetype: modify\nadd: grRole\ngrRole: '"$role" ;;
	0) ldif="$dn_map"$'\nchangetype: modify\ndelete: grRole\ngrRole: '"$role" ;;
	esac
	now_ns t0
	printf '%s\n' "$ldif" | as writer ldapmodify -H "$(url "$p")" >/dev/null ||
		die "write $k on $p failed"
	now_ns ack
	"$TOOL" wait --since "$t0" --timeout "$TIMEOUT" "${DIRS[@]}" >"$W/write$k.out" ||
		die "write $k (on $p, acknowledged at $ack): not every host applied it within $TIMEOUT s"
	# One sample per host: nanoseconds after the acknowledgement, and 1 when
	# the host was ahead of it.
	# printf, not print: mawk prints numbers past 2^31 as 2.1e+09, which
	# sort -n then orders among the smallest.
	awk -v ack="$ack" -v t0="$t0" '{ d = $2 - ack
		printf "%.0f %d %.0f\n", (d < 0 ? 0 : d), (d < 0), $2 - t0 }' \
		"$W/write$k.out" >"$W/write$k.samples"
	echo $((ack - t0)) >>"$W/ldapmodify"
	cat "$W/write$k.samples" >>"$W/samples"
	echo "write $k on $p: slowest host $(ms "$(sort -n "$W/write$k.samples" | tail -1 | cut -d' ' -f1)") ms"
done

now_ns t_done
cpu_hosts=$(($(cpu_ms "${PIDS[@]}") - cpu_hosts0))
cpu_servers=$(($(cpu_ms "${SERVERS[@]}") - cpu_servers0))

# ---- figures ----
read -r p50 p99 pmax early nsamples < <(cut -d' ' -f1,2 "$W/samples" | sort -n |
	awk '{ v[NR] = $1; e += $2 }
	function rank(q,  r) { r = int(q * NR); if (r < q * NR) r++; return r < 1 ? 1 : r }
	END { printf "%.1f %.1f %.1f %d %d\n", v[rank(0.5)] / 1e6, v[rank(0.99)] / 1e6,
		v[NR] / 1e6, e, NR }')
# The same from the moment ldapmodify started: the acknowledgement lies
# between the two (ldapmodify's own run and exit are in the difference).
read -r s50 s99 smax < <(cut -d' ' -f3 "$W/samples" | sort -n |
	awk '{ v[NR] = $1 }
	function rank(q,  r) { r = int(q * NR); if (r < q * NR) r++; return r < 1 ? 1 : r }
	END { printf "%.1f %.1f %.1f\n", v[rank(0.5)] / 1e6, v[rank(0.99)] / 1e6, v[NR] / 1e6 }')
read -r lm50 lmmax < <(sort -n "$W/ldapmodify" |
	awk '{ v[NR] = $1 } END { printf "%.1f %.1f\n", v[int((NR + 1) / 2)] / 1e6, v[NR] / 1e6 }')
converged=$(awk '{ print $1 }' "$W"/write*.out | sort | uniq -c | awk -v w="$WRITES" '$1 == w' | wc -l)

# Snapshots: record for record with the per-host header fields set aside
# (fleet_tool canon), and the files byte for byte (these differ once hosts
# patch their snapshots: record placement follows each host's history).
identical=yes
raw_identical=yes
for f in nss.tdb login.tdb; do
	for d in "${DIRS[@]}"; do
		[ -e "$d/$f" ] || die "$d/$f: no snapshot published"
		printf '%s %s\n' "$("$TOOL" canon "$d/$f" | sha256sum | cut -d' ' -f1)" \
			"$(sha256sum <"$d/$f" | cut -d' ' -f1)"
	done >"$W/digest.$f"
	[ "$(cut -d' ' -f1 "$W/digest.$f" | sort -u | wc -l)" = 1 ] || identical=no
	[ "$(cut -d' ' -f2 "$W/digest.$f" | sort -u | wc -l)" = 1 ] || raw_identical=no
done

# Memory of every agent, in kB: VmRSS, and its anonymous, file and shared
# parts; once just after the writes (above: the canonical dumps take a
# moment at 300 hosts), once at rest: an agent returns the heap its
# publishes freed after a quiet second (lib/fleet/consumer.c).
memory() { # FILE
	for pid in "${PIDS[@]}"; do
		awk '/^(VmRSS|RssAnon|RssFile|RssShmem):/ { v[$1] = $2 }
			END { print v["VmRSS:"], v["RssAnon:"], v["RssFile:"], v["RssShmem:"] }' \
			"/proc/$pid/status" || die "grouprole-sync pid $pid is gone"
	done >"$1"
}
mem() { # COLUMN [FILE] -> "median max"
	cut -d' ' -f"$1" "${2:-$W/memory}" | sort -n |
		awk '{ v[NR] = $1 } END { printf "%d %d\n", v[int((NR + 1) / 2)], v[NR] }'
}
memory "$W/memory"
sleep 2.5
memory "$W/memory.rest"
# BENCH_FLEET_SMAPS=FILE: the first agent's mappings (at rest), to see where its memory goes.
[ -z "${BENCH_FLEET_SMAPS:-}" ] || cp "/proc/${PIDS[0]}/smaps" "$BENCH_FLEET_SMAPS"
read -r rss_med rss_max < <(mem 1)
read -r anon_med anon_max < <(mem 2)
read -r file_med file_max < <(mem 3)
read -r shm_med shm_max < <(mem 4)
read -r rest_med rest_max < <(mem 1 "$W/memory.rest")
read -r rest_anon_med rest_anon_max < <(mem 2 "$W/memory.rest")
# Each server: how many hosts follow it (their sync.status "server"), its memory.
servers_line=
for name in p1 p2 r1; do
	u=$(url "$name")
	n=0
	for d in "${DIRS[@]}"; do
		grep -qF "\"server\":\"$u\"" "$d/sync.status" && n=$((n + 1))
	done
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$(cat "$LDT/$name.pid")/status")
	servers_line="$servers_line $name: $n hosts, VmRSS $rss kB;"
done

# ---- lookups and login decisions, servers up, then down ----
# user15 is in groups g1 and g2 (roles r1 and r2) whatever the data set's
# size; role-r1 holds every member of g1, g11, g21, ...
SPEED_USER=user15
SPEED_GROUP="role-r1"
mkdir -p "$W/speed"
# PHASE: fleet_tool speed on each sampled host, round after round, into
# $W/speed/PHASE.hI.rR (a round visits every host, so a burst of load on
# the machine spoils one round of several hosts, not every round of one).
speed_phase() {
	local i r f
	for r in $(seq "$SPEED_ROUNDS"); do
		for i in $(seq "$SPEED_HOSTS"); do
			f=$W/speed/$1.h$i.r$r
			timeout "$TIMEOUT" "$TOOL" speed --samples "$SPEED_SAMPLES" \
				"$W/h$i/grouprole.conf" "$SPEED_USER" "$SPEED_GROUP" >"$f" 2>"$f.err" ||
				die "fleet_tool speed on host $i ($1, round $r): $(tail -n 3 "$f.err")"
			[ -z "${BENCH_FLEET_ANSWERS:-}" ] || cp "$f" "$BENCH_FLEET_ANSWERS/"
		done
	done
}
[ -z "${BENCH_FLEET_ANSWERS:-}" ] || mkdir -p "$BENCH_FLEET_ANSWERS"
# Bounded: until every host's sync.status names a server (WANT = some) or
# none (WANT = none), within SECONDS.
wait_all_servers() { # WANT SECONDS
	local d left pattern='"server":"'
	[ "$1" = some ] || pattern='"server":null'
	for _ in $(seq $(($2 * 10))); do
		left=0
		for d in "${DIRS[@]}"; do
			grep -qF "$pattern" "$d/sync.status" || left=$((left + 1))
		done
		[ "$left" = 0 ] && return 0
		sleep 0.1
	done
	die "$left of $HOSTS hosts do not show $1 server in their sync.status after $2 s"
}
stop_servers() {
	stop_server p1
	stop_server p2
	stop_server r1
}
agents_alive() { # WHEN: PIDS[I - 1] is host I's agent
	local i st
	for i in $(seq "$HOSTS"); do
		kill -0 "${PIDS[i - 1]}" 2>/dev/null && continue
		st=0
		wait "${PIDS[i - 1]}" || st=$?
		die "host $i's grouprole-sync (pid ${PIDS[i - 1]}) exited $1 (status $st);" \
			"$W/h$i/sync.log ends: $(tail -n 5 "$W/h$i/sync.log")"
	done
}

# Up, down (servers stopped), alone (agents stopped too).  With
# BENCH_FLEET_SPEED_BACK=1, then back: servers and agents started again,
# every host in step (resumed from its cookie), so that "up" is measured
# on both sides of "down" and a drift in the machine's other load cannot
# pose as a ratio.  Off by default: a restarted slapd has lost its session
# log, so every host is sent every entry again (15 s at 50 hosts).  The
# agents are restarted rather than left to reconnect: after the down phase
# their backoff would make the fleet wait seconds for nothing.
now_ns t_speed
speed_phase up
now_ns t1
stop_servers
wait_all_servers none "$TIMEOUT"
now_ns t2
down_ms=$(ms $((t2 - t1)))
cpu_down0=$(cpu_ms "${PIDS[@]}")
now_ns t1
speed_phase down
# The agents keep trying to reconnect meanwhile: their CPU over this phase.
now_ns t2
cpu_down=$(($(cpu_ms "${PIDS[@]}") - cpu_down0))
down_phase_ms=$(ms $((t2 - t1)))
agents_alive "with the servers down"
# The agents too: stopped and waited for.
stop_pids "${PIDS[@]}"
PIDS=()
speed_phase alone
up_phases=up
back_line=
if [ "${BENCH_FLEET_SPEED_BACK:-}" = 1 ]; then
	now_ns t1
	start_server p1
	start_server p2
	start_server r1
	for i in $(seq "$HOSTS"); do start_agent "$i"; done
	# In step again: sync.status's mtime (= last_in_step) past the restart's
	# second; before it, every host was last in step when its server stopped.
	restart_s=$((t1 / 1000000000))
	for _ in $(seq $((TIMEOUT * 10))); do
		left=$(for d in "${DIRS[@]}"; do echo "$d/sync.status"; done | xargs stat -c %Y |
			awk -v t="$restart_s" '$1 <= t { n++ } END { print n + 0 }')
		[ "$left" = 0 ] && break
		sleep 0.1
	done
	[ "$left" = 0 ] || die "$left of $HOSTS hosts not in step $TIMEOUT s after the restart"
	now_ns t2
	back_ms=$(ms $((t2 - t1)))
	speed_phase back
	agents_alive "after the restart"
	up_phases="up back"
	back_line="every host in step again $back_ms ms after servers and agents restarted; "
fi
now_ns t_speed_done

# The answers of every round of every phase against the first round with
# the servers up, host by host: a host counts when all of them are equal.
same_phase() { # PHASE -> how many hosts answered as with the servers up
	local i r n=0 same
	for i in $(seq "$SPEED_HOSTS"); do
		grep '^answer ' "$W/speed/up.h$i.r1" >"$W/speed/h$i.answers"
		same=1
		for r in $(seq "$SPEED_ROUNDS"); do
			grep '^answer ' "$W/speed/$1.h$i.r$r" | cmp -s - "$W/speed/h$i.answers" || same=
		done
		[ -z "$same" ] || n=$((n + 1))
	done
	echo "$n"
}
same_up=$(same_phase up)
same_down=$(same_phase down)
same_alone=$(same_phase alone)
# One figure per phase and operation: each host's least disturbed round (the
# lowest median, with its p99), then the median over the hosts of those.
speed_of() { # "PHASE..." OP -> "MEDIAN P99"
	local i p files
	for i in $(seq "$SPEED_HOSTS"); do
		files=()
		for p in $1; do files+=("$W/speed/$p.h$i".r*); done
		awk -v op="$2" '$1 == "time" && $2 == op { print $3, $4 }' "${files[@]}" |
			sort -n | head -n 1
	done | awk '{ m[NR] = $1; p[NR] = $2 }
	function med(v, n,  i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		return v[int((n + 1) / 2)]
	}
	END { printf "%d %d\n", med(m, NR), med(p, NR) }'
}
ratio() { # A B -> A/B with two decimals
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}
speed_table=$(printf '%-13s %-9s %-9s %-9s %-9s %-10s %-9s %-9s %-11s\n' \
	operation up_med_ns up_p99_ns down_med down_p99 down/up alone_med alone_p99 alone/up)
speed_lines=
speed_alone=
speed_updown=
speed_noise=
for op in getgrnam getgrouplist pam; do
	# "up": the least disturbed round (before the stops or after the restart).
	read -r um up < <(speed_of "$up_phases" "$op")
	if [ "$up_phases" != up ]; then
		read -r bm _ < <(speed_of up "$op")
		read -r km _ < <(speed_of back "$op")
		speed_updown+="${speed_updown:+, }$op $bm/$km ns"
	fi
	# How far apart the rounds with the servers up are: every host, every round.
	speed_noise+="${speed_noise:+, }$op $(awk -v op="$op" '$1 == "time" && $2 == op { print $3 }' \
		"$W/speed/up".h*.r* | sort -n | sed -n '1p;$p' | paste -sd- -) ns"
	read -r dm dp < <(speed_of down "$op")
	read -r am ap < <(speed_of alone "$op")
	speed_table+=$'\n'$(printf '%-13s %-9s %-9s %-9s %-9s %-10s %-9s %-9s %-11s' \
		"$op" "$um" "$up" "$dm" "$dp" "$(ratio "$dm" "$um")" "$am" "$ap" "$(ratio "$am" "$um")")
	case $op in
	getgrnam) what="getgrnam_r($SPEED_GROUP)" ;;
	getgrouplist) what="getgrouplist($SPEED_USER)" ;;
	pam) what="pam decision (acct_mgmt + open_session, $SPEED_USER)" ;;
	esac
	speed_lines+="${speed_lines:+, }$what median $dm ns (up $um ns, ratio $(ratio "$dm" "$um"))"
	speed_alone+="${speed_alone:+, }$what median $am ns (up $um ns, ratio $(ratio "$am" "$um"))"
done

echo "data: $entries entries ($NUSERS users, $NGROUPS groups of $MEMBERS members, $NROLES roles," \
	"$NGROUPS mappings)"
echo "full refresh of one host alone: $solo_ms ms (commit and publish included);" \
	"$wire_bytes bytes read from the server socket; $refresh_bytes bytes as LDIF"
echo "setup (3 servers, data replicated): $(ms $((t_data - t_setup))) ms;" \
	"first refresh of all $HOSTS hosts: $(ms $((t_ready - t_hosts))) ms"
printf '%-6s %-6s %-8s %-8s %-8s %-9s %-10s %-10s %-14s %-11s %-15s %-12s\n' \
	hosts writes p50_ms p99_ms max_ms converged before_ack identical rss_median_kb rss_max_kb \
	anon_median_kb anon_max_kb
printf '%-6s %-6s %-8s %-8s %-8s %-9s %-10s %-10s %-14s %-11s %-15s %-12s\n' \
	"$HOSTS" "$WRITES" "$p50" "$p99" "$pmax" "$converged/$HOSTS" "$early/$nsamples" "$identical" \
	"$rss_med" "$rss_max" "$anon_med" "$anon_max"
echo "convergence: publish on the host (sync.status last_change_ns) minus the write's" \
	"acknowledgement, over $nsamples samples (hosts x writes)"
echo "from the start of ldapmodify instead: p50 $s50, p99 $s99, max $smax ms; ldapmodify" \
	"took $lm50 ms (median), $lmmax ms (max) from start to exit"
echo "identical: the records of nss.tdb and login.tdb on every host, the header's generation," \
	"creation time and file size set aside (per host by design); files byte for byte: $raw_identical"
echo "write phase: $(ms $((t_done - t_writes))) ms wall; CPU $cpu_hosts ms in the agents," \
	"$cpu_servers ms in the 3 slapd (clock ticks; includes the idle polls)"
echo "servers:${servers_line%;}"
echo "agent memory (kB, median/max): VmRSS $rss_med/$rss_max = RssAnon $anon_med/$anon_max" \
	"+ RssFile $file_med/$file_max + RssShmem $shm_med/$shm_max;" \
	"at rest (2.5 s later): VmRSS $rest_med/$rest_max, RssAnon $rest_anon_med/$rest_anon_max"
echo "lookups and login decisions on $SPEED_HOSTS hosts (fleet_tool speed: $SPEED_SAMPLES NSS calls" \
	"and $((SPEED_SAMPLES / 100 < 100 ? 100 : SPEED_SAMPLES / 100)) PAM decisions per operation," \
	"host, phase and round, $SPEED_ROUNDS rounds; ns: each host's least disturbed round, median" \
	"over the hosts):"
echo "$speed_table"
echo "servers down: $speed_lines"
echo "servers and agents down: $speed_alone"
echo "noise: the medians of the rounds with the servers up, lowest-highest over hosts and" \
	"rounds: $speed_noise"
[ -z "$back_line" ] ||
	echo "up (servers and agents running) is each host's best round before the stops or after the" \
		"restart; medians before/after: $speed_updown"
echo "answers with servers down: identical to servers up on $same_down/$SPEED_HOSTS hosts;" \
	"with the agents down too: $same_alone/$SPEED_HOSTS; every round with the servers up" \
	"alike: $same_up/$SPEED_HOSTS${back_line:+, after the restart: $(same_phase back)/$SPEED_HOSTS}" \
	"(group members, group list, PAM codes and GROUPROLE_ROLES)"
echo "speed phase: $(ms $((t_speed_done - t_speed))) ms wall; every host without a server" \
	"$down_ms ms after the stops began; the agents used $cpu_down ms CPU retrying during the" \
	"$down_phase_ms ms down phase${back_line:+; ${back_line%; }}"
