/*
 * TDX GetQuote: the guest's shared buffer (GHCI "TDG.VP.VMCALL<GetQuote>")
 * and the Quote Generation Service on a unix socket (Intel DCAP QGS message
 * protocol, as QEMU speaks it).
 *
 * Guest buffer, at a shared GPA, 4 KiB aligned, size a multiple of 4 KiB:
 *   u64 version (1), u64 status, u32 in_len, u32 out_len, u8 data[]
 * data holds the TDREPORT (in_len bytes) on the way in and the quote
 * (out_len bytes) on the way out.
 *
 * QGS framing: a 4-byte big-endian length of what follows, then a message
 * header (little endian: u16 major 1, u16 minor 1, u32 type, u32 size of the
 * whole message, u32 error_code) and for GET_QUOTE_REQ: u32 report_size,
 * u32 id_list_size (0), the report; for GET_QUOTE_RESP: u32
 * selected_id_size, u32 quote_size, the selected id, the quote.
 */
#ifndef CVMM_QGS_H
#define CVMM_QGS_H

#include <stddef.h>
#include <stdint.h>

#define TDX_QUOTE_VERSION		1
#define TDX_QUOTE_HDR_SIZE		24
#define TDX_QUOTE_MAX_BUF		(1u << 20)	/* more is a guest asking for too much */

/* Status the guest reads in its buffer (GHCI). */
#define TDX_QUOTE_STATUS_SUCCESS	0ULL
#define TDX_QUOTE_STATUS_IN_FLIGHT	0xffffffffffffffffULL
#define TDX_QUOTE_STATUS_ERROR		0x8000000000000000ULL
#define TDX_QUOTE_STATUS_UNAVAILABLE	0x8000000000000001ULL

#define QGS_MSG_MAJOR		1
#define QGS_MSG_MINOR		1
#define QGS_GET_QUOTE_REQ	0
#define QGS_GET_QUOTE_RESP	1
#define QGS_HDR_SIZE		16	/* major, minor, type, size, error_code */
#define QGS_REQ_SIZE		(QGS_HDR_SIZE + 8)
#define QGS_MAX_MSG		(TDX_QUOTE_MAX_BUF + 64)

/*
 * One request to the QGS at path: the report goes out, the quote comes back
 * (malloc'd, *quote_len bytes). Everything bounded by timeout_ms. 0, or -1
 * with one line; *unavailable says whether the service could not be reached
 * at all (the guest is told "service unavailable" rather than "error").
 */
int qgs_get_quote(const char *path, unsigned timeout_ms, const uint8_t *report,
		  uint32_t report_len, uint8_t **quote, uint32_t *quote_len, int *unavailable);

struct coco;
/*
 * KVM_EXIT_TDX GetQuote(gpa, size): validates the guest's buffer, asks the
 * QGS, writes status/out_len/quote back through the guest-memory door.
 * When the guest set up an event-notify vector, the calling vCPU gets it
 * once the status is final (an MSI to its APIC ID, as QEMU does).
 * Returns the TDVMCALL status for the exit's ret.
 */
uint64_t tdx_handle_get_quote(struct coco *c, int vcpu, uint64_t gpa, uint64_t size);

#endif
