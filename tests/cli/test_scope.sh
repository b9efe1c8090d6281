# Options that do not apply to the command or the platform are refused with
# one line (exit 2), never ignored; one hex rule for every hex option; and
# --policy 0 means 0 (which the policy check refuses), not the default.
SC_SNP_FW=/usr/share/OVMF/OVMF_CODE.fd
SC_TDX_FW=/usr/share/ovmf/OVMF.fd
# scope_line NAME REGEX ARGS...: exit 2 and exactly one line matching REGEX
scope_line() {
	local regex=$1 out rc; shift
	out=$("$CVMM" "$@" 2>&1 </dev/null); rc=$?
	[ "$rc" -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -Eq -- "$regex" <<<"$out" ||
		{ echo "exit $rc: $out"; return 1; }
}
cli_check "measure --snp --shared-window: refused" scope_line \
	'^cvmm: --shared-window: only platforms with private memory .*--snp has none$' \
	measure --snp --firmware $SC_SNP_FW --shared-window 2M
cli_check "--snp --shared-window --dry-run: refused" scope_line \
	'^cvmm: --shared-window: .*--snp has none$' --snp --firmware $SC_SNP_FW --shared-window 2M --dry-run
cli_check "measure --no-guest-memfd: refused" scope_line \
	'^cvmm: --no-guest-memfd: plain VMs only \(--snp keeps' measure --snp --firmware $SC_SNP_FW --no-guest-memfd
cli_check "measure --virtio-irq: refused (delivery is not measured)" scope_line \
	'^cvmm: --virtio-irq: not an option of `cvmm measure`: interrupt delivery does not change the launch measurement$' \
	measure --tdx --firmware $SC_TDX_FW --virtio-irq
# The device set is guest-visible at launch (the shim's DSDT): measure takes it,
# and never opens the disk (a running VM may hold its lock).
cli_case "measure --disk: the file is never opened" 0 '^[0-9a-f]{96}$' \
	measure --tdx --firmware $SC_TDX_FW --disk /nonexistent/disk.img --rng --console virtio
# a TDREPORT (unsigned: REPORTTYPE.TYPE 0x81 at byte 0, a MAC at 224, TEE_TCB_INFO.VALID at
# 256: the structure dump and verify insist on) is evidence enough to reach the prediction
SC_TDR=$(mktemp)
head -c 1024 /dev/zero >"$SC_TDR"
for sc_at in 0:'\x81' 224:'\x6d' 256:'\x01'; do
	printf "${sc_at#*:}" | dd of="$SC_TDR" bs=1 seek="${sc_at%%:*}" conv=notrunc status=none
done
cli_check "attest verify --expect-from --virtio-irq: refused" scope_line \
	'^cvmm: --virtio-irq: not an option of `cvmm attest verify --expect-from`: interrupt delivery does not change' \
	attest verify "$SC_TDR" --expect-from --firmware $SC_TDX_FW --virtio-irq
cli_check "attest verify --expect-from --policy on TDX evidence: refused" scope_line \
	'^cvmm: --policy: applies to --snp only, not --tdx$' \
	attest verify "$SC_TDR" --expect-from --firmware $SC_TDX_FW --policy 30000
rm -f "$SC_TDR"
cli_check "--tdx --policy: refused" scope_line '^cvmm: --policy: applies to --snp only, not --tdx$' \
	--tdx --firmware $SC_TDX_FW --policy 30000 --dry-run
cli_check "measure --tdx --vcpu-type: refused" scope_line '^cvmm: --vcpu-type: applies to --snp only, not --tdx$' \
	measure --tdx --firmware $SC_TDX_FW --vcpu-type EPYC-Milan
cli_check "--snp --mrtd-order: refused" scope_line '^cvmm: --mrtd-order: applies to --tdx only, not --snp$' \
	measure --snp --firmware $SC_SNP_FW --mrtd-order two-pass
cli_check "--snp --td-attributes: refused" scope_line '^cvmm: --td-attributes: applies to --tdx only, not --snp$' \
	--snp --firmware $SC_SNP_FW --td-attributes 10000000 --dry-run
cli_check "--plain --host-data: refused" scope_line '^cvmm: --host-data: applies to --snp only, not --plain$' \
	--host-data "$(printf '5c%.0s' $(seq 32))" --dry-run
cli_check "measure --tdx --boot-shim: refused" scope_line '^cvmm: --boot-shim: runs on --plain VMs only .*not --tdx$' \
	measure --tdx --boot-shim
cli_check "--sw --boot-shim: refused" scope_line '^cvmm: --boot-shim: runs on --plain VMs only .*not --sw$' \
	--sw --boot-shim --dry-run
# --policy 0 is the policy 0: bit 17 clear, refused by run and by measure alike
cli_check "--policy 0 is 0, not the default (run)" scope_line '^cvmm: --policy 0x0: bit 17 is reserved' \
	--snp --firmware $SC_SNP_FW --dry-run --policy 0
cli_check "--policy 0 is 0, not the default (measure)" scope_line '^cvmm: --policy 0x0: bit 17 is reserved' \
	measure --snp --firmware $SC_SNP_FW --policy 0
cli_case "--policy 0x20000 reaches LAUNCH_START" 0 'KVM_SEV_SNP_LAUNCH_START +\{policy=0x20000' \
	--snp --firmware $SC_SNP_FW --dry-run --policy 0x20000
# one hex rule: a leading blank or sign is refused by every hex option
for sc_opt in "--tdx --td-attributes" "--tdx --xfam" "--snp --policy" "--snp --guest-features"; do
	cli_check "${sc_opt#* } ' +10000000': not hex" scope_line "^cvmm: ${sc_opt#* }  \\+10000000: not a hex number$" \
		${sc_opt} ' +10000000' --dry-run
done
cli_check "attest --policy-max ' +30000': not hex" scope_line "^cvmm attest verify: --policy-max  \\+30000: not a hex policy$" \
	attest verify /etc/hostname --policy-max ' +30000'
cli_check "--cpus ' 2': not a count" scope_line "^cvmm: --cpus  2: not a vCPU count$" --cpus ' 2' --dry-run
