/*
 * CCEL events for people and scripts: type names from the TCG PC Client
 * PFP and UEFI specifications, and the event data decoded where its layout
 * is fixed (UEFI_VARIABLE_DATA, UEFI_IMAGE_LOAD_EVENT with its device path,
 * the description of blob and handoff-table events, strings: EV_IPL carries
 * grub's commands and the kernel command line).
 */
#include <stdio.h>
#include <string.h>

#include "attest/bytes.h"
#include "attest/eventlog.h"

static const struct { uint32_t type; const char *name; } type_names[] = {
	{ 0x00, "EV_PREBOOT_CERT" }, { 0x01, "EV_POST_CODE" }, { 0x03, "EV_NO_ACTION" },
	{ 0x04, "EV_SEPARATOR" }, { 0x05, "EV_ACTION" }, { 0x06, "EV_EVENT_TAG" },
	{ 0x07, "EV_S_CRTM_CONTENTS" }, { 0x08, "EV_S_CRTM_VERSION" }, { 0x09, "EV_CPU_MICROCODE" },
	{ 0x0a, "EV_PLATFORM_CONFIG_FLAGS" }, { 0x0b, "EV_TABLE_OF_DEVICES" },
	{ 0x0c, "EV_COMPACT_HASH" }, { 0x0d, "EV_IPL" }, { 0x0e, "EV_IPL_PARTITION_DATA" },
	{ 0x0f, "EV_NONHOST_CODE" }, { 0x10, "EV_NONHOST_CONFIG" }, { 0x11, "EV_NONHOST_INFO" },
	{ 0x12, "EV_OMIT_BOOT_DEVICE_EVENTS" },
	{ 0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG" }, { 0x80000002, "EV_EFI_VARIABLE_BOOT" },
	{ 0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION" },
	{ 0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER" },
	{ 0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER" }, { 0x80000006, "EV_EFI_GPT_EVENT" },
	{ 0x80000007, "EV_EFI_ACTION" }, { 0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB" },
	{ 0x80000009, "EV_EFI_HANDOFF_TABLES" }, { 0x8000000a, "EV_EFI_PLATFORM_FIRMWARE_BLOB2" },
	{ 0x8000000b, "EV_EFI_HANDOFF_TABLES2" }, { 0x8000000c, "EV_EFI_VARIABLE_BOOT2" },
	{ 0x80000010, "EV_EFI_HCRTM_EVENT" }, { 0x800000e0, "EV_EFI_VARIABLE_AUTHORITY" },
	{ 0x800000e1, "EV_EFI_SPDM_FIRMWARE_BLOB" }, { 0x800000e2, "EV_EFI_SPDM_FIRMWARE_CONFIG" },
};

static const char *type_name(uint32_t t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == t)
			return type_names[i].name;
	return NULL;
}

/* EFI_GUID text: the first three fields are little-endian. */
static void efi_guid(const uint8_t *g, char *buf, size_t n)
{
	snprintf(buf, n, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", ld32(g), ld16(g + 4),
		 ld16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* UCS-2 (n code units) to UTF-8, at most cap-1 bytes; NUL ends it early. */
static void ucs2(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint16_t c = ld16(p + 2 * i);

		if (!c)
			break;
		if (c < 0x80 && o + 1 < cap) {
			buf[o++] = (char)c;
		} else if (c < 0x800 && o + 2 < cap) {
			buf[o++] = (char)(0xc0 | c >> 6);
			buf[o++] = (char)(0x80 | (c & 0x3f));
		} else if (c >= 0x800 && o + 3 < cap) {
			buf[o++] = (char)(0xe0 | c >> 12);
			buf[o++] = (char)(0x80 | (c >> 6 & 0x3f));
			buf[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			break;
		}
	}
	buf[o] = '\0';
}

/* Printable ASCII (trailing NULs allowed): the string, else NULL. */
static bool ascii_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	size_t len = n;

	while (len && !p[len - 1])
		len--;
	if (!len || len >= cap)
		return false;
	for (size_t i = 0; i < len; i++)
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n')
			return false;
		else if (p[i] >= 0x7f)
			return false;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return true;
}

/* UEFI device path nodes as text: file paths spelled out, other nodes by type. */
static void device_path(const uint8_t *p, size_t n, char *buf, size_t cap)
{
	size_t o = 0, at = 0;

	buf[0] = '\0';
	while (at + 4 <= n && o + 1 < cap) {
		uint8_t type = p[at], sub = p[at + 1];
		uint16_t len = ld16(p + at + 2);
		char node[300], g[40];

		if (type == 0x7f || len < 4 || len > n - at)
			break;
		if (type == 4 && sub == 4) {
			ucs2(p + at + 4, (len - 4u) / 2, node, sizeof(node));
		} else if (type == 4 && (sub == 6 || sub == 7) && len >= 20) {
			efi_guid(p + at + 4, g, sizeof(g));
			snprintf(node, sizeof(node), "%s(%s)", sub == 6 ? "FvFile" : "Fv", g);
		} else if (type == 2 && sub == 1 && len >= 12) {	/* ACPI _HID PNP0A03/0A08 */
			snprintf(node, sizeof(node), "PciRoot(%u)", ld32(p + at + 8));
		} else if (type == 1 && sub == 1 && len >= 6) {		/* function, then device */
			snprintf(node, sizeof(node), "Pci(%u,%u)", p[at + 5], p[at + 4]);
		} else if (type == 4 && sub == 1 && len >= 8) {
			snprintf(node, sizeof(node), "HD(%u)", ld32(p + at + 4));
		} else {
			snprintf(node, sizeof(node), "Node(%u,%u)", type, sub);
		}
		o += (size_t)snprintf(buf + o, cap - o, "%s%s", o && !(type == 4 && sub == 4) ? "/" : "", node);
		if (o >= cap)
			o = cap - 1;
		at += len;
	}
}

static void dump_variable(struct out *o, const struct cc_event *e)
{
	const uint8_t *d = e->data;
	char g[40], name[256];
	uint64_t nlen, dlen;

	if (e->data_len < 32)
		return;
	nlen = ld64(d + 16);
	dlen = ld64(d + 24);
	if (nlen > (e->data_len - 32) / 2 || dlen > e->data_len - 32 - 2 * nlen)
		return;
	efi_guid(d, g, sizeof(g));
	ucs2(d + 32, (size_t)nlen, name, sizeof(name));
	out_str(o, "variable_guid", g);
	out_str(o, "variable_name", name);
	out_u64(o, "variable_data_length", dlen);
	if (dlen <= 1024)
		out_hex(o, "variable_data", d + 32 + 2 * nlen, (size_t)dlen);
}

static void dump_image(struct out *o, const struct cc_event *e)
{
	const uint8_t *d = e->data;
	char path[1024];
	uint64_t plen;

	if (e->data_len < 32)
		return;
	plen = ld64(d + 24);
	out_x64(o, "image_location", ld64(d), 16);
	out_u64(o, "image_length", ld64(d + 8));
	if (plen > e->data_len - 32)
		return;
	device_path(d + 32, (size_t)plen, path, sizeof(path));
	out_str(o, "device_path", path);
}

/* UEFI_PLATFORM_FIRMWARE_BLOB2 and UEFI_HANDOFF_TABLE_POINTERS2 start with a sized description. */
static void dump_description(struct out *o, const struct cc_event *e)
{
	char s[256];

	if (e->data_len >= 1 && e->data[0] < e->data_len &&
	    ascii_text(e->data + 1, e->data[0], s, sizeof(s)))
		out_str(o, "description", s);
}

static void dump_data(struct out *o, const struct cc_event *e)
{
	char s[4096];

	switch (e->type) {
	case 0x80000001: case 0x80000002: case 0x8000000c: case 0x800000e0:
		dump_variable(o, e);
		break;
	case 0x80000003: case 0x80000004: case 0x80000005:
		dump_image(o, e);
		break;
	case 0x8000000a: case 0x8000000b:
		dump_description(o, e);
		break;
	case 0x05: case 0x0d: case 0x80000007: case 0x06: case 0x03:
		/* EV_IPL: grub's "grub_cmd: ..." and "kernel_cmdline: ..." strings, or UTF-16. */
		if (ascii_text(e->data, e->data_len, s, sizeof(s)))
			out_str(o, "string", s);
		else if (e->type == 0x0d && e->data_len % 2 == 0 && e->data_len >= 2 && !e->data[1]) {
			ucs2(e->data, e->data_len / 2, s, sizeof(s));
			out_str(o, "string", s);
		}
		break;
	}
	out_hex(o, "event_data", e->data, e->data_len);
}

void cc_eventlog_dump(struct out *o, const struct cc_eventlog *l, const struct ccel_table *t)
{
	uint8_t rtmr[CC_RTMRS][CC_DIGEST_SIZE];
	char key[16];

	if (t) {
		out_begin(o, "ccel_table");
		out_u64(o, "cc_type", t->cc_type);
		out_str(o, "cc_type_name", t->cc_type == 2 ? "tdx" : t->cc_type == 1 ? "sev" : NULL);
		out_u64(o, "cc_subtype", t->cc_subtype);
		out_u64(o, "log_area_minimum_length", t->laml);
		out_x64(o, "log_area_start_address", t->lasa, 16);
		out_end(o);
	}
	out_begin(o, "log");
	out_u64(o, "area_size", l->len);
	out_u64(o, "used_bytes", l->used);
	out_u64(o, "events", l->n);
	out_begin_array(o, "digest_algorithms");
	for (size_t i = 0; i < l->n_algs; i++) {
		out_begin(o, NULL);
		out_x64(o, "id", l->algs[i].alg, 4);
		out_str(o, "name", l->algs[i].alg == TPM_ALG_SHA384 ? "sha384" :
			l->algs[i].alg == 0x000b ? "sha256" : l->algs[i].alg == 0x0004 ? "sha1" : NULL);
		out_u64(o, "size", l->algs[i].size);
		out_end(o);
	}
	out_end_array(o);
	out_end(o);
	out_begin_array(o, "events");
	for (size_t i = 0; i < l->n; i++) {
		const struct cc_event *e = &l->ev[i];

		out_begin(o, NULL);
		out_u64(o, "index", i + 1);
		out_x64(o, "offset", e->offset, 0);
		out_u64(o, "mr_index", e->mr);
		out_str(o, "register", cc_mr_name(e->mr));
		out_x64(o, "type", e->type, 8);
		out_str(o, "type_name", type_name(e->type));
		out_bool(o, "extended", e->type != EV_NO_ACTION && e->sha384 && e->mr >= 1 &&
			 e->mr <= CC_RTMRS);
		if (e->sha384)
			out_hex(o, "sha384", e->sha384, CC_DIGEST_SIZE);
		else
			out_str(o, "sha384", NULL);
		out_u64(o, "event_size", e->data_len);
		dump_data(o, e);
		out_end(o);
	}
	out_end_array(o);
	cc_eventlog_replay(l, rtmr);
	out_begin(o, "replayed");
	for (int i = 0; i < CC_RTMRS; i++) {
		snprintf(key, sizeof(key), "rtmr%d", i);
		out_hex(o, key, rtmr[i], CC_DIGEST_SIZE);
	}
	out_end(o);
}
