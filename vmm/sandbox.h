/*
 * Process hardening (issue 14; README "Security"): what cvmm does to itself
 * so that a compromised device model, a same-uid process or a core dump gets
 * as little as possible.
 */
#ifndef CVMM_SANDBOX_H
#define CVMM_SANDBOX_H

/*
 * First thing in main(): no core dumps and no /proc/PID/mem or ptrace for
 * processes of the same uid without CAP_SYS_PTRACE (PR_SET_DUMPABLE 0).
 * 0, or -1 with a message.
 */
int sandbox_early(void);

#endif
