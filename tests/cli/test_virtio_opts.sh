# Device options: every mistake is one line and status 2, before any VM exists.
cli_case "--help lists the device options" 0 '--disk=FILE\[,ro\]\[,direct\]' --help
cli_case "--disk with a missing file" 2 '--disk /nonexistent.img: No such file or directory' \
	--disk /nonexistent.img
cli_case "--disk with an unknown flag" 2 "--disk /dev/null,rw: unknown flag 'rw' \(ro, direct\)" \
	--disk /dev/null,rw
cli_case "--disk without a file" 2 '--disk: no file named' --disk ,ro
# A disk that exists but cannot serve is refused as bad input, before any VM:
# status 2, not a VM failure (1).
cli_case "--disk on a directory, read-only" 2 '^cvmm: --disk /: not a regular file or block device \(a directory\)$' \
	--disk /,ro --dry-run
cli_case "--disk on a directory" 2 '^cvmm: --disk /: Is a directory$' --disk / --dry-run
cli_case "--disk on a character device" 2 '--disk /dev/null: not a regular file or block device' \
	--disk /dev/null,ro --dry-run
rrt_small=$(mktemp); truncate -s 100 "$rrt_small"
cli_case "--disk smaller than a sector" 2 "--disk $rrt_small: smaller than one 512-byte sector" \
	--disk "$rrt_small" --dry-run
rm -f "$rrt_small"
cli_case "--disk twice" 2 '--disk: cvmm offers one disk' --disk /dev/null,ro --disk /dev/null,ro
cli_case "--console takes virtio or uart" 2 '--console serial: virtio or uart' --console serial
cli_case "--virtio-irq with two vCPUs" 2 'one vCPU only' --rng --virtio-irq --cpus 2
