# cvmm needs no root and no capabilities: a throwaway user, created here and
# removed after (trap, even when a check fails or the run is interrupted),
# whose only grant is membership of the group that may read and write
# /dev/kvm, runs the demo guest and `cvmm info`; a wrapper that then execs
# cvmm records the process's capability sets (all zero, no_new_privs set, so
# the exec cannot gain any). Without the group the same user is refused with
# one line. Needs root (useradd, setpriv): SKIPPED otherwise.
#
# Where /dev/kvm is group kvm and group-read-writable (Debian's udev rule),
# the user joins kvm and uses it as it is. Where it is not (this build host:
# root:root 0600), this host's /dev/kvm is left alone: the checks run in a
# private mount namespace in which a node for the same device, group kvm (or
# a throwaway group where no kvm group exists) and mode 0660, is bound over
# /dev/kvm; the test names say which.

USR_N=4
usr_skip() { echo "*** SKIPPED: $TIER: unprivileged user: $1: $USR_N tests NOT run ***"; SKIP=$((SKIP + USR_N)); }

usr_cleanup() {
	[ -n "${USR:-}" ] && userdel "$USR" 2>/dev/null
	[ -n "${USR_NEWGROUP:-}" ] && groupdel "$USR_NEWGROUP" 2>/dev/null
	[ -n "${USR_DIR:-}" ] && rm -rf "$USR_DIR"
	USR="" USR_NEWGROUP="" USR_DIR=""
	trap - EXIT INT TERM
}

# usr_exec GROUPED CMD...: CMD as the user, through the wrapper; GROUPED=0:
# with no supplementary groups and primary group nogroup.
usr_exec() {
	local ids=(--reuid="$USR_UID" --regid="$USR_GID" --init-groups)
	[ "$1" = 1 ] || ids=(--reuid="$USR_UID" --regid=65534 --clear-groups)
	shift
	local run=(setpriv "${ids[@]}" --no-new-privs --inh-caps=-all "$USR_DIR/wrap" "$@")
	if [ "$USR_NS" = 1 ]; then
		timeout -k 5 "$KVM_TIMEOUT" unshare -m --propagation private sh -c '
			d=$1 g=$2 dev=$3; shift 3
			mount -t tmpfs -o mode=0755 cvmm-kvm "$d" && mknod -m 0660 "$d/kvm" c $dev &&
				chgrp "$g" "$d/kvm" && mount --bind "$d/kvm" /dev/kvm || exit 99
			exec "$@"' _ "$USR_DIR/dev" "$USR_GID" "$USR_DEV" "${run[@]}" </dev/null 2>&1
	else
		timeout -k 5 "$KVM_TIMEOUT" "${run[@]}" </dev/null 2>&1
	fi
}

usr_demo() {
	local out; out=$(usr_exec 1 "$USR_DIR/cvmm") || { echo "$out"; echo "exit status $?"; return 1; }
	grep -q 'Hello from the cvmm demo guest' <<<"$out" || { echo "$out"; return 1; }
}

usr_info() {
	local out; out=$(usr_exec 1 "$USR_DIR/cvmm" info) || { echo "$out"; return 1; }
	grep -Eq '^KVM API version +12$' <<<"$out" || { echo "$out"; return 1; }
}

# The wrapper's /proc/self/status, read just before it execs cvmm.
usr_no_caps() {
	local out c rc=0
	out=$(usr_exec 1 "$USR_DIR/cvmm" --version) || { echo "$out"; return 1; }
	for c in CapInh CapPrm CapEff CapAmb; do
		grep -qx "wrap: $c:	0000000000000000" <<<"$out" || { echo "$c not zero"; rc=1; }
	done
	grep -qx 'wrap: NoNewPrivs:	1' <<<"$out" || { echo "no_new_privs not set"; rc=1; }
	grep -Eqx "wrap: Uid:	$USR_UID	$USR_UID	$USR_UID	$USR_UID" <<<"$out" || { echo "not running as $USR"; rc=1; }
	grep -qx "cvmm $(sed -nE 's/^VERSION *:= *//p' Makefile)" <<<"$out" || rc=1
	[ $rc -eq 0 ] || echo "$out"
	return $rc
}

# Without the group: refused, one line naming /dev/kvm, no VM.
usr_refused() {
	local out rc
	out=$(usr_exec 0 "$USR_DIR/cvmm"); rc=$?
	out=$(grep -v '^wrap: ' <<<"$out")
	[ $rc -ne 0 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q '/dev/kvm' <<<"$out" ||
		{ echo "exit $rc: $out"; return 1; }
}

usr_main() {
	local t why="" g mode
	[ "$(id -u)" = 0 ] || { usr_skip "needs root to create a user (running as $(id -un))"; return; }
	for t in useradd userdel groupadd groupdel setpriv unshare mknod; do
		command -v $t >/dev/null || { usr_skip "$t is missing"; return; }
	done
	g=$(stat -c %G /dev/kvm) mode=$(stat -c %a /dev/kvm)
	USR_NS=0 USR_GROUP=kvm
	if [ "$g" != kvm ] || [ $((8#$mode & 8#060)) -ne $((8#060)) ]; then
		USR_NS=1
		why=", private /dev/kvm node 0660: this host's is $(stat -c %U:%G /dev/kvm) $mode"
		unshare -m true 2>/dev/null || { usr_skip "/dev/kvm is $(stat -c %U:%G /dev/kvm) $mode, not group kvm rw, and no mount namespace here to give the test its own node"; return; }
	fi
	trap 'usr_cleanup' EXIT
	trap 'usr_cleanup; exit 130' INT
	trap 'usr_cleanup; exit 143' TERM
	if ! getent group kvm >/dev/null; then
		USR_NEWGROUP=cvmmtk$$ USR_GROUP=cvmmtk$$
		groupadd "$USR_GROUP" || { usr_cleanup; usr_skip "groupadd failed"; return; }
		why="$why; no kvm group here: throwaway group $USR_GROUP"
	fi
	USR=cvmmtu$$
	useradd -M -N -g "$USR_GROUP" -s /usr/sbin/nologin -d /nonexistent "$USR" ||
		{ usr_cleanup; usr_skip "useradd failed"; return; }
	USR_UID=$(id -u "$USR") USR_GID=$(getent group "$USR_GROUP" | cut -d: -f3)
	USR_DEV="$((16#$(stat -c %t /dev/kvm))) $((16#$(stat -c %T /dev/kvm)))"
	USR_DIR=$(mktemp -d); chmod 0755 "$USR_DIR"; mkdir "$USR_DIR/dev"
	install -m 0755 "$CVMM" "$USR_DIR/cvmm"
	printf '#!/bin/sh\ngrep -E "^(Uid|Cap(Inh|Prm|Eff|Amb)|NoNewPrivs):" /proc/self/status | sed "s/^/wrap: /" >&2\nexec "$@"\n' \
		>"$USR_DIR/wrap"; chmod 0755 "$USR_DIR/wrap"
	kvm_check "unprivileged user in group $USR_GROUP$why: demo guest" usr_demo
	kvm_check "unprivileged user: cvmm info" usr_info
	kvm_check "unprivileged user: no capabilities, no_new_privs, own uid" usr_no_caps
	kvm_check "unprivileged user without the group: refused in one line" usr_refused
	usr_cleanup
	id "cvmmtu$$" >/dev/null 2>&1 && kvm_fail "unprivileged user: removed" "user cvmmtu$$ still exists" ""
}
usr_main
