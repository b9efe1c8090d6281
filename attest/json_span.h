/*
 * The raw bytes of a JSON member. Intel signs the `tcbInfo` /
 * `enclaveIdentity` value exactly as it stands in the PCS response, so a
 * signature check needs that span of the file, not a re-serialisation.
 * json-c's tokener does the parsing; this only keeps the offsets.
 */
#ifndef CVMM_ATTEST_JSON_SPAN_H
#define CVMM_ATTEST_JSON_SPAN_H

#include <stddef.h>

/*
 * In the top-level object of txt[0..len), the value of member `key`:
 * *off and *n get its span. 0 found, 1 absent, -1 not a JSON object.
 */
int json_member_span(const char *txt, size_t len, const char *key, size_t *off, size_t *n);

#endif
