/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <libxml/globals.h>

#include "bladed/xmlquiet.h"

static void on_stray_error(void *ctx, xmlError *e) {
}

static void on_stray_generic(void *ctx, const char *fmt, ...) {
}

void xml_errors_silence(XmlErrorGuard *g) {
        g->serror = xmlStructuredError;
        g->serror_ctx = xmlStructuredErrorContext;
        g->generic = xmlGenericError;
        g->generic_ctx = xmlGenericErrorContext;
        xmlSetStructuredErrorFunc(NULL, on_stray_error);
        xmlSetGenericErrorFunc(NULL, on_stray_generic);
}

void xml_errors_restore(const XmlErrorGuard *g) {
        xmlSetStructuredErrorFunc(g->serror_ctx, g->serror);
        xmlSetGenericErrorFunc(g->generic_ctx, g->generic);
}
