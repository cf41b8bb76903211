/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Control socket commands: status, config show, config load. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bladed/config.h"
#include "bladed/status_text.h"
#include "bladed/status_xml.h"
#include "bladed/util.h"
#include "manager.h"

int manager_reparse_config(Manager *m) {
        _cleanup_(diag_clear) DiagList diag = {0};
        Config *c = NULL;
        int r;

        r = config_parse(m->cluster.doc, m->cluster.doc_len, &c, &diag);
        if (r < 0) {
                /* Validated where it was loaded; a daemon of another version may
                 * read it differently.  Keep running, show no resources. */
                diag_sort(&diag);
                log_emit(&m->log, LOG_ERR, r,
                         &(LogFields){.has_epoch = true, .epoch = m->cluster.epoch},
                         "configuration epoch %" PRIu64 " does not parse here (line %d: %s)",
                         m->cluster.epoch, diag.n ? diag.items[0].line : 0,
                         diag.n ? diag.items[0].msg : "?");
                c = calloc(1, sizeof(Config));
                if (!c)
                        return -ENOMEM;
        }
        c->epoch = m->cluster.epoch;
        config_free(m->config);
        m->config = c;
        return 0;
}

int manager_snapshot_build(Manager *m, Snapshot *s) {
        _cleanup_(freep) const char **names = calloc(m->n_blades, sizeof(char *));
        _cleanup_(freep) uint32_t *ids = calloc(m->n_blades, sizeof(uint32_t));
        uint32_t coord = cluster_coordinator(&m->cluster);
        struct timespec ts;
        int r;

        if (!names || !ids)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_blades; i++) {
                names[i] = m->blades[i]->name;
                ids[i] = m->blades[i]->number + 1;
        }
        m->config->epoch = m->cluster.epoch;
        r = snapshot_init(s, m->config, names, ids, m->n_blades);
        if (r < 0)
                return r;
        for (size_t i = 0; i < m->n_blades; i++) {
                Blade *b = &s->blades[i];
                const NodeAttrs *na = config_find_node(m->config, b->name);
                b->state = cluster_blade_state(&m->cluster, b->nodeid);
                if (b->state == BLADE_ONLINE && na && na->standby)
                        b->state = BLADE_STANDBY;
                if (b->nodeid == m->cluster.local_nodeid)
                        s->local = i;
                if (coord && b->nodeid == coord)
                        s->coordinator = i;
        }
        s->quorate = m->cluster.quorate;
        r = manager_probe_fill(m, s);
        if (r >= 0)
                manager_coord_fill(m, s);
        if (r < 0) {
                snapshot_done(s);
                return r;
        }
        clock_gettime(CLOCK_MONOTONIC, &ts);
        s->now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
        return 0;
}

/* status_xml_write's document plus synced="true|false" on the root: the
 * harness waits on it. */
static int status_xml(Manager *m, const Snapshot *s, char **ret, size_t *ret_len) {
        _cleanup_(freep) char *xml = NULL;
        const char *attr = m->cluster.synced && !m->cluster.round_open ? " synced=\"true\""
                                                                       : " synced=\"false\"";
        size_t len, alen = strlen(attr);
        char *root, *out;
        int r;

        r = status_xml_write(s, &xml, &len);
        if (r < 0)
                return r;
        root = strstr(xml, "<status");
        if (!root) {
                *ret = TAKE_PTR(xml);
                *ret_len = len;
                return 0;
        }
        size_t at = (size_t)(root - xml) + strlen("<status");
        out = malloc(len + alen + 1);
        if (!out)
                return -ENOMEM;
        memcpy(out, xml, at);
        memcpy(out + at, attr, alen);
        memcpy(out + at + alen, xml + at, len - at + 1);
        *ret = out;
        *ret_len = len + alen;
        return 0;
}

static int do_status(Manager *m, uint64_t id, const CtlRequest *q) {
        _cleanup_(freep) char *out = NULL;
        Snapshot s;
        size_t len = 0;
        bool xml = q->args[0].len == 3 && memcmp(q->args[0].p, "xml", 3) == 0;
        int r;

        r = manager_snapshot_build(m, &s);
        if (r < 0)
                return r;
        if (xml)
                r = status_xml(m, &s, &out, &len);
        else {
                StatusTextInfo info = {.cluster_name = m->cluster_entry->name,
                                       .synced = m->cluster.synced && !m->cluster.round_open,
                                       .joined = m->cluster.joined};
                r = status_text_write(&s, &info, &out);
                if (r >= 0)
                        len = strlen(out);
        }
        snapshot_done(&s);
        if (r < 0)
                return r;
        control_reply(&m->control, id, CTL_STATUS_OK, out, len, NULL);
        return 0;
}

static void reply_diag(Manager *m, uint64_t id, const char *what, DiagList *diag) {
        char msg[1024];
        size_t k;

        diag_sort(diag);
        k = (size_t)snprintf(msg, sizeof(msg), "%s: %zu error%s", what, diag->n_errors,
                             diag->n_errors == 1 ? "" : "s");
        for (size_t i = 0, shown = 0; i < diag->n && shown < 5 && k < sizeof(msg); i++) {
                if (diag->items[i].level != DIAG_ERROR)
                        continue;
                k += (size_t)snprintf(msg + k, sizeof(msg) - k, "; line %d: %s",
                                      diag->items[i].line, diag->items[i].msg);
                shown++;
        }
        control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0, msg);
}

static int do_config_load(Manager *m, uint64_t id, const CtlRequest *q) {
        _cleanup_(diag_clear) DiagList diag = {0};
        _cleanup_(freep) const char **names = NULL;
        Config *c = NULL;
        const char *why;
        WireMessage w;
        int r;

        if (m->stopping) {
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0,
                              "this bladed is stopping");
                return 0;
        }
        if (q->args[0].len == 0 || q->args[0].len > WIRE_MAX_DOC) {
                control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0,
                              "the document is empty or larger than 8 MiB");
                return 0;
        }
        /* bladectl validated it already; the daemon checks again, it trusts nobody. */
        r = config_parse(q->args[0].p, q->args[0].len, &c, &diag);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                reply_diag(m, id, "invalid configuration", &diag);
                return 0;
        }
        names = calloc(m->n_blades, sizeof(char *));
        if (!names) {
                config_free(c);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->n_blades; i++)
                names[i] = m->blades[i]->name;
        r = config_check_nodes(c, names, m->n_blades, &diag);
        config_free(c);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                reply_diag(m, id, "the configuration names blades the node file does not have",
                           &diag);
                return 0;
        }
        r = cluster_can_change(&m->cluster, &why);
        if (r < 0) {
                log_notice(&m->log, "configuration load refused: %s", why);
                control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0, why);
                return 0;
        }
        w = (WireMessage){.type = WIRE_CONFIG_REQUEST, .nodeid = m->cluster.local_nodeid};
        w.request = (WireRequest){.request_id = id, .doc = q->args[0].p, .doc_len = q->args[0].len};
        uint8_t *buf;
        size_t len;
        r = wire_encode(&w, &buf, &len);
        if (r < 0)
                return r;
        log_info(&m->log, "configuration load requested (%zu bytes): ordering it through CPG",
                 q->args[0].len);
        /* The answer comes from the reducer once every member has written it. */
        return group_send(&m->group, buf, len) < 0 ? 0 : 0;
}

int manager_on_control(void *userdata, uint64_t id, const CtlRequest *q) {
        Manager *m = userdata;

        switch (q->command) {
        case CTL_CMD_STATUS:
                return do_status(m, id, q);
        case CTL_CMD_CONFIG_SHOW:
                control_reply(&m->control, id, CTL_STATUS_OK, m->cluster.doc, m->cluster.doc_len,
                              NULL);
                return 0;
        case CTL_CMD_CONFIG_LOAD:
                return do_config_load(m, id, q);
        default:
                control_reply(&m->control, id, CTL_STATUS_INPUT, NULL, 0, "unknown command");
                return 0;
        }
}
