/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resources.xml: the epoch of the root element, read without a full parse
 * and rewritten in place.  Same input rules as config_parse(): no DTD, no
 * network, nothing printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlsave.h>

#include "bladed/util.h"
#include "config_internal.h"

static void on_reader_error(void *arg, xmlError *e) {
        bool *failed = arg;

        /* warnings (an odd processing instruction, ...) do not count, as
         * in config_parse() */
        if (e && e->level >= XML_ERR_ERROR)
                *failed = true;
}

int config_get_epoch(const char *buf, size_t len, uint64_t *ret) {
        xmlTextReader *reader;
        bool failed = false;
        XmlErrorGuard g;
        int r = -EINVAL;

        if (len == 0 || len > CONFIG_MAX_SIZE)
                return -EINVAL;
        xmlInitParser();
        xml_errors_silence(&g);
        reader = xmlReaderForMemory(buf, (int)len, NULL, NULL, XML_PARSE_NONET);
        if (!reader) {
                xml_errors_restore(&g);
                return -ENOMEM;
        }
        xmlTextReaderSetStructuredErrorHandler(reader, on_reader_error, &failed);
        /* Stops at the first element: the root.  A DOCTYPE before it is
         * refused before any entity could be used. */
        while (xmlTextReaderRead(reader) == 1 && !failed) {
                int type = xmlTextReaderNodeType(reader);
                if (type == XML_READER_TYPE_DOCUMENT_TYPE)
                        break;
                if (type != XML_READER_TYPE_ELEMENT)
                        continue;
                const xmlChar *name = xmlTextReaderConstLocalName(reader);
                if (!name || strcmp((const char *)name, "bladed-config") != 0 ||
                    xmlTextReaderConstNamespaceUri(reader))
                        break;
                xmlChar *v = xmlTextReaderGetAttribute(reader, BAD_CAST "epoch");
                if (v && !failed && parse_uint64((const char *)v, UINT64_MAX, ret) == 0)
                        r = 0;
                xmlFree(v);
                break;
        }
        xmlFreeTextReader(reader);
        xml_errors_restore(&g);
        return r;
}

int config_set_epoch(const char *buf, size_t len, uint64_t epoch, char **ret, size_t *ret_len) {
        DiagList diag = {0};
        Report rep = {.diag = &diag};
        char value[24];
        xmlDoc *doc;
        xmlNode *root;
        xmlChar *out = NULL;
        int size = 0, r = -EINVAL;
        XmlErrorGuard g;

        xmlInitParser();
        xml_errors_silence(&g);
        doc = config_read_xml(buf, len, &rep);
        diag_clear(&diag);
        if (!doc) {
                xml_errors_restore(&g);
                return rep.oom ? -ENOMEM : -EINVAL;
        }
        root = xmlDocGetRootElement(doc);
        if (!root || root->ns || strcmp((const char *)root->name, "bladed-config") != 0)
                goto out;
        snprintf(value, sizeof(value), "%" PRIu64, epoch);
        r = -ENOMEM;
        if (!xmlSetProp(root, BAD_CAST "epoch", BAD_CAST value))
                goto out;
        /* Comments, whitespace and attribute order survive; the output is
         * UTF-8 with an XML declaration whatever the input's encoding. */
        xmlDocDumpMemoryEnc(doc, &out, &size, "UTF-8");
        if (!out || size < 0)
                goto out;
        *ret = malloc((size_t)size + 1);
        if (!*ret)
                goto out;
        memcpy(*ret, out, (size_t)size);
        (*ret)[size] = 0;
        if (ret_len)
                *ret_len = (size_t)size;
        r = 0;
out:
        xmlFree(out);
        xmlFreeDoc(doc);
        xml_errors_restore(&g);
        return r;
}
