# `cvmm measure` against the independent tools' reference digests: every
# row of shared/vectors/measure/reference.tsv, read at run time, through the
# real command line (ERROR rows must end with exactly one line on stderr).

measure_vectors_dir() { local d; d=$(vectors_dir) && [ -r "$d/measure/reference.tsv" ] && echo "$d"; }

# measure_row_args: the cvmm options for one row (columns as in the README).
measure_row_args() {
	local dir=$1 platform=$2 fw=$3 kernel=$4 initrd=$5 cmdline=$6 vcpus=$7 vtype=$8 opts=$9
	local p
	ROW_ARGS=("--$platform")
	for p in fw kernel initrd; do
		local v=${!p}
		[ "$v" = - ] || [[ "$v" == "(none"* ]] && continue
		v=${v%% *}
		[[ "$v" == /* ]] || v="$dir/measure/$v"
		case $p in fw) ROW_ARGS+=(--firmware "$v");; *) ROW_ARGS+=("--$p" "$v");; esac
	done
	[ "$cmdline" = - ] || [[ "$cmdline" == "(none"* ]] || ROW_ARGS+=(--cmdline "$cmdline")
	[ "$vcpus" = - ] || ROW_ARGS+=(--cpus "$vcpus")
	[ "$vtype" = - ] || ROW_ARGS+=(--vcpu-type "$vtype")
	[[ "$opts" =~ guest_features=(0x[0-9a-fA-F]+) ]] && ROW_ARGS+=(--guest-features "${BASH_REMATCH[1]}")
	[[ "$opts" =~ vmm=([A-Za-z0-9]+) ]] && ROW_ARGS+=(--vmm-type "${BASH_REMATCH[1],,}")
	[[ "$opts" == *"legacy VMSA"* ]] && ROW_ARGS+=(--legacy-vmsa)
	[[ "$opts" == *two-pass* ]] && ROW_ARGS+=(--mrtd-order two-pass)
	return 0
}

measure_reference_rows() {
	local dir id platform fw fwsha kernel initrd cmdline vcpus vtype opts expected tool
	if ! dir=$(measure_vectors_dir); then
		vectors_skip "measure against the reference rows (one test per row, counted as one)" 1
		return
	fi
	while IFS=$'\t' read -r id platform fw fwsha kernel initrd cmdline vcpus vtype opts expected tool; do
		[ "$id" = case_id ] && continue
		measure_row_args "$dir" "$platform" "$fw" "$kernel" "$initrd" "$cmdline" "$vcpus" "$vtype" "$opts"
		local fwpath=${fw}; [[ "$fwpath" == /* ]] || fwpath="$dir/measure/$fwpath"
		if [ "$(sha256sum < "$fwpath" | cut -d' ' -f1)" != "$fwsha" ]; then
			kvm_fail "measure $id" "$fwpath is not the firmware the row was computed for" ""
			continue
		fi
		if [[ "$expected" == ERROR* ]]; then
			cli_check "measure $id refused in one line" measure_refused "${ROW_ARGS[@]}"
		else
			cli_case "measure $id" 0 "^$expected\$" measure "${ROW_ARGS[@]}"
		fi
	done < "$dir/measure/reference.tsv"
}

# Exit status 2, nothing on stdout, exactly one line on stderr.
measure_refused() {
	local out err rc
	out=$("$CVMM" measure "$@" 2>/tmp/cvmm-measure-err.$$); rc=$?
	err=$(cat /tmp/cvmm-measure-err.$$); rm -f /tmp/cvmm-measure-err.$$
	echo "rc=$rc stdout='$out' stderr='$err'"
	[ $rc -eq 2 ] && [ -z "$out" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && [ -n "$err" ]
}

measure_json_ok() {
	local out
	out=$("$CVMM" measure "$@" --json) || return 1
	echo "$out"
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys; j=json.load(sys.stdin); assert len(j["digest"]) == 96' <<<"$out" || return 1
	fi
	grep -q '"depends_on"' <<<"$out"
}

# The digest a plain run prints must be the one --json reports.
measure_json_agrees() {
	local hex
	hex=$("$CVMM" measure "$@") || return 1
	"$CVMM" measure "$@" --json | grep -q "\"digest\": \"$hex\""
}

measure_reference_rows
cli_check "measure --snp --json is valid JSON" measure_json_ok --snp --firmware /usr/share/OVMF/OVMF_CODE.fd --cpus 2
cli_check "measure --tdx --json is valid JSON" measure_json_ok --tdx --firmware /usr/share/ovmf/OVMF.fd
cli_check "measure --json digest = plain digest" measure_json_agrees --snp --firmware /usr/share/OVMF/OVMF_CODE.fd --vcpu-type EPYC-Genoa --cpus 3
cli_case "measure --json: SNP digest depends on vCPUs (their VMSAs), not RAM" 0 \
	'"depends_on": \{ "vcpus": true, "mem": false, "vcpus_through": \["VMSA"\], "mem_through": \[\] \}' \
	measure --snp --firmware /usr/share/OVMF/OVMF_CODE.fd --json
cli_case "measure --json: MRTD depends on neither" 0 \
	'"depends_on": \{ "vcpus": false, "mem": false, "vcpus_through": \[\], "mem_through": \[\] \}' \
	measure --tdx --firmware /usr/share/ovmf/OVMF.fd --json
cli_case "measure needs --snp or --tdx" 2 'give --snp or --tdx' measure --firmware /usr/share/OVMF/OVMF_CODE.fd
cli_case "measure: unknown --vcpu-type" 2 'unknown CPU model' measure --snp --firmware /usr/share/OVMF/OVMF_CODE.fd --vcpu-type Skylake
cli_case "measure: bad --vmm-type" 2 'use qemu, ec2 or gce' measure --snp --firmware /usr/share/OVMF/OVMF_CODE.fd --vmm-type xen
cli_case "measure: bad --mrtd-order" 2 'single or two-pass' measure --tdx --firmware /usr/share/ovmf/OVMF.fd --mrtd-order three
cli_case "measure: TDX needs TDVF metadata" 2 'no TDVF metadata' measure --tdx --firmware /usr/share/OVMF/OVMF_CODE_4M.fd
cli_case "measure: missing firmware file" 2 'No such file' measure --snp --firmware /nonexistent.fd

# Direct boot through the boot shim: the digest ignores --mem, never --cpus (the MADT lists each vCPU).
measure_same() {	# measure_same "ARGS A" "ARGS B": both digests equal
	local a b
	a=$("$CVMM" measure $1) && b=$("$CVMM" measure $2) || return 1
	echo "$a"; echo "$b"
	[ "$a" = "$b" ]
}
measure_differs() {	# measure_differs "ARGS A" "ARGS B": both digests made, and different
	local a b
	a=$("$CVMM" measure $1) && b=$("$CVMM" measure $2) || return 1
	echo "$a / $b"; [ -n "$a" ] && [ "$a" != "$b" ]
}
BZ=build/guests/bootparams.bzImage
if [ -r $BZ ]; then
	cli_check "measure --tdx direct boot: 256 MiB/8 vCPUs = 8 GiB/8 vCPUs" measure_same \
		"--tdx --kernel $BZ --initrd $BZ --cmdline x --mem 256M --cpus 8" "--tdx --kernel $BZ --initrd $BZ --cmdline x --mem 8G --cpus 8"
	cli_check "measure --tdx direct boot: 1 vCPU != 8 vCPUs (MADT)" measure_differs \
		"--tdx --kernel $BZ --cmdline x" "--tdx --kernel $BZ --cmdline x --cpus 8"
	cli_check "measure --tdx direct boot: no devices != --rng (the DSDT names it)" measure_differs \
		"--tdx --kernel $BZ" "--tdx --kernel $BZ --rng"
	cli_check "measure --snp direct boot: --rng != --rng --disk" measure_differs \
		"--snp --kernel $BZ --rng" "--snp --kernel $BZ --rng --disk /nonexistent.img"
	cli_check "measure --snp direct boot: 256 MiB = 8 GiB" measure_same \
		"--snp --kernel $BZ --mem 256M" "--snp --kernel $BZ --mem 8G"
	# the MADT, and the vCPU count the shim spreads acceptance over (the mailbox's firmware half)
	cli_case "measure --json: TDX direct boot depends on vCPUs (MADT, mailbox), not RAM" 0 \
		'"depends_on": \{ "vcpus": true, "mem": false, "vcpus_through": \["MP wakeup mailbox", "ACPI tables"\], "mem_through": \[\] \}' \
		measure --tdx --kernel $BZ --json
	cli_case "measure --json: SNP direct boot depends on vCPUs (MADT, one VMSA each), not RAM" 0 \
		'"depends_on": \{ "vcpus": true, "mem": false, "vcpus_through": \["ACPI tables", "VMSA"\], "mem_through": \[\] \}' \
		measure --snp --kernel $BZ --json
	# Issue 13 item 3: the plan's acceptance model, by hand: 1 GiB over 4
	# vCPUs, vCPU 0 takes the first 2 MiB (512 pages) and 128 blocks of 2 MiB
	# (one refused try + 512 pages each): 512 + 128 * 513 = 66176 exits.
	cli_case "dry run --tdx --cpus 4: acceptance spread over the vCPUs, the busiest's share" 0 \
		'memory acceptance \(boot shim, expected\): 1024 MiB by TDG.MEM.PAGE.ACCEPT spread over 4 vCPUs: 511 2 MiB tries, 262144 4 KiB; 262655 exits .* the busiest vCPU takes 66176 ' \
		--tdx --kernel $BZ --mem 1G --cpus 4 --dry-run
	# SNP: the BSP alone (its APs park in 32-bit mode, without C-bit page
	# tables): RAM without the BIOS hole (97 pages) and the secrets and CPUID pages.
	# 262655 - 97 - 2 = 262556.
	cli_case "dry run --snp --cpus 4: validation on vCPU 0" 0 \
		'memory acceptance \(boot shim, expected\): 1023 MiB by PVALIDATE on vCPU 0: .* the busiest vCPU takes 262556 ' \
		--snp --kernel $BZ --mem 1G --cpus 4 --dry-run
	cli_check "measure --tdx --json (direct boot, 4 vCPUs) is valid JSON" measure_json_ok --tdx --kernel $BZ --cpus 4
	cli_case "measure --json: direct boot names the shim as an input" 0 '"boot_shim": \{ "size": 16384' \
		measure --tdx --kernel $BZ --json
else
	echo "*** SKIPPED: $BZ missing (make test-build): 9 direct-boot measure tests NOT run ***"
	SKIP=$((SKIP + 9))
fi
cli_case "measure --snp without --firmware or --kernel" 2 'give --kernel' measure --snp
