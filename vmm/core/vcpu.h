/*
 * vCPUs: one thread each, a plain KVM_RUN loop that hands port and MMIO
 * exits to the buses and everything else to the platform. Stopped with
 * kvm_run.immediate_exit plus a kick signal, never a bare signal (one that
 * lands between the stop check and KVM_RUN would be lost).
 */
#ifndef CVMM_VCPU_H
#define CVMM_VCPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;
struct launch_plan;
struct kvm_run;

struct vcpu {
	struct vm *vm;
	int index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
};

int vcpu_create(struct vm *vm, struct vcpu *v, int index);
void vcpu_destroy(struct vcpu *v);
/* Register state for direct 64-bit entry (plain/sw platforms). */
int vcpu_setup_long64(struct vcpu *v, const struct launch_plan *plan);
/* Starts the vCPU's thread; -1 with errno set (and nothing printed) on failure. */
int vcpu_start(struct vcpu *v);
/* Makes the vCPU leave KVM_RUN soon; safe from any thread. */
void vcpu_kick(struct vcpu *v);
/* -v: where a vCPU that left KVM_RUN stood (rip, mp_state), for a VM stopped from outside. */
void vcpu_log_where(struct vcpu *v);
/* Installs the kick signal's handler; once per process. */
void vcpu_signals_init(void);

#endif
