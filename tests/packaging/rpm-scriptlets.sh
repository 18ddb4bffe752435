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
# awk, editor and friends are alternatives on Debian.
cp -a /etc/alternatives "$root/etc/"
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

step authselect-profile
# grouprole-pam's authselect-profile against a stand-in for authselect that
# does what its create-profile, current --raw and select do with files: a
# base profile written here in authselect's format (the real one is not in
# Debian).  What is checked is the profile the script makes from it.
base=$root/usr/share/authselect/default/local
mkdir -p "$base"
for f in system-auth password-auth; do
	cat >"$base/$f" <<'PAM'
auth        required                                     pam_env.so
auth        sufficient                                   pam_unix.so {if not "without-nullok":nullok}
auth        required                                     pam_deny.so

account     required                                     pam_unix.so

password    sufficient                                   pam_unix.so yescrypt shadow use_authtok
password    required                                     pam_deny.so

session     optional                                     pam_keyinit.so revoke
session     required                                     pam_limits.so
session     required                                     pam_unix.so
PAM
done
cat >"$base/nsswitch.conf" <<'NSS'
passwd:     files {if "with-altfiles":altfiles }systemd
group:      files {if "with-altfiles":altfiles }systemd
NSS
cat >"$root/usr/sbin/authselect" <<'STUB'
#!/bin/sh
case $1 in
current) echo "local with-mdns4 with-silent-lastlog" ;;
create-profile)
	name=$2
	base=${3#--base-on=}
	mkdir -p "/etc/authselect/custom/$name"
	cp "/usr/share/authselect/default/$base/"* "/etc/authselect/custom/$name/"
	;;
select) echo "$*" >/etc/authselect/selected ;;
*) exit 1 ;;
esac
STUB
r -i --nodeps "$RPM_DIR"/grouprole-pam-*.rpm >"$cur/rpm.log" 2>&1
chroot "$root" /usr/libexec/grouprole/authselect-profile >"$cur/out" 2>&1
cp "$root"/etc/authselect/custom/grouprole/{system-auth,password-auth,nsswitch.conf} "$cur/"
cp "$root/etc/authselect/selected" "$cur/selected"
r -e grouprole-pam >>"$cur/rpm.log" 2>&1
rm "$root/usr/sbin/authselect"
echo done >"$res/finished"
