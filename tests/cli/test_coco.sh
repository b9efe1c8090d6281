# TDX and SNP on a host without them: refused before anything is created,
# with one line naming what the host lacks; dry runs print the ioctls.
OVMF_SNP=/usr/share/OVMF/OVMF_CODE.fd
OVMF_TDX=/usr/share/ovmf/OVMF.fd
HEX96=$(printf 'ab%.0s' $(seq 48))

# `cvmm info` and `cvmm --tdx/--snp` ask one host check (the platform's
# host_ok), so on any host what info says decides what a launch must do, and
# these checks never vanish: where info says no, the launch is refused in
# exactly one line carrying info's reason; where it says yes, the launch gets
# past the host check and fails later, on its inputs (nothing runs).
CC_INFO=$("$CVMM" info 2>&1 </dev/null); CC_INFO_RC=$?
coco_agrees() {	# LABEL PLATFORM ARGS...
	local label=$1 plat=$2 says why out rc; shift 2
	says=$(awk -v l="$label" '$1 == l { print $2; exit }' <<<"$CC_INFO")
	why=$(grep -A1 "^$label " <<<"$CC_INFO" | sed -n '2s/^  why  *//p')
	out=$("$CVMM" "--$plat" "$@" 2>&1 </dev/null); rc=$?
	echo "info: $label $says: $why"; echo "run (exit $rc): $out"
	[ "$rc" -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] || return 1
	case "$says" in
	no)	[ -n "$why" ] && [ "$out" = "cvmm: --$plat: $why" ] &&
			grep -q "cvmm measure --$plat" <<<"$out" ;;
	yes)	! grep -q 'cannot run' <<<"$out" ;;
	*)	echo "cvmm info printed no '$label' line"; return 1 ;;
	esac
}
if [ "$CC_INFO_RC" -eq 0 ]; then
	cli_check "--tdx: refused as cvmm info says, or past the host check" coco_agrees TDX tdx
	cli_check "--tdx --firmware: refused as cvmm info says, or past the host check" \
		coco_agrees TDX tdx --firmware /nonexistent
	cli_check "--snp --firmware: refused as cvmm info says, or past the host check" \
		coco_agrees SEV-SNP snp --firmware /nonexistent
else
	echo "*** SKIPPED: $TIER: 3 host-check tests: cvmm info cannot probe this host: $CC_INFO ***"
	SKIP=$((SKIP + 3))
fi
cli_case "TDX dry run: INIT_VM ... FINALIZE" 0 'vm +KVM_TDX_FINALIZE_VM' --tdx --firmware $OVMF_TDX --dry-run
cli_case "TDX dry run: BFV measured" 0 'KVM_TDX_INIT_MEM_REGION +flags=0x1 \{gpa=0xffe20000 nr_pages=480\} MEASURE' \
	--tdx --firmware $OVMF_TDX --dry-run
cli_case "TDX dry run: --mrowner reaches INIT_VM" 0 "mrowner=$HEX96" --tdx --firmware $OVMF_TDX --dry-run --mrowner $HEX96
cli_case "TDX dry run: 4 vCPUs get the TD HOB" 0 'vcpu3 +KVM_TDX_INIT_VCPU +flags=0x0 data\(rcx\)=0x809000' \
	--tdx --firmware $OVMF_TDX --dry-run --cpus 4
cli_case "SNP dry run: LAUNCH_START with the policy" 0 'KVM_SEV_SNP_LAUNCH_START +\{policy=0x30000' \
	--snp --firmware $OVMF_SNP --dry-run
cli_case "SNP dry run: CPUID page" 0 'KVM_SEV_SNP_LAUNCH_UPDATE +\{gfn_start=0x80e len=0x1000 type=6\}' \
	--snp --firmware $OVMF_SNP --dry-run
cli_case "SNP dry run: --host-data reaches LAUNCH_FINISH" 0 "host_data=$(printf '5c%.0s' $(seq 32))" \
	--snp --firmware $OVMF_SNP --dry-run --host-data $(printf '5c%.0s' $(seq 32))
cli_case "--policy without bit 17" 2 '^cvmm: --policy 0x10000: bit 17 is reserved and must be 1' \
	--snp --firmware $OVMF_SNP --dry-run --policy 10000
cli_case "--policy with MIGRATE_MA" 2 'bit 18 \(migration agent\) is never allowed' \
	--snp --firmware $OVMF_SNP --dry-run --policy 70000
cli_case "--help explains the policy bits" 0 '17 reserved, must be 1' --help
cli_case "--host-data too short" 2 '--host-data: want exactly 64 hex digits' --snp --host-data abcd
cli_case "--mrconfigid not hex" 2 '--mrconfigid: want exactly 96 hex digits' --tdx --mrconfigid xyz
cli_case "--id-block without --id-auth" 2 '^cvmm: --id-block and --id-auth go together$' \
	--snp --firmware $OVMF_SNP --dry-run --id-block /etc/hostname
cli_case "--id-block of the wrong size" 2 '--id-block /etc/hostname: must be exactly 96 bytes' \
	--snp --firmware $OVMF_SNP --dry-run --id-block /etc/hostname --id-auth /etc/hostname
cli_case "--td-attributes not hex" 2 '--td-attributes zz: not a hex number' --tdx --td-attributes zz
cli_case "--quote-timeout 0" 2 '--quote-timeout 0: milliseconds' --tdx --quote-timeout 0
# --vmm-type ec2|gce and --legacy-vmsa predict other VMMs' launches: measure only
cli_case "run refuses --vmm-type ec2" 2 '^cvmm: --vmm-type ec2: describes another VMM.s launch' \
	--snp --firmware $OVMF_SNP --vmm-type ec2
cli_case "dry run refuses --legacy-vmsa" 2 '^cvmm: --legacy-vmsa: describes another VMM.s launch' \
	--snp --firmware $OVMF_SNP --legacy-vmsa --dry-run
cli_case "measure keeps --vmm-type gce" 0 '^[0-9a-f]{96}$' measure --snp --firmware $OVMF_SNP --vmm-type gce
# an OVMF without the SEV metadata has no CPUID/secrets page: QEMU refuses it, so does cvmm
cli_case "SNP refuses OVMF without SEV metadata" 2 \
	'^cvmm: --firmware /usr/share/OVMF/OVMF_CODE_4M.fd: no SEV metadata' \
	--snp --firmware /usr/share/OVMF/OVMF_CODE_4M.fd --dry-run
# the dry run is the launch run performs: the strict fake host accepted every call
cli_case "TDX dry run: TD vCPUs take the TD's CPUID" 0 'vcpu0 +KVM_TDX_GET_CPUID' \
	--tdx --firmware $OVMF_TDX --dry-run
