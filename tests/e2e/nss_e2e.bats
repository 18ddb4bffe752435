#!/usr/bin/env bats
# libnss_grouprole.so.2 loaded by the real glibc of real programs (getent,
# id) through /etc/nsswitch.conf, inside a private mount namespace: the host's
# /etc and libraries are never changed.  Needs root; skipped otherwise, but
# failing when CI=true.
bats_require_minimum_version 1.5.0

setup() {
	source "$BATS_TEST_DIRNAME/ns-lib.sh"
	ns_require_root
	: "${GR_NSS_MODULE_HOST:=$GR_BUILD/libnss_grouprole.so.2}"
	export GR_BUILD GR_NSS_MODULE_HOST
	export NS_TIMEOUT=60
	# A host with alice, bob and carol in /etc/passwd, the module installed
	# and listed after files, and a published directory:
	#   SRE (alice) -> admin;  Engineering (alice, bob) -> dev, containers
	#   containers is bound to the host's own docker group (999).
	# carol is in no group.  Runs as the first lines of every namespace.
	# The configuration is in non-test mode: everything is root's.
	E2E_SETUP='
ns_init
ns_minimal_accounts
ns_add_user alice 1001
ns_add_user bob 1002
ns_add_user carol 1003
ns_install_module "$GR_NSS_MODULE_HOST" libnss_grouprole.so.2
ns_nsswitch "group: files grouprole"
ns_grouprole_conf "test_mode = no"
cat >"$NS_SCRATCH/users.json" <<J
{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[
 {"id":"u1","userName":"alice@example.com","active":true},
 {"id":"u2","userName":"bob@example.com","active":true},
 {"id":"u3","userName":"carol@example.com","active":true}]}
J
cat >"$NS_SCRATCH/groups.json" <<J
{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[
 {"id":"g1","displayName":"SRE","members":[{"value":"u1"}]},
 {"id":"g2","displayName":"Engineering","members":[{"value":"u1"},{"value":"u2"}]}]}
J
{
ns_ctl directory create okta
ns_ctl role create admin
ns_ctl role create dev
ns_ctl role create containers --unix-group docker --bind
ns_ctl import --directory okta "$NS_SCRATCH/users.json" "$NS_SCRATCH/groups.json"
ns_ctl group roles assign SRE admin
ns_ctl group roles assign Engineering dev containers
} >/dev/null
'
}

@test "e2e: getent group ROLE and GID through glibc" {
	run -0 ns_run "$E2E_SETUP"'
getent group role-admin
getent group 200001
'
	[ "${lines[0]}" = "role-admin:*:200000:alice" ]
	[ "${lines[1]}" = "role-dev:*:200001:alice,bob" ]
}

@test "e2e: getent group enumerates files, then every role group" {
	run -0 ns_run "$E2E_SETUP"'getent group'
	printf '%s\n' "$output" | grep -qx 'root:x:0:'
	printf '%s\n' "$output" | grep -qx 'docker:x:999:'
	printf '%s\n' "$output" | grep -qx 'role-admin:\*:200000:alice'
	printf '%s\n' "$output" | grep -qx 'role-dev:\*:200001:alice,bob'
	# The bound role has no entry of its own: docker is listed once, by files.
	[ "$(printf '%s\n' "$output" | grep -c '^docker:')" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c '^role-')" -eq 2 ]
}

@test "e2e: id shows a user's roles, including the bound host group" {
	run -0 ns_run "$E2E_SETUP"'
id alice
id -Gn alice
id -Gn bob
id -Gn carol
'
	[ "${lines[0]}" = "uid=1001(alice) gid=1001(alice) groups=1001(alice),200000(role-admin),999(docker),200001(role-dev)" ]
	# In the order of the roles' slugs: admin, containers (docker), dev.
	[ "${lines[1]}" = "alice role-admin docker role-dev" ]
	[ "${lines[2]}" = "bob docker role-dev" ]
	[ "${lines[3]}" = "carol" ]
}

@test "e2e: a role change with grouprolectl shows in the very next id" {
	run -0 ns_run "$E2E_SETUP"'
id -Gn bob
ns_ctl group roles assign Engineering admin >/dev/null
id -Gn bob
ns_ctl group roles remove Engineering dev >/dev/null
id -Gn bob
getent group role-admin
'
	[ "${lines[0]}" = "bob docker role-dev" ]
	[ "${lines[1]}" = "bob role-admin docker role-dev" ]
	[ "${lines[2]}" = "bob role-admin docker" ]
	[ "${lines[3]}" = "role-admin:*:200000:alice,bob" ]
}

@test "e2e: without a snapshot the host's own groups keep working" {
	run -0 ns_run "$E2E_SETUP"'
rm "$NS_STATE/nss.tdb"
getent group root
getent group docker
id -Gn alice
rc=0; getent group role-admin || rc=$?
echo "role-admin: $rc"
'
	[ "${lines[0]}" = "root:x:0:" ]
	[ "${lines[1]}" = "docker:x:999:" ]
	[ "${lines[2]}" = "alice" ]
	[ "${lines[3]}" = "role-admin: 2" ]
}

@test "e2e: a snapshot that is not root's is ignored, the host's groups stay" {
	run -0 ns_run "$E2E_SETUP"'
chown 4242 "$NS_STATE/nss.tdb"
rc=0; getent group role-admin || rc=$?
echo "role-admin: $rc"
id -Gn alice
getent group docker
'
	[ "${lines[0]}" = "role-admin: 2" ]
	[ "${lines[1]}" = "alice" ]
	[ "${lines[2]}" = "docker:x:999:" ]
}

@test "e2e: getgrouplist through glibc; GROUPROLE_CONF redirects a normal program" {
	run -0 ns_run "$E2E_SETUP"'
"$GR_BUILD/tests/nss_grouplist" alice 1001
echo ---
# A config elsewhere that names an empty state directory: a normal program
# follows GROUPROLE_CONF ...
mkdir "$NS_SCRATCH/empty"
printf "state_dir = %s\n" "$NS_SCRATCH/empty" >"$NS_SCRATCH/other.conf"
GROUPROLE_CONF="$NS_SCRATCH/other.conf" "$GR_BUILD/tests/nss_grouplist" alice 1001
'
	[ "${lines[0]}" = "1001 alice" ]
	[ "${lines[1]}" = "200000 role-admin" ]
	[ "${lines[2]}" = "999 docker" ]
	[ "${lines[3]}" = "200001 role-dev" ]
	[ "${lines[4]}" = "---" ]
	[ "${lines[5]}" = "1001 alice" ]
	[ "${#lines[@]}" -eq 6 ]
}
