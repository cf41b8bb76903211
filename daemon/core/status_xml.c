/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The status document (status_xml.h): libxml2's text writer out, its tree
 * in.  Every value goes through libxml2's escaping; nothing is printf-built.
 * Reading is strict about what the scheduler uses (roles, numbers, names)
 * and lenient about what it does not (derived attributes, unknown
 * attributes: warnings), so a newer writer stays readable.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>

#include "bladed/config_admin.h"
#include "bladed/status_xml.h"
#include "bladed/util.h"

/* ---- the derived role ---- */

const char *status_rsc_role(const Snapshot *s, const Plan *plan, size_t rsc, size_t *ret_blade) {
        const Config *c = s->config;
        size_t started = IDX_NONE, failed = IDX_NONE, migrating = IDX_NONE, any = IDX_NONE;
        size_t target = plan && rsc < plan->n_resources ? plan->rsc[rsc].target : IDX_NONE;
        const char *role;
        size_t blade;

        /* Instances on offline or fenced blades are gone, whatever the roles say. */
        for (size_t b = 0; b < s->n_blades; b++) {
                BladeState st = s->blades[b].state;
                if (st == BLADE_OFFLINE || st == BLADE_FENCED)
                        continue;
                RscRole r = snapshot_rb(s, rsc, b)->role;
                if (r == RSC_STARTED && started == IDX_NONE)
                        started = b;
                if ((r == RSC_FAILED || r == RSC_STOP_FAILED) && failed == IDX_NONE)
                        failed = b;
                if (r == RSC_MIGRATING && migrating == IDX_NONE)
                        migrating = b;
        }
        any = started != IDX_NONE ? started : failed != IDX_NONE ? failed : migrating;

        if (c->props.maintenance) {
                role = "unmanaged";
                blade = any;
        } else if (plan && rsc < plan->n_resources && plan->rsc[rsc].state == PLAN_RSC_BLOCKED) {
                role = "blocked";
                blade = any;
        } else if (migrating != IDX_NONE) {
                role = "migrating";
                blade = migrating;
        } else if (failed != IDX_NONE) {
                role = "failed";
                blade = failed;
        } else if (started != IDX_NONE) {
                role = plan && target != started ? "stopping" : "started";
                blade = started;
        } else if (plan && target != IDX_NONE) {
                role = "starting";
                blade = target;
        } else {
                role = "stopped";
                blade = IDX_NONE;
        }
        if (ret_blade)
                *ret_blade = blade;
        return role;
}

/* ---- writer ---- */

/* Attribute text must be valid UTF-8 without control characters, or the
 * document would not parse back: an agent's exit reason is untrusted. */
static char *clean_text(const char *s) {
        size_t n = strlen(s);
        char *o = malloc(n + 1);
        bool utf8 = xmlCheckUTF8((const xmlChar *)s);

        if (!o)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)s[i];
                /* Whitespace would come back as a blank (attribute value
                 * normalization): write it as one. */
                if (ch == '\t' || ch == '\n' || ch == '\r')
                        o[i] = ' ';
                else
                        o[i] = ch < 0x20 || ch == 0x7f || (!utf8 && ch >= 0x80) ? '?' : (char)ch;
        }
        o[n] = 0;
        return o;
}

static int attr(xmlTextWriter *w, const char *name, const char *value) {
        char *v = clean_text(value);
        int r;

        if (!v)
                return -ENOMEM;
        r = xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST v);
        free(v);
        return r < 0 ? -ENOMEM : 0;
}

static int attr_u64(xmlTextWriter *w, const char *name, uint64_t v) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return attr(w, name, buf);
}

static int write_on(xmlTextWriter *w, const Snapshot *s, size_t r, size_t b) {
        const RscBlade *rb = snapshot_rb(s, r, b);
        RscRole dflt = s->blades[b].probed ? RSC_STOPPED : RSC_UNKNOWN;
        int k = 0;

        if (rb->role == dflt && rb->failcount == 0 && rb->last_failure_ms == 0 && !rb->banned &&
            rb->last_rc < 0 && !rb->exit_reason)
                return 0;
        if (xmlTextWriterStartElement(w, BAD_CAST "on") < 0)
                return -ENOMEM;
        k = attr(w, "node", s->blades[b].name);
        if (k >= 0)
                k = attr(w, "role", rsc_role_to_string(rb->role));
        if (k >= 0 && rb->failcount)
                k = attr_u64(w, "failcount", rb->failcount);
        if (k >= 0 && rb->last_failure_ms)
                k = attr_u64(w, "last-failure", rb->last_failure_ms);
        if (k >= 0 && rb->banned)
                k = attr(w, "banned", "true");
        if (k >= 0 && rb->last_rc >= 0)
                k = attr_u64(w, "rc", (uint64_t)rb->last_rc);
        if (k >= 0 && rb->exit_reason)
                k = attr(w, "reason", rb->exit_reason);
        if (k >= 0 && xmlTextWriterEndElement(w) < 0)
                k = -ENOMEM;
        return k;
}

static int write_resource(xmlTextWriter *w, const Snapshot *s, const Plan *plan, size_t r) {
        const Resource *res = &s->config->resources[r];
        char agent[512];
        uint64_t failcount = 0;
        size_t blade;
        const char *role = status_rsc_role(s, plan, r, &blade);
        int k;

        for (size_t b = 0; b < s->n_blades; b++)
                failcount += snapshot_rb(s, r, b)->failcount;
        snprintf(agent, sizeof(agent), "%s:%s:%s", res->agent_class ? res->agent_class : "",
                 res->agent_provider ? res->agent_provider : "",
                 res->agent_type ? res->agent_type : "");
        if (xmlTextWriterStartElement(w, BAD_CAST "resource") < 0)
                return -ENOMEM;
        k = attr(w, "id", res->id);
        if (k >= 0)
                k = attr(w, "agent", agent);
        if (k >= 0)
                k = attr(w, "role", role);
        if (k >= 0 && blade != IDX_NONE)
                k = attr(w, "node", s->blades[blade].name);
        if (k >= 0)
                k = attr_u64(w, "failcount", failcount);
        if (k >= 0 && plan && r < plan->n_resources && plan->rsc[r].reason &&
            (plan->rsc[r].state == PLAN_RSC_BLOCKED || plan->rsc[r].state == PLAN_RSC_WAITING))
                k = attr(w, "reason", plan->rsc[r].reason);
        for (size_t b = 0; b < s->n_blades && k >= 0; b++)
                k = write_on(w, s, r, b);
        if (k >= 0 && xmlTextWriterEndElement(w) < 0)
                k = -ENOMEM;
        return k;
}

/* What `bladectl migrate` left behind (config_admin.h), so an admin sees
 * why a resource stays where it was moved:
 *   <preference rsc="vip-mx1" node="blade2" score="INFINITY" id="cli-prefer-vip-mx1"/>
 *   <ban rsc="vm-ldap" node="blade1" score="-INFINITY" id="cli-ban-vm-ldap-on-blade1"/> */
static int write_preferences(xmlTextWriter *w, const Config *c) {
        int k = 0;

        for (size_t i = 0; i < c->n_locations && k >= 0; i++) {
                const Location *l = &c->locations[i];
                int kind = config_admin_location_kind(l);
                char score[32];

                if (kind == 0)
                        continue;
                if (l->score >= SCORE_INFINITY || l->score <= -SCORE_INFINITY)
                        snprintf(score, sizeof(score), "%sINFINITY", l->score < 0 ? "-" : "");
                else
                        snprintf(score, sizeof(score), "%d", l->score);
                if (xmlTextWriterStartElement(w, BAD_CAST(kind == 1 ? "preference" : "ban")) < 0)
                        return -ENOMEM;
                k = attr(w, "rsc", l->rsc);
                if (k >= 0)
                        k = attr(w, "node", l->node);
                if (k >= 0)
                        k = attr(w, "score", score);
                if (k >= 0)
                        k = attr(w, "id", l->id);
                if (k >= 0 && xmlTextWriterEndElement(w) < 0)
                        k = -ENOMEM;
        }
        return k;
}

static int write_text_element(xmlTextWriter *w, const char *name, const char *text) {
        char *v = clean_text(text);
        int r;

        if (!v)
                return -ENOMEM;
        r = xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST v);
        free(v);
        return r < 0 ? -ENOMEM : 0;
}

static int write_doc(xmlTextWriter *w, const Snapshot *s, const Plan *plan,
                     const char *const *alerts, size_t n_alerts) {
        int k = 0;

        if (xmlTextWriterSetIndent(w, 1) < 0 ||
            xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
            xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
            xmlTextWriterStartElement(w, BAD_CAST "status") < 0)
                return -ENOMEM;
        k = attr_u64(w, "epoch", s->config->epoch);
        if (k >= 0)
                k = attr(w, "quorate", s->quorate ? "true" : "false");
        if (k >= 0 && s->coordinator < s->n_blades)
                k = attr(w, "coordinator", s->blades[s->coordinator].name);
        if (k >= 0 && s->local < s->n_blades)
                k = attr(w, "local", s->blades[s->local].name);
        if (k >= 0)
                k = attr_u64(w, "now", s->now_ms);
        if (k >= 0 && !s->config->props.fencing)
                k = attr(w, "fencing", "false");
        for (size_t b = 0; b < s->n_blades && k >= 0; b++) {
                const Blade *bl = &s->blades[b];
                if (xmlTextWriterStartElement(w, BAD_CAST "node") < 0)
                        return -ENOMEM;
                k = attr(w, "name", bl->name);
                if (k >= 0)
                        k = attr_u64(w, "id", bl->nodeid);
                if (k >= 0)
                        k = attr(w, "state", blade_state_to_string(bl->state));
                if (k >= 0)
                        k = attr(w, "probed", bl->probed ? "true" : "false");
                if (k >= 0 && xmlTextWriterEndElement(w) < 0)
                        k = -ENOMEM;
        }
        for (size_t r = 0; r < s->config->n_resources && k >= 0; r++)
                k = write_resource(w, s, plan, r);
        if (k >= 0)
                k = write_preferences(w, s->config);
        for (size_t i = 0; plan && i < plan->n_notes && k >= 0; i++)
                k = write_text_element(w, "note", plan->notes[i]);
        for (size_t i = 0; i < n_alerts && k >= 0; i++)
                k = write_text_element(w, "alert", alerts[i]);
        if (k >= 0 && xmlTextWriterEndDocument(w) < 0)
                k = -ENOMEM;
        return k;
}

int status_xml_write_plan(const Snapshot *s, const Plan *plan, char **ret, size_t *ret_len) {
        return status_xml_write_full(s, plan, NULL, 0, ret, ret_len);
}

int status_xml_write_full(const Snapshot *s, const Plan *plan, const char *const *alerts,
                          size_t n_alerts, char **ret, size_t *ret_len) {
        xmlBuffer *buf = xmlBufferCreate();
        xmlTextWriter *w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
        int k = -ENOMEM;

        if (!w)
                goto out;
        k = write_doc(w, s, plan, alerts, n_alerts);
        xmlFreeTextWriter(w); /* flushes into buf */
        w = NULL;
        if (k < 0)
                goto out;
        size_t n = (size_t)xmlBufferLength(buf);
        char *text = malloc(n + 1);
        if (!text) {
                k = -ENOMEM;
                goto out;
        }
        memcpy(text, xmlBufferContent(buf), n);
        text[n] = 0;
        *ret = text;
        if (ret_len)
                *ret_len = n;
        k = 0;
out:
        xmlFreeTextWriter(w);
        xmlBufferFree(buf);
        return k;
}

int status_xml_write(const Snapshot *s, char **ret, size_t *ret_len) {
        return status_xml_write_plan(s, NULL, ret, ret_len);
}
