/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the control socket decoders (request and reply), as
 * the daemon and bladectl feed them: frame check first, then decode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CtlRequest q;
        CtlReply y;
        size_t frame;
        const char *why;
        uint8_t *out = NULL;
        size_t len;

        if (ctlproto_frame_check(data, size, CTL_KIND_REQUEST, &frame, &why) == 0 &&
            frame <= size && ctlproto_request_decode(data, frame, &q, &why) == 0) {
                if (ctlproto_request_encode(&q, &out, &len) < 0 || len != frame ||
                    memcmp(out, data, len) != 0)
                        abort();
                free(out);
        }
        if (ctlproto_frame_check(data, size, CTL_KIND_REPLY, &frame, &why) == 0 && frame <= size &&
            ctlproto_reply_decode(data, frame, &y, &why) == 0) {
                if (ctlproto_reply_encode(&y, &out, &len) < 0 || len != frame ||
                    memcmp(out, data, len) != 0)
                        abort();
                free(out);
        }
        return 0;
}
