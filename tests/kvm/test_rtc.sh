# The CMOS RTC (devices/rtc.c, tests/guests/rtc.c): a guest reads the host's
# year through ports 0x70/0x71, in BCD 24h as after reset with a valid
# battery; a year the guest writes is what it then reads (hwclock -w sticks).
rtc_year_is_hosts() {
	local before after out
	before=$(date -u +%Y)
	out=$(timeout -k 5 "$KVM_TIMEOUT" "$CVMM" --kernel "$1" 2>&1 </dev/null) || { echo "$out"; return 1; }
	after=$(date -u +%Y)	# a New Year's midnight between the two: either year is right
	grep -Eq "^rtc: year ($before|$after) b 0x0*2 d 0x0*80 ram 0x0*5a$" <<<"$out" ||
		{ echo "host year $before, guest said: $out"; return 1; }
}
kvm_check "the RTC gives a tiny guest the host's UTC year (BCD, 24h, valid)" \
	rtc_year_is_hosts $G/rtc.elf
kvm_check "the RTC gives a bzImage guest the host's UTC year" rtc_year_is_hosts $G/rtc.bzImage
kvm_case "a year written to the RTC (SET held, fields, SET cleared) reads back" 0 \
	'^rtc: after write 2099$' --kernel $G/rtc.elf --cmdline set
