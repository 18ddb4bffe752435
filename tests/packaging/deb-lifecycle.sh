# shellcheck shell=bash
# The life of the Debian packages on a throw-away host, run by deb.bats
# through ns-lib.sh's ns_run inside a private mount, pid and network
# namespace: /usr, /etc and /var are overlays on a tmpfs, /run is a fresh
# tmpfs (so no systemd of the host can be reached), and the loopback
# interface is the namespace's own.  Nothing here changes the host.
#
# Each step leaves what the tests look at in $PKG_RES/STEP/ (a host
# directory); the tests assert on those files.  A step that fails stops the
# script, and the tests of the later steps fail for want of their files.
#
# Input: PKG_V1, PKG_V2 (directories with the three .debs of the first and of
# a rebuilt, higher version), PKG_RES, GR_SRCDIR.

ns_init
ns_overlay /usr
ns_overlay /var
mount -t tmpfs -o mode=0755 pkg-run /run
ip link set lo up

# Belt and braces: no init script or unit is ever started from here.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d

res=$PKG_RES
mkdir -p "$res"
step() {
	mkdir -p "$res/$1"
	cur=$res/$1
	echo "== $1"
}

pkgs() {
	printf '%s\n' "$1"/grouprole_*.deb "$1"/libnss-grouprole_*.deb "$1"/libpam-grouprole_*.deb
}

# What a host looks like before: an nsswitch.conf with an admin's comment and
# libnss-systemd after files, and PAM stacks as pam-auth-update writes them.
snapshot_config() {
	local dir=$1 f
	mkdir -p "$dir/pam.d"
	cp /etc/nsswitch.conf "$dir/nsswitch.conf"
	for f in /etc/pam.d/common-*; do
		cp "$f" "$dir/pam.d/"
	done
}

versions() {
	dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' \
		grouprole libnss-grouprole libpam-grouprole 2>/dev/null | sed 's/ *$//' || true
}

# The unit's ExecStart=, run as its User= with its empty capability bounding
# set and no new privileges, in the background; waits (bounded) until
# /healthz answers.
unit=/lib/systemd/system/grouprole-scimd.service
daemon_pid="" tracer_pid=""
daemon_start() {
	local out=$1 user cmd i
	user=$(sed -n 's/^User=//p' "$unit")
	cmd=$(sed -n 's/^ExecStart=//p' "$unit")
	echo "${user:-root}" >"$out/unit-user"
	echo "$cmd" >"$out/unit-execstart"
	# Under strace, so the test can hold the system calls it makes against
	# the unit's SystemCallFilter=.
	local trace=()
	if command -v strace >/dev/null; then
		trace=(strace -f -qq -o "$out/syscalls.trace")
	fi
	# shellcheck disable=SC2086 # the unit's command line, split as systemd splits it
	"${trace[@]}" setpriv --reuid="${user:-root}" --regid="$(id -g "${user:-root}")" \
		--init-groups --bounding-set=-all --inh-caps=-all --no-new-privs -- $cmd \
		>"$out/daemon.log" 2>&1 &
	tracer_pid=$!
	for i in $(seq 1 100); do
		if curl -fsS --max-time 2 http://127.0.0.1:9636/healthz >"$out/healthz" 2>/dev/null; then
			daemon_pid=$(pgrep -x grouprole-scimd)
			grep -E '^Cap(Prm|Eff|Bnd):|^Uid:|^NoNewPrivs:' "/proc/$daemon_pid/status" \
				>"$out/daemon-status"
			return 0
		fi
		kill -0 "$tracer_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "daemon did not answer /healthz" >&2
	cat "$out/daemon.log" >&2
	return 1
}

daemon_stop() {
	kill -TERM "$daemon_pid"
	# The namespace's timeout bounds this wait.
	wait "$tracer_pid" || echo "daemon exit status $?" >>"$1/daemon.log"
	daemon_pid=""
	cp "$unit" "$1/unit"
}

scim_users() {
	curl -sS --max-time 5 -o "$1/scim-users.json" -w '%{http_code}\n' \
		-H "Authorization: Bearer $token" \
		'http://127.0.0.1:9636/scim/v2/okta/Users?count=1' >"$1/scim-status"
}

ctl() {
	grouprolectl "$@"
}

# ---- the host before ----
step orig
cat >/etc/nsswitch.conf <<'EOF'
# /etc/nsswitch.conf -- edited by the admin: keep this comment.
passwd:         files systemd
group:          files systemd
shadow:         files
gshadow:        files

hosts:          files dns
networks:       files
EOF
# The PAM stacks as pam-auth-update writes them on this host.
pam-auth-update --package --force
snapshot_config "$cur"
# Accounts for three people of the example company, and sshd's.
uid=41001
for u in alice.nguyen bob.okafor frank.rossi; do
	ns_add_user "$u" "$uid"
	uid=$((uid + 1))
done
getent passwd sshd >/dev/null || ns_add_user sshd 41100 65534 /usr/sbin/nologin

# ---- install ----
step install
mapfile -t debs < <(pkgs "$PKG_V1")
dpkg -i "${debs[@]}" >"$cur/dpkg.log" 2>&1
versions >"$cur/versions"
snapshot_config "$cur"
ls -ld /var/lib/grouprole | awk '{print $1, $3, $4}' >"$cur/statedir"
readlink /etc/systemd/system/multi-user.target.wants/grouprole-scimd.service >"$cur/enabled" || true
cp /etc/grouprole/grouprole.conf "$cur/grouprole.conf"

# ---- the example directory, imported with the installed grouprolectl ----
step import
# The admin's own configuration: the example company's login domain.
echo "login_domains = meridian.example contractor.example" >>/etc/grouprole/grouprole.conf
cp /etc/grouprole/grouprole.conf "$cur/grouprole.conf"
{
	ctl directory create okta
	ctl import --directory okta "$GR_SRCDIR/examples/users.json" "$GR_SRCDIR/examples/groups.json"
	CTL=grouprolectl sh "$GR_SRCDIR/examples/mappings.sh"
} >"$cur/ctl.log" 2>&1
command -v grouprolectl >"$cur/which"
ctl user show alice.nguyen >"$cur/user-alice" 2>&1
getent group role-admin role-developer >"$cur/getent"
id -Gn alice.nguyen >"$cur/id-alice"
id -Gn bob.okafor >"$cur/id-bob"
ctl export --directory okta >"$cur/export.json"
ctl role list >"$cur/roles"

# ---- the daemon, as its unit starts it ----
step daemon
token=$(ctl token create --directory okta --description "package test" | tail -n 1)
daemon_start "$cur"
scim_users "$cur"
daemon_stop "$cur"

# ---- an ssh login through the PAM stacks pam-auth-update wrote ----
step ssh
mkdir -p /run/sshd "$NS_SCRATCH/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$NS_SCRATCH/ssh/host"
ssh-keygen -q -t ed25519 -N '' -f "$NS_SCRATCH/ssh/alice"
cat >"$NS_SCRATCH/ssh/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port 22
HostKey $NS_SCRATCH/ssh/host
PidFile $NS_SCRATCH/ssh/sshd.pid
UsePAM yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $NS_SCRATCH/ssh/alice.pub
StrictModes no
PrintMotd no
PrintLastLog no
EOF
/usr/sbin/sshd -f "$NS_SCRATCH/ssh/sshd_config" -E "$cur/sshd.log"
for i in $(seq 1 100); do
	(exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null && break
	sleep 0.1
done
timeout 20 ssh -F none -i "$NS_SCRATCH/ssh/alice" -o BatchMode=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR alice.nguyen@127.0.0.1 \
	'printf "ROLES=%s\n" "$GROUPROLE_ROLES"; printf "GROUPS=%s\n" "$(id -Gn | tr " " "\n" | sort | tr "\n" " ")"' \
	>"$cur/session" 2>"$cur/ssh.err"
kill "$(cat "$NS_SCRATCH/ssh/sshd.pid")"

# ---- upgrade to the rebuilt package ----
step upgrade
ls -i /var/lib/grouprole/directory.tdb | awk '{print $1}' >"$cur/db-inode-before"
mapfile -t debs < <(pkgs "$PKG_V2")
dpkg -i "${debs[@]}" >"$cur/dpkg.log" 2>&1
versions >"$cur/versions"
snapshot_config "$cur"
cp /etc/grouprole/grouprole.conf "$cur/grouprole.conf"
ctl export --directory okta >"$cur/export.json"
ctl role list >"$cur/roles"
getent group role-admin role-developer >"$cur/getent"
grep -c '_dh_action=restart' /var/lib/dpkg/info/grouprole.postinst >"$cur/restart-snippet" || true
daemon_start "$cur"
# The token made before the upgrade still opens the SCIM tree.
scim_users "$cur"
daemon_stop "$cur"

# ---- remove: configuration and data stay, NSS and PAM are back as they were ----
step remove
dpkg -r grouprole libnss-grouprole libpam-grouprole >"$cur/dpkg.log" 2>&1
versions >"$cur/versions"
snapshot_config "$cur"
[ -f /etc/grouprole/grouprole.conf ] && cp /etc/grouprole/grouprole.conf "$cur/grouprole.conf"
ls /var/lib/grouprole >"$cur/state-files" 2>&1 || true
rc=0; getent group role-admin >/dev/null || rc=$?
echo "$rc" >"$cur/getent-rc"

# ---- install again over the configuration files ----
step reinstall
dpkg -i "${debs[@]}" >"$cur/dpkg.log" 2>&1
versions >"$cur/versions"
snapshot_config "$cur"
cp /etc/grouprole/grouprole.conf "$cur/grouprole.conf"
getent group role-admin >"$cur/getent"
[ -e /var/lib/libnss-grouprole ] && echo "marker left" >"$cur/marker"

# ---- purge: configuration, data and every trace go ----
step purge
dpkg --purge grouprole libnss-grouprole libpam-grouprole >"$cur/dpkg.log" 2>&1
versions >"$cur/versions"
snapshot_config "$cur"
for p in /etc/grouprole /var/lib/grouprole /var/lib/libnss-grouprole \
	/etc/systemd/system/multi-user.target.wants/grouprole-scimd.service; do
	if [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi
done >"$cur/left"

# ---- a fresh install after the purge ----
step fresh
mapfile -t debs < <(pkgs "$PKG_V1")
dpkg -i "${debs[@]}" >"$cur/dpkg.log" 2>&1
versions >"$cur/versions"
snapshot_config "$cur"
cp /etc/grouprole/grouprole.conf "$cur/grouprole.conf"
rc=0; ctl role list >"$cur/roles" 2>&1 || rc=$?
echo "$rc" >"$cur/roles-rc"
echo done >"$res/finished"
