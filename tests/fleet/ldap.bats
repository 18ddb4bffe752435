#!/usr/bin/env bats
# The fleet's LDAP servers as packaging/ldap/grouprole-ldap-setup makes
# them: two providers in multi-provider replication and a read-only
# replica, with grouprole's schema and ACLs (docs/fleet.md).

load ldap_helpers

setup_file() {
	need_slapd
	start_ldap_set
}

teardown_file() {
	stop_ldap_set
}

setup() {
	need_slapd
}

role_ldif() { # SLUG
	printf 'dn: grId=%s,ou=data,%s\nobjectClass: grRoleDef\ngrId: %s\ngrJson: {"slug":"%s"}\n' \
		"$1" "$SUFFIX" "$1" "$1"
}

@test "a write on either provider reaches the other provider and the replica" {
	role_ldif admin | as writer ldapadd -H "$(url p1)" >/dev/null
	role_ldif dev | as writer ldapadd -H "$(url p2)" >/dev/null
	for s in p1 p2 r1; do
		wait_for "$s" hosts "ou=data,$SUFFIX" "(grId=admin)" 'grJson: {"slug":"admin"}'
		wait_for "$s" hosts "ou=data,$SUFFIX" "(grId=dev)" 'grJson: {"slug":"dev"}'
	done
}

@test "a member added on one provider and removed on the other replicates as single values" {
	printf 'dn: grId=g1,ou=data,%s\nobjectClass: grGroup\ngrId: g1\ngrJson: {"id":"g1"}\ngrMember: u1\ngrMember: u2\n' \
		"$SUFFIX" | as writer ldapadd -H "$(url p1)" >/dev/null
	wait_for p2 writer "ou=data,$SUFFIX" "(grId=g1)" "grMember: u2"
	printf 'dn: grId=g1,ou=data,%s\nchangetype: modify\nadd: grMember\ngrMember: u3\n' "$SUFFIX" |
		as writer ldapmodify -H "$(url p1)" >/dev/null
	printf 'dn: grId=g1,ou=data,%s\nchangetype: modify\ndelete: grMember\ngrMember: u1\n' "$SUFFIX" |
		as writer ldapmodify -H "$(url p2)" >/dev/null
	for s in p1 p2 r1; do
		wait_for "$s" hosts "ou=data,$SUFFIX" "(&(grId=g1)(grMember=u3)(!(grMember=u1)))" "grMember: u2"
	done
	run as hosts ldapsearch -LLL -H "$(url r1)" -b "ou=data,$SUFFIX" "(grId=g1)" grMember
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^grMember:')" -eq 2 ]
}

@test "hosts read the grouprole subtree and nothing else, and cannot write" {
	run as hosts ldapsearch -LLL -H "$(url p1)" -b "ou=system,$SUFFIX" "(objectClass=*)"
	[ "$status" -eq 32 ] # noSuchObject: not even its existence
	run as hosts ldapsearch -LLL -H "$(url p1)" -b "$SUFFIX" -s base "(objectClass=*)"
	[ "$status" -eq 32 ]
	run sh -c "$(declare -f as role_ldif); SUFFIX=$SUFFIX LDT=$LDT; role_ldif evil | as hosts ldapadd -H '$(url p1)'"
	[ "$status" -eq 50 ] # insufficientAccess
	run as writer ldapsearch -LLL -H "$(url p1)" -b "ou=data,$SUFFIX" "(grId=evil)"
	[ -z "$output" ]
}

@test "the writer writes only the grouprole subtree; anonymous reads nothing" {
	run sh -c "printf 'dn: cn=x,ou=system,$SUFFIX\nobjectClass: applicationProcess\ncn: x\n' |
		ldapadd -x -D cn=writer,ou=system,$SUFFIX -y '$LDT/sec/writer.secret' -H '$(url p1)'"
	[ "$status" -eq 50 ]
	run as writer ldapsearch -LLL -H "$(url p1)" -b "ou=system,$SUFFIX" "(cn=hosts)" userPassword
	[ "$status" -eq 32 ]
	run ldapsearch -x -LLL -H "$(url p1)" -b "ou=data,$SUFFIX" "(objectClass=*)"
	[ "$status" -eq 32 ]
	run ldapsearch -x -LLL -H "$(url p1)" -b "cn=config" "(objectClass=*)"
	[ "$status" -ne 0 ]
	[[ "$output" != *olcSyncrepl* ]]
}

@test "the replica refers writes to the providers and keeps nothing of them" {
	run sh -c "$(declare -f as role_ldif); SUFFIX=$SUFFIX LDT=$LDT; role_ldif r | as writer ldapadd -H '$(url r1)'"
	[ "$status" -eq 10 ] # referral
	[[ "$output" == *"$(url p1)"* ]]
	[[ "$output" == *"$(url p2)"* ]]
	run as writer ldapsearch -LLL -H "$(url p1)" -b "ou=data,$SUFFIX" "(grId=r)"
	[ -z "$output" ]
}

@test "a provider that was down catches up when it comes back" {
	stop_server p1
	role_ldif late | as writer ldapadd -H "$(url p2)" >/dev/null
	start_server p1
	wait_for p1 hosts "ou=data,$SUFFIX" "(grId=late)" 'grJson: {"slug":"late"}'
	# ...and the replica, which follows p1, gets it through p1.
	wait_for r1 hosts "ou=data,$SUFFIX" "(grId=late)" 'grJson: {"slug":"late"}'
}

@test "the setup keeps its secrets to itself and refuses to redo a server" {
	[ "$(stat -c %a "$LDT/sec")" = 700 ]
	for f in "$LDT"/sec/*.secret; do
		[ "$(stat -c %a "$f")" = 600 ]
		[ "$(wc -c <"$f")" -ge 40 ]
	done
	# The generated LDIF is gone; cn=config, which must hold the replication
	# secret, is readable by its owner only.
	[ ! -e "$LDT/p1/config.ldif" ]
	grep -rqF "$(cat "$LDT/sec/replicator.secret")" "$LDT/p1/slapd.d"
	[ "$(stat -c %a "$LDT/p1/slapd.d")" = 700 ]
	[ -z "$(find "$LDT/p1/slapd.d" -perm /077)" ]
	run "$SETUP" provider --dir "$LDT/p1" --server-id 1 --url "$(url p1)" \
		--peer "2=$(url p2)" --secrets "$LDT/sec"
	[ "$status" -ne 0 ]
	[[ "$output" == *"already set up"* ]]
	run "$SETUP" provider --dir "$LDT/px" --server-id 3 --url "$(url px)" --peer "$(url p1)" \
		--secrets "$LDT/sec"
	[ "$status" -ne 0 ]
	[[ "$output" == *"ID=URL"* ]]
	[ ! -e "$LDT/px/slapd.d/cn=config.ldif" ]
}
