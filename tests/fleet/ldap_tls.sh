#!/bin/bash
# Run inside a private network namespace (unshare -n): two providers on
# 127.0.0.1:1389/1390 with TLS from a test CA, replicating over StartTLS
# with certificate verification.  Prints one line per check; the caller
# (ldap_tls.bats) asserts them.
set -u
BATS_TEST_DIRNAME=$(cd "$(dirname "$0")" && pwd)
. "$BATS_TEST_DIRNAME/ldap_helpers.bash"
export PATH="$PATH:/usr/sbin"
ip link set lo up
LDT=$(mktemp -d /tmp/gr-ldaptls.XXXXXX)
trap 'stop_server p1; stop_server p2; rm -rf "$LDT"' EXIT

# A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA.
cd "$LDT"
for ca in ca other; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=grouprole test $ca" \
		-keyout $ca.key -out $ca.pem 2>/dev/null
done
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout srv.key -out srv.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
	-extfile ext -out srv.pem 2>/dev/null
tls=(--tls-cert "$LDT/srv.pem" --tls-key "$LDT/srv.key" --tls-ca "$LDT/ca.pem")

"$SETUP" secrets --secrets "$LDT/sec"
"$SETUP" provider --dir "$LDT/p1" --server-id 1 --url ldap://127.0.0.1:1389/ \
	--peer 2=ldap://127.0.0.1:1390/ --secrets "$LDT/sec" "${tls[@]}" >/dev/null
"$SETUP" provider --dir "$LDT/p2" --server-id 2 --url ldap://127.0.0.1:1390/ \
	--peer 1=ldap://127.0.0.1:1389/ --secrets "$LDT/sec" "${tls[@]}" >/dev/null
start_tcp() { # NAME PORT
	slapd -F "$LDT/$1/slapd.d" -h "ldap://127.0.0.1:$2/ $(url "$1")" -d sync >"$LDT/$1.log" 2>&1 &
	echo $! >"$LDT/$1.pid"
	for _ in $(seq 100); do
		ldapsearch -x -LLL -H "$(url "$1")" -s base -b "" namingContexts >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
start_tcp p1 1389 && start_tcp p2 1390 || { echo "start failed"; exit 1; }
"$SETUP" init --dir "$LDT/p1" --secrets "$LDT/sec"

# Replication between the providers runs over StartTLS, verified.
wait_for p2 replicator "$SUFFIX" "(cn=hosts)" "cn=hosts,ou=system" && echo "replicated over tls"
# A host verifying with the CA reads; with another CA it cannot connect.
LDAPTLS_CACERT="$LDT/ca.pem" as hosts ldapsearch -ZZ -LLL -H ldap://127.0.0.1:1390/ \
	-b "ou=data,$SUFFIX" -s base dn >/dev/null 2>&1 && echo "host with ca: ok"
LDAPTLS_CACERT="$LDT/other.pem" as hosts ldapsearch -ZZ -LLL -H ldap://127.0.0.1:1390/ \
	-b "ou=data,$SUFFIX" -s base dn >/dev/null 2>&1 || echo "host with other ca: refused"
# The servers' replication never fell back to plain text.
grep -q "starttls=critical" "$LDT/p1/slapd.d/cn=config/olcDatabase={1}mdb.ldif" && echo "starttls critical"
