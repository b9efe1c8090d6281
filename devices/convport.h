/*
 * The cvmm conversion port, 0x600-0x60f (design.md, guest-facing contract):
 * 32-bit registers GPA low (0x600), GPA high (0x604), page count (0x608);
 * writing an op to 0x60c runs it, reading 0x60c returns its status.
 *
 *   op 1  convert to private     op 2  convert to shared
 *   op 3  probe: the host reads the first byte of the page at GPA through
 *         the device accessor (status 0 and the byte in 0x608, or the
 *         accessor's refusal: 2 not RAM, 3 private)
 *   op 4  probe the device view directly, bypassing the accessor, the way
 *         a buggy device model would: status 0 and the byte when the page
 *         is mapped in the view, 3 when the kernel refuses the read
 *
 * The probes exist for tests: they read nothing the guest could not read
 * itself. Statuses: 0 ok, 1 bad range/alignment/op, 2 out of guest RAM,
 * 3 refused.
 */
#ifndef CVMM_CONVPORT_H
#define CVMM_CONVPORT_H

#include <stdint.h>

struct bus;
struct guest_mem;

#define CONVPORT_BASE	0x600
#define CONVPORT_LEN	0x10
/*
 * Guest-visible test probes, shipped because the privmem test guest
 * (tests/guests/privmem.c, kvm tier) checks the host's view of its pages
 * with them; they read one byte through the accessor (3) or the device view
 * (4) and return it in the count register (README, "Ports"). A guest learns
 * only whether its own page is readable by the host, which it could know.
 */
#define CONVPORT_PROBE		3
#define CONVPORT_PROBE_VIEW	4
#define CONVPORT_TEST_FORBIDDEN	0x7e	/* test builds: a system call no filter allows */

/*
 * Called when a conversion leaves the host inconsistent (gm_convert() == -1):
 * the VM must stop.
 */
typedef void (*convport_fatal_fn)(void *arg);

struct convport;

/* Registers the port on the pio bus. NULL with a message on failure. */
struct convport *convport_new(struct bus *pio, struct guest_mem *gm,
			      convport_fatal_fn fatal, void *arg);
void convport_free(struct convport *cp);

#endif
