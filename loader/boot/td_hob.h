/*
 * The TD HOB: the UEFI PI hand-off block list a TDVF firmware finds in RCX
 * at its reset vector. It tells the firmware where guest RAM is and which
 * of it the VMM already added (accepted) versus what the guest must accept
 * itself. Its content is not part of MRTD (TD_HOB is added, not extended)
 * but TDVF measures it into RTMR0, so it depends on the RAM size.
 */
#ifndef CVMM_TD_HOB_H
#define CVMM_TD_HOB_H

#include <stddef.h>
#include <stdint.h>

struct launch_plan;

#define HOB_TYPE_HANDOFF		0x0001
#define HOB_TYPE_RESOURCE_DESC		0x0003
#define HOB_TYPE_END			0xffff
#define HOB_RESOURCE_SYSTEM_MEMORY	0x0
#define HOB_RESOURCE_MEMORY_UNACCEPTED	0x7
#define HOB_RESOURCE_ATTR_TDVF		0x7	/* present | initialized | tested */

/*
 * Writes the HOB list for the plan's RAM into buf (len bytes, placed at
 * gpa): one resource descriptor per RAM range, SYSTEM_MEMORY where a plan
 * piece is added, UNACCEPTED elsewhere. -1 with one line when it does not
 * fit.
 */
int td_hob_build(uint8_t *buf, size_t len, uint64_t gpa, const struct launch_plan *p);

#endif
