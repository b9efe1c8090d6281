# Device options: every mistake is one line and status 2, before any VM exists.
cli_case "--help lists the device options" 0 '--disk=FILE\[,ro\]\[,direct\]' --help
cli_case "--disk with a missing file" 2 '--disk /nonexistent.img: No such file or directory' \
	--disk /nonexistent.img
cli_case "--disk with an unknown flag" 2 "--disk /dev/null,rw: unknown flag 'rw' \(ro, direct\)" \
	--disk /dev/null,rw
cli_case "--disk without a file" 2 '--disk: no file named' --disk ,ro
cli_case "--disk twice" 2 '--disk: cvmm offers one disk' --disk /dev/null,ro --disk /dev/null,ro
cli_case "--console takes virtio or uart" 2 '--console serial: virtio or uart' --console serial
cli_case "--virtio-irq with two vCPUs" 2 'one vCPU only' --rng --virtio-irq --cpus 2
