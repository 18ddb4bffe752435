# shellcheck shell=bash
# The RPMs' scriptlets, run by the real rpm against a scratch root
# (rpm --root, which chroots into it for each scriptlet), inside a private
# mount namespace made by ns-lib.sh's ns_run: the scratch root's /usr is an
# overlay of the host's, its /etc a few files of its own.  Nothing here
# changes the host.  Run by rpm.bats; results go to $RPM_RES/STEP/.
#
# Input: RPM_DIR (the three .rpms), RPM_RES, GR_SRCDIR.

ns_init
root=$NS_SCRATCH/root
mkdir -p "$root"/{usr,etc,var/lib,dev,tmp,run,ovl/upper,ovl/work}
mount -t overlay rpm-usr -o "lowerdir=/usr,upperdir=$root/ovl/upper,workdir=$root/ovl/work" "$root/usr"
for l in bin sbin lib lib64; do
	[ -e "/usr/$l" ] && ln -s "usr/$l" "$root/$l"
done
touch "$root/dev/null"
mount --bind /dev/null "$root/dev/null"
chmod 1777 "$root/tmp"
cp /etc/passwd /etc/group "$root/etc/"
cat >"$root/etc/nsswitch.conf" <<'EOF'
# scratch root's nsswitch.conf
passwd:     files systemd
group:      files systemd
hosts:      files dns myhostname
EOF
mkdir -p "$RPM_RES/orig"
cp "$root/etc/nsswitch.conf" "$RPM_RES/orig/nsswitch.conf"

res=$RPM_RES
step() {
	mkdir -p "$res/$1"
	cur=$res/$1
	echo "== $1"
}
r() {
	rpm --root "$root" "$@"
}
rpms() {
	printf '%s\n' "$RPM_DIR"/grouprole-[0-9]*.rpm "$RPM_DIR"/grouprole-nss-*.rpm \
		"$RPM_DIR"/grouprole-pam-*.rpm
}
mapfile -t pkgs < <(rpms)

step install
r --initdb
# --nodeps: the scratch root's rpm database knows nothing of the host's
# libraries, which are there all the same (its /usr is the host's).
r -i --nodeps "${pkgs[@]}" >"$cur/rpm.log" 2>&1
r -q grouprole grouprole-nss grouprole-pam >"$cur/versions"
cp "$root/etc/nsswitch.conf" "$cur/nsswitch.conf"
stat -c '%A %U %G' "$root/var/lib/grouprole" >"$cur/statedir"
cp "$root/etc/grouprole/grouprole.conf" "$cur/grouprole.conf"

step upgrade
# Installing the same packages again runs the scriptlets as an upgrade does
# ($1 = 2 in %post, $1 = 1 in the old %preun).
echo "login_domains = example.com" >>"$root/etc/grouprole/grouprole.conf"
r -U --replacepkgs --nodeps "${pkgs[@]}" >"$cur/rpm.log" 2>&1
cp "$root/etc/nsswitch.conf" "$cur/nsswitch.conf"
cp "$root/etc/grouprole/grouprole.conf" "$cur/grouprole.conf"

step erase
r -e grouprole grouprole-nss grouprole-pam >"$cur/rpm.log" 2>&1
r -qa 'grouprole*' >"$cur/versions"
cp "$root/etc/nsswitch.conf" "$cur/nsswitch.conf"
ls "$root/etc/grouprole" >"$cur/etc-grouprole" 2>&1 || true

step authselect
# A host whose nsswitch.conf authselect manages: the NSS package leaves the
# file alone and says what to run instead.
printf '#!/bin/sh\n[ "$1" = current ] && exit 0\nexit 1\n' >"$root/usr/sbin/authselect"
chmod 0755 "$root/usr/sbin/authselect"
r -i --nodeps "$RPM_DIR"/grouprole-nss-*.rpm >"$cur/rpm.log" 2>&1
cp "$root/etc/nsswitch.conf" "$cur/nsswitch.conf"
r -e grouprole-nss >>"$cur/rpm.log" 2>&1
rm "$root/usr/sbin/authselect"
echo done >"$res/finished"
