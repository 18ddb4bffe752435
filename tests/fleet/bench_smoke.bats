#!/usr/bin/env bats
# make bench-fleet's script, small: 3 hosts, 2 writes, a small data set.
# It checks what the table says -- every host converged, the snapshots are
# identical, the figures are numbers -- and that nothing it started is left
# behind.  Then the phase with the servers down: the speed table and lines
# are printed with numbers, and what NSS and PAM answered on each sampled
# host with the servers up, down, with the agents stopped too, and back
# (fleet_tool speed's answer lines, BENCH_FLEET_ANSWERS) are the same and
# are what the data set says.  No timing is asserted: speed is for
# `make bench-fleet`.

load ldap_helpers

@test "bench/fleet_bench.sh at 3 hosts: all converge, identical snapshots, figures in the table" {
	need_slapd
	work=$BATS_TEST_TMPDIR/bench
	mkdir -p "$work"
	answers=$BATS_TEST_TMPDIR/answers
	run env TMPDIR="$work" BENCH_FLEET_HOSTS=3 BENCH_FLEET_WRITES=2 BENCH_FLEET_USERS=50 \
		BENCH_FLEET_GROUPS=5 BENCH_FLEET_TIMEOUT=20 BENCH_FLEET_SPEED_ROUNDS=2 \
		BENCH_FLEET_SPEED_BACK=1 \
		BENCH_FLEET_SPEED_SAMPLES=1000 BENCH_FLEET_ANSWERS="$answers" \
		bash "$GR_SRCDIR/bench/fleet_bench.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	header=$(awk '$1 == "hosts" && $2 == "writes" { $1 = $1; print }' <<<"$output")
	[ "$header" = "hosts writes p50_ms p99_ms max_ms converged before_ack identical rss_median_kb rss_max_kb anon_median_kb anon_max_kb" ]
	read -r hosts writes p50 p99 max converged early identical rss rss_max anon anon_max \
		< <(awk '$1 == "hosts" && $2 == "writes" { getline; print }' <<<"$output")
	[ "$hosts" = 3 ]
	[ "$writes" = 2 ]
	[ "$converged" = 3/3 ]
	[ "$identical" = yes ]
	for v in "$p50" "$p99" "$max"; do [[ "$v" =~ ^[0-9]+\.[0-9]$ ]]; done
	[[ "$early" =~ ^[0-9]+/6$ ]]
	for v in "$rss" "$rss_max" "$anon" "$anon_max"; do [[ "$v" =~ ^[1-9][0-9]*$ ]]; done
	[[ "$output" == *"full refresh of one host alone: "[0-9]*" ms "*" bytes as LDIF"* ]]

	# Servers down: the table, one row per operation, every figure a number.
	[[ "$output" == *"lookups and login decisions on 3 hosts (fleet_tool speed: 1000 NSS calls and 100 PAM decisions per operation, host, phase and round, 2 rounds;"* ]]
	header=$(awk '$1 == "operation" && $2 == "up_med_ns" { $1 = $1; print }' <<<"$output")
	[ "$header" = "operation up_med_ns up_p99_ns down_med down_p99 down/up alone_med alone_p99 alone/up" ]
	for op in getgrnam getgrouplist pam; do
		read -r name um up dm dp dr am ap ar extra \
			< <(awk -v op="$op" '$1 == op && NF == 9' <<<"$output")
		[ "$name" = "$op" ]
		[ -z "$extra" ]
		for v in "$um" "$up" "$dm" "$dp" "$am" "$ap"; do [[ "$v" =~ ^[1-9][0-9]*$ ]]; done
		for v in "$dr" "$ar"; do [[ "$v" =~ ^[0-9]+\.[0-9][0-9]$ ]]; done
	done
	n='[1-9][0-9]* ns'
	r='[0-9]+\.[0-9][0-9]'
	line="getgrnam_r\(role-r1\) median $n \(up $n, ratio $r\), getgrouplist\(user15\) median $n \(up $n, ratio $r\), pam decision \(acct_mgmt \+ open_session, user15\) median $n \(up $n, ratio $r\)"
	grep -Eqx "servers down: $line" <<<"$output"
	grep -Eqx "servers and agents down: $line" <<<"$output"
	ba='[1-9][0-9]*/[1-9][0-9]* ns'
	grep -Eq "^up \(servers and agents running\) .*: getgrnam $ba, getgrouplist $ba, pam $ba\$" <<<"$output"
	[[ "$output" == *"answers with servers down: identical to servers up on 3/3 hosts; with the agents down too: 3/3; every round with the servers up alike: 3/3, after the restart: 3/3 "* ]]
	sp='[1-9][0-9]*-[1-9][0-9]* ns'
	grep -Eqx "noise: .*: getgrnam $sp, getgrouplist $sp, pam $sp" <<<"$output"
	grep -Eqx "speed phase: [0-9.]+ ms wall; every host without a server [0-9.]+ ms after the stops began; the agents used [0-9]+ ms CPU retrying during the [0-9.]+ ms down phase; every host in step again [0-9.]+ ms after servers and agents restarted" <<<"$output"

	# The answers themselves, not the script's word for them.  user15 is in
	# g1 and g2 (roles r1 and r2, gids 200001 and 200002); role-r1 holds g1's
	# members, u8 ... u27 (the two writes added u28 to g1 and took it away).
	members=$(for i in $(seq 8 27); do echo "user$i"; done | LC_ALL=C sort | paste -sd, -)
	want="answer getgrnam role-r1 200001 $members
answer getgrouplist user15 100000,200001,200002
answer pam user15 acct=Success session=Success roles=r1,r2
answer pam root acct=$(grep -m1 '^answer pam root ' "$answers/up.h1.r1" | cut -d= -f2-)"
	# root: outside the directory, the module steps aside (PAM_IGNORE).
	[[ "$want" == *"answer pam root acct=The return value should be ignored by PAM dispatch" ]]
	for h in 1 2 3; do
		for phase in up down back alone; do
			for round in 1 2; do
				f=$answers/$phase.h$h.r$round
				[ "$(grep '^answer ' "$f")" = "$want" ]
				# ... and it timed each operation.
				[ "$(grep -cE '^time (getgrnam|getgrouplist) [1-9][0-9]* [1-9][0-9]* 1000$' "$f")" = 2 ]
				grep -Eq '^time pam [1-9][0-9]* [1-9][0-9]* 100$' "$f"
			done
		done
	done
	# The trap stopped the servers and the hosts and removed their directory.
	[ -z "$(pgrep -f "$work" || true)" ]
	[ -z "$(ls -A "$work")" ]
}
