#!/usr/bin/env bats
# make bench-fleet's script, small: 3 hosts, 2 writes, a small data set.
# It checks what the table says -- every host converged, the snapshots are
# identical, the figures are numbers -- and that nothing it started is left
# behind.  No timing is asserted: speed is for `make bench-fleet`.

load ldap_helpers

@test "bench/fleet_bench.sh at 3 hosts: all converge, identical snapshots, figures in the table" {
	need_slapd
	work=$BATS_TEST_TMPDIR/bench
	mkdir -p "$work"
	run env TMPDIR="$work" BENCH_FLEET_HOSTS=3 BENCH_FLEET_WRITES=2 BENCH_FLEET_USERS=50 \
		BENCH_FLEET_GROUPS=5 BENCH_FLEET_TIMEOUT=20 bash "$GR_SRCDIR/bench/fleet_bench.sh"
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
	# The trap stopped the servers and the hosts and removed their directory.
	[ -z "$(pgrep -f "$work" || true)" ]
	[ -z "$(ls -A "$work")" ]
}
