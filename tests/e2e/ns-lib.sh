# shellcheck shell=bash
# ns-lib.sh: run real programs (getent, id, sshd, su, sudo) against grouprole's
# modules inside a private mount namespace, without changing the host.
#
# Source it from a bats file (or any bash script) running as root.  The host
# is never modified: every change happens on tmpfs and overlay mounts that
# exist only inside a namespace made by `unshare --mount` and vanish with its
# last process.
#
# On the host side (the test itself):
#
#   ns_require_root
#       bats only: `skip` with the reason when not root or when mount
#       namespaces are unavailable -- but `fail` when CI=true, where these
#       tests must run.
#
#   ns_skip_or_fail WHY
#       bats only: `skip` with WHY -- or print it and return 1 when CI=true.
#
#   ns_run [--pid] SCRIPT
#       Run the bash code SCRIPT in a new, private mount namespace (and, with
#       --pid, a new pid namespace with its own /proc, so daemons such as
#       sshd die with it), with this library sourced, `set -eu -o pipefail`,
#       and the caller's exported variables.  Bounded by NS_TIMEOUT seconds
#       (default 120).  Returns SCRIPT's status; use it with bats' `run`.
#
# Inside SCRIPT:
#
#   ns_init
#       Call first.  Refuses to go on (status 99) unless it really is in a
#       mount namespace other than the host's.  Mounts a tmpfs on the
#       scratch directory ns_run made ($NS_SCRATCH, empty on the host),
#       writable overlays on /etc and on the multiarch library directory
#       ($NS_LIBDIR, e.g. /usr/lib/x86_64-linux-gnu), and hides nscd's
#       socket so glibc answers from our files.  Sets NS_STATE
#       ($NS_SCRATCH/state, for grouprole's state_dir).
#
#   ns_overlay DIR
#       Make DIR writable inside the namespace (changes land on the scratch
#       tmpfs).  ns_init does it for /etc and $NS_LIBDIR; use it for others
#       (/etc/pam.d lives under /etc already; /var/lib/dpkg, /usr, ...).
#
#   ns_install_module FILE [NAME]
#       Copy FILE into $NS_LIBDIR as NAME (default: its basename), where the
#       real glibc (NSS) or libpam (security/NAME) finds it.
#
#   ns_nsswitch [LINE...]
#       Replace /etc/nsswitch.conf with "passwd: files", "shadow: files",
#       "group: files" and the given lines (a later "passwd:" or "group:"
#       line replaces the default one).  Example: ns_nsswitch "group: files grouprole"
#
#   ns_etc_file NAME [MODE]
#       Replace /etc/NAME with standard input (mode MODE, default 0644,
#       owner root).  Example: ns_etc_file sudoers 0440 <<<'...'
#
#   ns_minimal_accounts
#       Replace /etc/passwd, /etc/group, /etc/shadow and /etc/gshadow with
#       root, daemon, nobody, nogroup, sshd (privilege separation) and the
#       host groups docker (999), users (100), sudo (27).
#
#   ns_add_user NAME UID [GID [SHELL]]
#       Append a user (home /tmp, shell SHELL or /bin/bash, locked password
#       "*" in /etc/shadow) and its own group GID (default UID).
#
#   ns_grouprole_conf [LINE...]
#       Write /etc/grouprole/grouprole.conf (root, 0644): state_dir =
#       $NS_STATE, login_domains = example.com unless a LINE sets it, plus
#       LINES.  This is the path the NSS module reads in
#       setuid programs, which ignore GROUPROLE_CONF; other programs get
#       GROUPROLE_CONF unset by ns_init so that they read it too.
#
#   ns_ctl ARGS...
#       Run $GR_BUILD/grouprolectl with that configuration.
#
# Variables: GR_BUILD (build directory, from the Makefile), NS_TIMEOUT,
# NS_SCRATCH, NS_STATE, NS_LIBDIR.  GR_NSS_MODULE_HOST is the NSS module to
# install for host programs (an unsanitized copy under SANITIZE=...).

: "${GR_BUILD:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../build" && pwd)}"
NS_LIB_PATH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ns-lib.sh
: "${NS_TIMEOUT:=120}"

ns_require_root() {
	local why=""

	if [ "$(id -u)" != 0 ]; then
		why="needs root for mount namespaces"
	elif ! command -v unshare >/dev/null; then
		why="needs unshare (util-linux)"
	elif ! unshare --mount true 2>/dev/null; then
		why="mount namespaces are not available here"
	fi
	[ -z "$why" ] && return 0
	ns_skip_or_fail "$why"
}

ns_skip_or_fail() {
	if [ "${CI:-}" = true ]; then
		echo "$1 (and CI=true: these tests must run)" >&2
		return 1
	fi
	skip "$1"
}

ns_run() {
	local pid=() script scratch rc=0

	if [ "${1:-}" = --pid ]; then
		pid=(--pid --mount-proc)
		shift
	fi
	script=$1
	# An empty directory of the host's; inside, a tmpfs is mounted on it.
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/grouprole-ns.XXXXXX") || return 1
	NS_HOST_MNT=$(readlink /proc/self/ns/mnt) NS_LIB_PATH=$NS_LIB_PATH NS_SCRATCH=$scratch \
		timeout --kill-after=5 "$NS_TIMEOUT" \
		unshare --mount --propagation private --fork "${pid[@]}" \
		bash -c 'source "$NS_LIB_PATH"; set -eu -o pipefail; '"$script" || rc=$?
	rmdir "$scratch" 2>/dev/null || true
	return "$rc"
}

ns_overlay() {
	local dir=$1 tag

	tag=$(printf '%s' "$dir" | tr -c 'A-Za-z0-9' '_')
	mkdir -p "$NS_SCRATCH/ovl/$tag/upper" "$NS_SCRATCH/ovl/$tag/work"
	mount -t overlay "ns-$tag" \
		-o "lowerdir=$dir,upperdir=$NS_SCRATCH/ovl/$tag/upper,workdir=$NS_SCRATCH/ovl/$tag/work" \
		"$dir"
}

ns_init() {
	local here multiarch

	here=$(readlink /proc/self/ns/mnt)
	if [ -z "${NS_HOST_MNT:-}" ] || [ "$here" = "$NS_HOST_MNT" ]; then
		echo "ns_init: not inside a private mount namespace; refusing to touch the host" >&2
		exit 99
	fi
	# Mount events must not travel back to the host, whatever unshare's default.
	mount --make-rprivate /
	[ -n "${NS_SCRATCH:-}" ] && [ -d "$NS_SCRATCH" ] || {
		echo "ns_init: run me through ns_run" >&2
		exit 99
	}
	mount -t tmpfs -o mode=0755 ns-scratch "$NS_SCRATCH"
	NS_STATE=$NS_SCRATCH/state
	multiarch=$(gcc -print-multiarch 2>/dev/null || true)
	NS_LIBDIR=/usr/lib${multiarch:+/$multiarch}
	[ -d "$NS_LIBDIR" ] || NS_LIBDIR=/usr/lib
	ns_overlay /etc
	ns_overlay "$NS_LIBDIR"
	# nscd would answer from the host's view.
	for d in /run/nscd /var/run/nscd; do
		if [ -d "$d" ]; then mount -t tmpfs -o mode=0755 ns-nscd "$d"; fi
	done
	unset GROUPROLE_CONF
	export NS_SCRATCH NS_STATE NS_LIBDIR
}

ns_install_module() {
	local src=$1 name=${2:-$(basename "$1")}

	mkdir -p "$(dirname "$NS_LIBDIR/$name")"
	install -m 0644 -o 0 -g 0 "$src" "$NS_LIBDIR/$name"
}

ns_etc_file() {
	local name=$1 mode=${2:-0644}

	mkdir -p "$(dirname "/etc/$name")"
	cat >"/etc/$name.ns-new"
	chown 0:0 "/etc/$name.ns-new"
	chmod "$mode" "/etc/$name.ns-new"
	mv -f "/etc/$name.ns-new" "/etc/$name"
}

ns_nsswitch() {
	local line passwd="passwd: files" group="group: files"

	for line in "$@"; do
		case $line in
		passwd:*) passwd=$line ;;
		group:*) group=$line ;;
		esac
	done
	{
		echo "$passwd"
		echo "shadow: files"
		echo "$group"
		echo "gshadow: files"
		for line in "$@"; do
			case $line in
			passwd:* | group:*) ;;
			*) echo "$line" ;;
			esac
		done
	} | ns_etc_file nsswitch.conf
}

ns_minimal_accounts() {
	ns_etc_file passwd <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
sshd:x:105:65534::/run/sshd:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
	ns_etc_file group <<'EOF'
root:x:0:
daemon:x:1:
sudo:x:27:
users:x:100:
docker:x:999:
nogroup:x:65534:
EOF
	ns_etc_file shadow 0640 <<'EOF'
root:*:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
sshd:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF
	ns_etc_file gshadow 0640 </dev/null
}

ns_add_user() {
	local name=$1 uid=$2 gid=${3:-$2} shell=${4:-/bin/bash}

	echo "$name:x:$uid:$gid::/tmp:$shell" >>/etc/passwd
	grep -q "^[^:]*:[^:]*:$gid:" /etc/group || echo "$name:x:$gid:" >>/etc/group
	echo "$name:*:19000:0:99999:7:::" >>/etc/shadow
}

ns_grouprole_conf() {
	local line

	{
		echo "# written by tests/e2e/ns-lib.sh"
		echo "state_dir = $NS_STATE"
		# username = localpart maps only listed domains; the tests' users are @example.com.
		case " $* " in *" login_domains ="*) ;; *) echo "login_domains = example.com" ;; esac
		for line in "$@"; do echo "$line"; done
	} | ns_etc_file grouprole/grouprole.conf
}

ns_ctl() {
	"$GR_BUILD/grouprolectl" --config /etc/grouprole/grouprole.conf "$@"
}
