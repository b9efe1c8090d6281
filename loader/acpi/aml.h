/*
 * A minimal AML encoder: just the terms cvmm's DSDT needs (Scope, Device,
 * Name, String, Integer, Package, Buffer, resource descriptors). Writing
 * past the buffer sets 'bad' instead of overflowing; callers check it once.
 */
#ifndef CVMM_AML_H
#define CVMM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *buf;
	size_t len, cap;
	bool bad;
};

void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_byte(struct aml *a, uint8_t v);
/* A name segment or path: "\\_SB_", "COM1", "_HID" (segments of 4). */
void aml_name(struct aml *a, const char *path);
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
/* The 32-bit compressed EISA id of "PNP0501" and the like (ACPI 6.5, 19.6.43). */
uint32_t aml_eisaid(const char *id);

/* Open a term with a PkgLength (Scope, Device, Package, Buffer); close it with aml_end. */
size_t aml_scope(struct aml *a, const char *name);
size_t aml_device(struct aml *a, const char *name);
size_t aml_package(struct aml *a, uint8_t n_elements);
size_t aml_buffer(struct aml *a);	/* the BufferSize is filled in by aml_end_buffer */
void aml_end(struct aml *a, size_t start);
void aml_end_buffer(struct aml *a, size_t start);
/* Name(name, ...) opener: the value's term follows. */
void aml_name_decl(struct aml *a, const char *name);

/* Resource descriptors, inside a buffer (ACPI 6.5, 6.4). */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len);
void aml_res_irq_noflags(struct aml *a, unsigned irq);
void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len);
void aml_res_interrupt_level_high(struct aml *a, uint32_t gsi);
void aml_res_end(struct aml *a);

#endif
