#!/bin/bash
# SPDX-License-Identifier: MIT
#
# A throw-away host for the PAM end-to-end tests: a private mount namespace
# (design.md, "How to test a real login without touching the host") in which
# /etc, the multiarch library directory, /dev, /run, /var/log and /home are
# replaced by overlays and tmpfs mounts, the modules of this tree are
# installed, a directory is imported with grouprolectl, and a real sshd
# listens on 127.0.0.1.  Nothing is written to the host outside $E2E_DIR, and
# everything mounted disappears with the namespace's last process.
#
# It builds on tests/e2e/ns-lib.sh (ns_init, ns_install_module, ns_nsswitch,
# ns_etc_file, ns_add_user, ns_grouprole_conf, ns_ctl), keeping one
# namespace alive for a whole bats file instead of one per script.
#
# Sourced by tests/e2e/pam_*.bats:
#   e2e_start            build the namespace, start syslog and sshd
#   e2e_stop             stop everything, remove $E2E_DIR
#   in_ns CMD...         run CMD inside the namespace
#   ssh_as USER CMD      key login as USER over ssh, run CMD
#   directory [FLAG...]  re-import the test directory (see below)
#   log_mark / log_since print the syslog lines logged after the mark
#
# Run as "pam_ns.sh inside DIR" (by e2e_start, through nsenter) it does the
# mounting and starting from within the namespace.
#
# Environment: GR_BUILD (build directory with grouprolectl and pam_syslogd),
# E2E_MODULES (directory with pam_grouprole.so and, once built,
# libnss_grouprole.so.2; default GR_BUILD), E2E_SRC (the source tree).
# Tests that need the NSS module skip while it has not been built.
# E2E_ACCOUNTS=yes adds accounts (users = yes): "passwd: files grouprole",
# keys from the directory's E2E_KEYS_ATTR through grouprole-ssh-keys as
# sshd's AuthorizedKeysCommand (run as nobody), and pam_mkhomedir.

E2E_USERS="alice bob carol dave"
E2E_TIMEOUT=${E2E_TIMEOUT:-20}

# ---- for the bats files ----

# setup_file: the tools a login needs, then e2e_start (nothing when not root;
# e2e_setup reports why).
e2e_setup_file() {
	export E2E_SRC=${GR_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	export GR_BUILD=${GR_BUILD:-$E2E_SRC/build}
	local tool
	E2E_SKIP=""
	# Root and namespaces are checked (and reported) by ns_require_root in setup.
	if [ "$(id -u)" != 0 ] || ! unshare --mount true 2>/dev/null; then
		E2E_SKIP="no namespace"
	else
		for tool in nsenter /usr/sbin/sshd ssh ssh-keygen su login script sudo
		do
			command -v "$tool" >/dev/null 2>&1 || E2E_SKIP="$E2E_SKIP missing $tool;"
		done
	fi
	export E2E_SKIP
	[ -z "$E2E_SKIP" ] || return 0
	# Under SANITIZE the Makefile builds uninstrumented copies of the modules
	# for host programs (GR_HOST_MODULES): sshd, su, login and sudo do not
	# carry the sanitizer runtime, and setuid su and sudo ignore LD_PRELOAD.
	# The sanitizers cover the modules in tests/module.
	export E2E_MODULES=${GR_HOST_MODULES:-$GR_BUILD}
	e2e_start
}

# setup: skip with the reason when the namespace could not be made, but
# fail under CI=true.
e2e_setup() {
	# Not root, or no mount namespaces: skip with the reason, fail under CI=true.
	ns_require_root
	if [ -n "$E2E_SKIP" ]; then
		if [ "${CI:-}" = true ]; then
			echo "CI=true: cannot skip: $E2E_SKIP" >&2
			return 1
		fi
		skip "$E2E_SKIP"
	fi
}

# ---- outside the namespace ----

e2e_start() {
	local port holder i
	E2E_DIR=$(mktemp -d /tmp/grouprole-pam-e2e.XXXXXX) || return 1
	# Processes of the test users (id, sudo) read the snapshot through the
	# NSS module: the path to it must be traversable.
	chmod 0755 "$E2E_DIR"
	export E2E_DIR
	# A high port nobody listens on.
	for i in $(seq 1 50); do
		port=$((20000 + RANDOM % 20000))
		ss -Htln "sport = :$port" 2>/dev/null | grep -q . || break
	done
	echo "$port" >"$E2E_DIR/port"
	# The namespace lives as long as this holder: at most 15 minutes.
	unshare --mount --propagation private --fork -- \
		/bin/sh -c 'echo $$ >"$1/holder.pid"; exec sleep 900' sh "$E2E_DIR" \
		</dev/null >/dev/null 2>&1 &
	for i in $(seq 1 50); do
		[ -s "$E2E_DIR/holder.pid" ] && break
		sleep 0.1
	done
	holder=$(cat "$E2E_DIR/holder.pid" 2>/dev/null)
	[ -n "$holder" ] || { echo "e2e: namespace did not start" >&2; return 1; }
	# ns-lib.sh's ns_init checks it is not in the host's namespace; it mounts
	# its tmpfs on the (empty, host-side) scratch directory.
	mkdir "$E2E_DIR/scratch"
	NS_HOST_MNT=$(readlink /proc/self/ns/mnt) \
		timeout 120 nsenter -t "$holder" -m -- /bin/bash "$E2E_SRC/tests/e2e/pam_ns.sh" inside \
		"$E2E_DIR" "$GR_BUILD" "${E2E_MODULES:-$GR_BUILD}" >"$E2E_DIR/setup.log" 2>&1 || {
		echo "e2e: set-up failed:" >&2
		cat "$E2E_DIR/setup.log" >&2
		return 1
	}
}

e2e_stop() {
	local f
	[ -n "${E2E_DIR:-}" ] && [ -d "$E2E_DIR" ] || return 0
	for f in sshd.pid syslogd.pid holder.pid; do
		[ -s "$E2E_DIR/$f" ] && kill "$(cat "$E2E_DIR/$f")" 2>/dev/null
	done
	sleep 0.2
	rm -rf "$E2E_DIR"
}

in_ns() {
	nsenter -t "$(cat "$E2E_DIR/holder.pid")" -m -- "$@"
}

ssh_as() {
	local user=$1
	shift
	in_ns timeout "$E2E_TIMEOUT" ssh -F none -i "$E2E_DIR/keys/$user" \
		-p "$(cat "$E2E_DIR/port")" -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5 \
		"$user@127.0.0.1" "$@"
}

ctl() {
	in_ns "$GR_BUILD/grouprolectl" --config /etc/grouprole/grouprole.conf "$@"
}

# directory [alice-inactive] [alice-left-engineering]
#   alice  Engineering (-> admin), Staff (-> dev)
#   bob    Staff (-> dev)
#   carol  Engineering (-> admin)
#   dave   no groups
directory() {
	local alice_active=true eng_members='{"value":"u1"},{"value":"u3"}' f
	for f in "$@"; do
		case $f in
		alice-inactive) alice_active=false ;;
		alice-left-engineering) eng_members='{"value":"u3"}' ;;
		esac
	done
	cat >"$E2E_DIR/users.json" <<-EOF
	{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[
	 {"id":"u1","userName":"alice@example.com","active":$alice_active},
	 {"id":"u2","userName":"bob@example.com","active":true},
	 {"id":"u3","userName":"carol@example.com","active":true},
	 {"id":"u4","userName":"dave@example.com","active":true}]}
	EOF
	cat >"$E2E_DIR/groups.json" <<-EOF
	{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[
	 {"id":"g1","displayName":"Engineering","members":[$eng_members]},
	 {"id":"g2","displayName":"Staff","members":[{"value":"u1"},{"value":"u2"}]}]}
	EOF
	ctl import --directory okta --force "$E2E_DIR/users.json" "$E2E_DIR/groups.json" >/dev/null
}

log_mark() {
	wc -l <"$E2E_DIR/syslog" >"$E2E_DIR/syslog.mark"
}

# The syslog lines since log_mark, after giving late datagrams a moment.
log_since() {
	sleep 0.3
	tail -n +"$(($(cat "$E2E_DIR/syslog.mark") + 1))" "$E2E_DIR/syslog"
}

# Edit a file of the namespace's /etc (its overlay), or put the original back.
pam_sshd_require_role() {
	local line="account required pam_grouprole.so require_role=$1"
	in_ns sed -i "s/^@include common-account\$/&\n$line/" /etc/pam.d/sshd
}

pam_sshd_restore() {
	in_ns cp "$E2E_DIR/pam.sshd.orig" /etc/pam.d/sshd
}

e2e_have_nss() {
	[ -f "${E2E_MODULES:-$GR_BUILD}/libnss_grouprole.so.2" ]
}

# ---- inside the namespace ----

# The mounts and files come from ns-lib.sh (the project's namespace harness);
# what is added here is what a login needs beyond it: a private /dev with
# ptys and a syslog socket, fresh /run, /var/log and /home, and a namespace
# that outlives one script, so sshd keeps serving the tests of a whole file.
ns_inside() {
	local dir=$1 build=$2 modules=$3 u uid port
	set -eu -o pipefail
	port=$(cat "$dir/port")
	# shellcheck source=tests/e2e/ns-lib.sh
	source "$E2E_SRC/tests/e2e/ns-lib.sh"
	# Refuses to run on the host; overlays /etc and the library directory.
	NS_SCRATCH=$dir/scratch
	ns_init

	# sshd's privilege separation directory, utmp, wtmp, lastlog, homes.
	mount -t tmpfs -o mode=0755 e2e-run /run
	mkdir -m 0755 /run/sshd
	mount -t tmpfs -o mode=0755 e2e-log /var/log
	mount -t tmpfs -o mode=0755 e2e-home /home

	# A private /dev: the host's devices bound in, a new devpts for the
	# ptys sshd and script hand out, and /dev/log as our own socket.
	mkdir -p "$dir/dev"
	mount -t tmpfs -o mode=0755 e2e-dev "$dir/dev"
	for u in null zero full random urandom tty; do
		touch "$dir/dev/$u"
		mount --bind "/dev/$u" "$dir/dev/$u"
	done
	mkdir "$dir/dev/pts" "$dir/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 e2e-pts "$dir/dev/pts"
	mount -t tmpfs -o mode=1777 e2e-shm "$dir/dev/shm"
	ln -s pts/ptmx "$dir/dev/ptmx"
	ln -s /proc/self/fd "$dir/dev/fd"
	ln -s /proc/self/fd/0 "$dir/dev/stdin"
	ln -s /proc/self/fd/1 "$dir/dev/stdout"
	ln -s /proc/self/fd/2 "$dir/dev/stderr"
	mount --move "$dir/dev" /dev
	: >"$dir/syslog"
	setsid "$build/tests/pam_syslogd" /dev/log "$dir/syslog" </dev/null >/dev/null 2>&1 &
	echo $! >"$dir/syslogd.pid"

	# The modules, installed where libpam and glibc look for them.
	ns_install_module "$modules/pam_grouprole.so" security/pam_grouprole.so
	if [ -f "$modules/libnss_grouprole.so.2" ]; then
		ns_install_module "$modules/libnss_grouprole.so.2"
		if [ -n "${E2E_ACCOUNTS:-}" ]; then
			ns_nsswitch "passwd: files grouprole" "group: files grouprole"
		else
			ns_nsswitch "group: files grouprole"
		fi
	else
		ns_nsswitch
	fi

	# Local accounts for the directory users; the roles come from grouprole.
	uid=20001
	for u in $E2E_USERS; do
		ns_add_user "$u" "$uid"
		sed -i "s|^$u:x:$uid:$uid::/tmp:|$u:x:$uid:$uid::/home/$u:|" /etc/passwd
		mkdir -m 0700 "/home/$u"
		chown "$uid:$uid" "/home/$u"
		uid=$((uid + 1))
	done
	if [ -n "${E2E_ACCOUNTS:-}" ]; then
		ns_grouprole_conf "users = yes" "ssh_keys_attribute = $E2E_KEYS_ATTR"
		# Directory users have no home until their first login.
		echo "session required pam_mkhomedir.so umask=0077" >>/etc/pam.d/common-session
		# sshd runs the command only from root-owned, unwritable directories.
		ns_overlay /usr/local/sbin
		install -m 0755 -o 0 -g 0 "$build/grouprole-ssh-keys" /usr/local/sbin/
	else
		ns_grouprole_conf
	fi

	# The module on every login service, as the package's pam-auth-update
	# profile puts it: account decides, session records and exports.
	echo "account required pam_grouprole.so" >>/etc/pam.d/common-account
	echo "session required pam_grouprole.so" >>/etc/pam.d/common-session
	cp /etc/pam.d/sshd "$dir/pam.sshd.orig"

	ns_etc_file sudoers 0440 <<-EOF
	Defaults env_reset
	Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	root ALL=(ALL:ALL) ALL
	%role-admin ALL=(ALL) NOPASSWD: ALL
	EOF
	rm -rf /etc/sudoers.d
	# Ask NSS for the user's groups at every sudo, not the session's kernel
	# groups fixed at login: a revoked role stops working at once.
	ns_etc_file sudo.conf <<<"Set group_source dynamic"

	# The directory, through the admin CLI.
	ctl() { ns_ctl "$@"; }
	E2E_DIR=$dir
	ctl directory create okta
	ctl role create admin
	ctl role create dev
	directory
	ctl group roles assign Engineering admin
	ctl group roles assign Staff dev

	# sshd with a host key and one client key per user.
	mkdir -m 0700 "$dir/keys"
	mkdir -m 0755 "$dir/authorized"
	ssh-keygen -q -t ed25519 -N '' -f "$dir/ssh_host_ed25519_key"
	# root too: a local account outside the directory must keep working.
	for u in $E2E_USERS root; do
		ssh-keygen -q -t ed25519 -N '' -f "$dir/keys/$u"
		install -m 0644 "$dir/keys/$u.pub" "$dir/authorized/$u.pub"
	done
	cat >"$dir/sshd_config" <<-EOF
	ListenAddress 127.0.0.1
	Port $port
	HostKey $dir/ssh_host_ed25519_key
	PidFile $dir/sshd.pid
	UsePAM yes
	PubkeyAuthentication yes
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	AuthorizedKeysFile $dir/authorized/%u.pub
	StrictModes no
	PermitRootLogin prohibit-password
	PrintMotd no
	PrintLastLog no
	LogLevel VERBOSE
	Subsystem sftp internal-sftp
	EOF
	if [ -n "${E2E_ACCOUNTS:-}" ]; then
		printf '%s\n' "AuthorizedKeysCommand /usr/local/sbin/grouprole-ssh-keys %u" \
			"AuthorizedKeysCommandUser nobody" >>"$dir/sshd_config"
	fi
	/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
	for u in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "sshd did not start listening on $port" >&2
	cat "$dir/sshd.log" >&2
	return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = inside ]; then
	ns_inside "$2" "$3" "$4"
fi
