/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Keeping libxml2 quiet: its default error handlers print to stderr, but
 * the core reports every problem through a DiagList instead.  Every reader
 * silences the process-wide handlers for the duration of one parse and
 * puts the caller's back afterwards (not thread-safe, like libxml2's
 * globals themselves).
 */
#pragma once

#include <libxml/xmlerror.h>

typedef struct XmlErrorGuard {
        xmlStructuredErrorFunc serror;
        void *serror_ctx;
        xmlGenericErrorFunc generic;
        void *generic_ctx;
} XmlErrorGuard;

/* Saves the current handlers in g and installs ones that drop everything. */
void xml_errors_silence(XmlErrorGuard *g);

/* Puts back what xml_errors_silence saved. */
void xml_errors_restore(const XmlErrorGuard *g);
