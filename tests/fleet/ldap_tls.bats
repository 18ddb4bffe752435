#!/usr/bin/env bats
# TLS between the fleet's LDAP servers and to their clients, in a private
# network namespace (fixed loopback ports, nobody else's).

load ldap_helpers

@test "providers replicate over verified StartTLS; a client with the wrong CA is refused" {
	need_slapd
	if [ "$(id -u)" != 0 ]; then
		[ "${CI:-}" != true ] || { echo "CI=true: this test needs root (a network namespace)"; return 1; }
		skip "needs root for a private network namespace"
	fi
	run unshare -n "$BATS_TEST_DIRNAME/ldap_tls.sh"
	echo "$output"
	[[ "$output" == *"replicated over tls"* ]]
	[[ "$output" == *"host with ca: ok"* ]]
	[[ "$output" == *"host with other ca: refused"* ]]
	[[ "$output" == *"starttls critical"* ]]
}
