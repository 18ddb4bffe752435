# shellcheck shell=bash
# console-ns.sh: the host the Cockpit console test logs into, built inside a
# private mount namespace by tests/e2e/ns-lib.sh (sourced first).  Nothing
# here touches the host: /etc, /usr/sbin, /usr/share/cockpit and the NSS
# library directory are overlays, /run and /var/log are fresh tmpfs.
#
#   console_host     accounts, PAM, sudo, grouprolectl and the page; no
#                    grouprole database yet (the test starts without one)
#   console_serve    cockpit-ws on 127.0.0.1:9090 in a network namespace of
#                    its own, then runs the command given (the browser test)

console_host() {
	local hash f

	ns_init
	mount -t tmpfs -o mode=0755 console-run /run
	mount -t tmpfs -o mode=0755 console-log /var/log

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

console_serve() {
	# A network namespace of our own: port 9090 is ours, and nothing
	# outside can reach the server.  systemd-socket-activate listens before
	# cockpit-ws starts, so the browser never races the server's startup.
	unshare --net -- bash -c '
		set -eu
		ip link set lo up
		systemd-socket-activate -l 127.0.0.1:9090 \
			/usr/lib/cockpit/cockpit-ws --no-tls >"$NS_SCRATCH/cockpit-ws.log" 2>&1 &
		"$@"' console-serve "$@"
}
