/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the CPG message decoder.  Whatever decodes must encode
 * back to the same bytes (the format has exactly one spelling). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        WireMessage m;
        const char *why;
        uint8_t *out = NULL;
        size_t len;

        if (wire_decode(data, size, &m, &why) < 0)
                return 0;
        if (wire_encode(&m, &out, &len) < 0)
                abort();
        if (len != size || memcmp(out, data, size) != 0)
                abort();
        free(out);
        return 0;
}
