# shellcheck shell=bash
# console-ns.sh: the host the Cockpit console test logs into, built inside a
# private mount namespace by tests/e2e/ns-lib.sh (sourced first).  Nothing
# here touches the host: /etc, /usr/sbin, /usr/share/cockpit and the NSS
# library directory are overlays, /run and /var/log are fresh tmpfs.
#
#   console_host [ROOT]
#                    accounts, PAM, sudo, grouprolectl and the page; no
#                    grouprole database yet (the test starts without one).
#                    With ROOT, the Cockpit extracted there
#                    (cockpit-backports.sh) replaces the host's first
#   console_cockpit ROOT
#                    that replacement: ROOT's cockpit-ws, cockpit-session,
#                    bridge and packages bind-mounted over the host's paths
#   console_serve    cockpit-ws on 127.0.0.1:9090 in a network namespace of
#                    its own, then runs the command given (the browser test)

console_host() {
	local hash f

	ns_init
	mount -t tmpfs -o mode=0755 console-run /run
	mount -t tmpfs -o mode=0755 console-log /var/log
	if [ -n "${1:-}" ]; then console_cockpit "$1"; fi

	# alice and bob come from the directory; admin may use sudo, plain may not.
	ns_minimal_accounts
	ns_add_user alice 1001
	ns_add_user bob 1002
	ns_add_user admin 1500
	ns_add_user plain 1501
	hash=$(openssl passwd -6 "$CONSOLE_PASSWORD")
	sed -i -e "s|^admin:\\*:|admin:$hash:|" -e "s|^plain:\\*:|plain:$hash:|" /etc/shadow
	sed -i 's/^sudo:x:27:$/sudo:x:27:admin/' /etc/group

	ns_install_module "${GR_HOST_MODULES:-$GR_BUILD}/libnss_grouprole.so.2" libnss_grouprole.so.2
	ns_nsswitch "group: files grouprole"
	ns_grouprole_conf "test_mode = no" "organization = payments"

	# Cockpit logs in through PAM service "cockpit"; the bridge becomes root
	# through sudo with the login password (cockpit-askpass).
	for f in cockpit sudo; do
		ns_etc_file "pam.d/$f" <<-PAM
		auth     required pam_unix.so
		account  required pam_unix.so
		session  required pam_unix.so
		PAM
	done
	# With another Cockpit (console_cockpit): its bridge finds the user's
	# session bus in XDG_RUNTIME_DIR, as pam_systemd would set it.
	if [ -n "${1:-}" ]; then
		echo "session  required pam_env.so readenv=0 conffile=/etc/security/cockpit-session-env.conf" \
			>>/etc/pam.d/cockpit
	fi
	ns_etc_file sudoers 0440 <<-SUDO
	Defaults env_reset
	Defaults lecture=never
	Defaults secure_path="/usr/sbin:/usr/bin:/sbin:/bin"
	root ALL=(ALL:ALL) ALL
	%sudo ALL=(ALL:ALL) ALL
	SUDO
	rm -rf /etc/sudoers.d

	# The CLI where the page runs it, and the page where Cockpit finds it.
	ns_overlay /usr/sbin
	install -m 0755 "$GR_BUILD/grouprolectl" /usr/sbin/grouprolectl
	ns_overlay /usr/share/cockpit
	# The same files as cockpit/build.mk installs: every *.js, and views/.
	install -d /usr/share/cockpit/grouprole /usr/share/cockpit/grouprole/views
	install -m 0644 "$GR_SRCDIR"/cockpit/manifest.json "$GR_SRCDIR"/cockpit/index.html \
		"$GR_SRCDIR"/cockpit/grouprole.css "$GR_SRCDIR"/cockpit/*.js \
		/usr/share/cockpit/grouprole/
	install -m 0644 "$GR_SRCDIR"/cockpit/views/*.js /usr/share/cockpit/grouprole/views/

	# The directory the test loads once it has seen the page without one.
	cat >"$NS_SCRATCH/users.json" <<-J
	{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[
	 {"id":"u1","userName":"alice@example.com","active":true},
	 {"id":"u2","userName":"bob@example.com","active":true}]}
	J
	cat >"$NS_SCRATCH/groups.json" <<-J
	{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":[
	 {"id":"g1","displayName":"SRE","members":[{"value":"u1"}]},
	 {"id":"g2","displayName":"Engineering","members":[{"value":"u1"},{"value":"u2"}]}]}
	J
	mkdir -p "$NS_SCRATCH/tmp"
	chmod 1777 "$NS_SCRATCH/tmp"
}

# Bind ROOT's file or directory PATH over the host's, read-only.
console_bind() {
	mount --bind "$1$2" "$2"
	mount -o remount,bind,ro "$2"
}

console_cockpit() {
	local root=$1 version f said py=/usr/lib/python3/dist-packages

	version=$(cat "$root/.version")
	# cockpit-ws, cockpit-session (which cockpit-ws runs from here),
	# cockpit-askpass (sudo's askpass for the bridge) and the rest of
	# Cockpit's helpers.
	console_bind "$root" /usr/lib/cockpit
	# The bridge: a Python program in 337, and its package, which the
	# host (with the C bridge of 287) does not have.
	console_bind "$root" /usr/bin/cockpit-bridge
	ns_overlay "$py"
	mkdir -p "$py/cockpit"
	console_bind "$root" "$py/cockpit"
	# The login page, the shell, base1 (cockpit.js) and the system pages,
	# all of them from ROOT: none of the host's own Cockpit packages stays.
	# The page goes on an overlay of this (console_host).
	console_bind "$root" /usr/share/cockpit
	# The PAM service "cockpit" is console_host's, as for the host's
	# Cockpit; the pam_ssh_add and pam_cockpit_cert modules of ROOT are
	# not used by it.

	# The programs that run must be ROOT's, or this tests the host's twice.
	for f in /usr/lib/cockpit/cockpit-ws /usr/bin/cockpit-bridge; do
		said=$("$f" --version 2>&1) || true
		case $'\n'$said$'\n' in
		*$'\n'"Version: $version"$'\n'*) ;;
		*)
			echo "console_cockpit: $f is not $version: $said" >&2
			return 1
			;;
		esac
	done
	echo "# Cockpit $version from $root: cockpit-ws and cockpit-bridge say so"
	# 337's cockpit-ws, unlike 287's, does not run cockpit-session itself:
	# it connects to /run/cockpit/session, where systemd's
	# cockpit-session.socket (Accept=yes) starts one cockpit-session per
	# connection with the connection as its standard input and output.
	# console_serve does the same with systemd-socket-activate.
	CONSOLE_SESSION_SOCKET=/run/cockpit/session
	# The Python bridge (337) needs the user's session bus: without one,
	# the second D-Bus channel to it that the shell opens crashes the bridge
	# (sd_bus_default_user fails once with "No medium found", then hands
	# out an unconnected bus: "sd_bus_attach_event: Invalid argument") and
	# the browser shows "disconnected".  The C bridge of 287 did without.
	# A real host has a system bus, and pam_systemd gives each login
	# XDG_RUNTIME_DIR=/run/user/UID with systemd's user bus in it; here
	# buses of our own, with no services on them, stand in for both (/run is
	# a fresh tmpfs): console_serve starts them, and PAM's session sets
	# XDG_RUNTIME_DIR (console_host).
	CONSOLE_USER_BUSES="admin plain"
	ns_etc_file security/cockpit-session-env.conf <<-'ENV'
	XDG_RUNTIME_DIR DEFAULT=/run/user/@{PAM_USER}
	ENV
	CONSOLE_SYSTEM_BUS=$NS_SCRATCH/system-bus.conf
	cat >"$CONSOLE_SYSTEM_BUS" <<-'BUS'
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <type>system</type>
	  <listen>unix:path=/run/dbus/system_bus_socket</listen>
	  <auth>EXTERNAL</auth>
	  <policy context="default">
	    <allow user="*"/>
	    <allow own="*"/>
	    <allow send_destination="*"/>
	    <allow receive_sender="*"/>
	  </policy>
	</busconfig>
	BUS
}

# console_wait_socket PATH: up to 5 s for a server to listen on PATH.
console_wait_socket() {
	local n=0

	while [ ! -S "$1" ]; do
		n=$((n + 1))
		[ "$n" -le 100 ] || { echo "nothing listens on $1" >&2; return 1; }
		sleep 0.05
	done
}

console_serve() {
	# A network namespace of our own: port 9090 is ours, and nothing
	# outside can reach the server.  systemd-socket-activate listens before
	# cockpit-ws starts, so the browser never races the server's startup.
	export -f console_wait_socket
	CONSOLE_SESSION_SOCKET=${CONSOLE_SESSION_SOCKET:-} CONSOLE_SYSTEM_BUS=${CONSOLE_SYSTEM_BUS:-} \
		CONSOLE_USER_BUSES=${CONSOLE_USER_BUSES:-} \
		unshare --net -- bash -c '
		set -eu
		ip link set lo up
		if [ -n "${CONSOLE_SYSTEM_BUS:-}" ]; then
			mkdir -p /run/dbus
			dbus-daemon --config-file="$CONSOLE_SYSTEM_BUS" --nofork --nopidfile \
				>"$NS_SCRATCH/dbus-daemon.log" 2>&1 &
			console_wait_socket /run/dbus/system_bus_socket
		fi
		for u in ${CONSOLE_USER_BUSES:-}; do
			install -d -m 0700 -o "$u" -g "$u" "/run/user/$u"
			setpriv --reuid="$u" --regid="$u" --init-groups -- dbus-daemon --session \
				--address="unix:path=/run/user/$u/bus" --nofork --nopidfile \
				>>"$NS_SCRATCH/dbus-daemon.log" 2>&1 &
			console_wait_socket "/run/user/$u/bus"
		done
		if [ -n "${CONSOLE_SESSION_SOCKET:-}" ]; then
			mkdir -p "$(dirname "$CONSOLE_SESSION_SOCKET")"
			systemd-socket-activate --accept --inetd -l "$CONSOLE_SESSION_SOCKET" \
				/usr/lib/cockpit/cockpit-session 2>"$NS_SCRATCH/cockpit-session.log" &
			console_wait_socket "$CONSOLE_SESSION_SOCKET"
		fi
		systemd-socket-activate -l 127.0.0.1:9090 \
			/usr/lib/cockpit/cockpit-ws --no-tls >"$NS_SCRATCH/cockpit-ws.log" 2>&1 &
		"$@"' console-serve "$@"
}
