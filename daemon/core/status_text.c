/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/config_admin.h"
#include "bladed/status_text.h"
#include "bladed/status_xml.h"
#include "bladed/util.h"

typedef struct Out {
        FILE *f;
        char *buf;
        size_t len;
} Out;

static size_t width_of_names(const Snapshot *s) {
        size_t w = 5;
        for (size_t b = 0; b < s->n_blades; b++)
                if (strlen(s->blades[b].name) > w)
                        w = strlen(s->blades[b].name);
        return w;
}

/* One line per blade where the resource failed, is banned or could not be
 * stopped: what the agent said, so the admin need not read the journal. */
static void write_failures(FILE *f, const Snapshot *s, size_t r, size_t rw) {
        for (size_t b = 0; b < s->n_blades; b++) {
                const RscBlade *rb = snapshot_rb(s, r, b);
                if (rb->role != RSC_FAILED && rb->role != RSC_STOP_FAILED && !rb->banned)
                        continue;
                fprintf(f, "  %-*s  %s: %s", (int)rw, "", s->blades[b].name,
                        rsc_role_to_string(rb->role));
                if (rb->last_rc >= 0)
                        fprintf(f, ", rc %d", rb->last_rc);
                if (rb->exit_reason)
                        fprintf(f, " (%s)", rb->exit_reason);
                if (rb->banned)
                        fprintf(f, ", banned here until 'bladectl cleanup'");
                fputc('\n', f);
        }
}

/* What needs a human: fencing disabled, the plan's notes, the shell's alerts. */
static void write_attention(FILE *f, const Snapshot *s, const StatusTextInfo *info) {
        const Config *c = s->config;
        const Plan *plan = info ? info->plan : NULL;
        bool any = (c && !c->props.fencing) || (plan && plan->n_notes) || (info && info->n_alerts);

        if (!any)
                return;
        fprintf(f, "\nAttention:\n");
        if (c && !c->props.fencing)
                fprintf(f, "  WARNING: fencing is disabled in the configuration: a lost blade's "
                           "resources are restarted without proof that it is off\n");
        for (size_t i = 0; info && i < info->n_alerts; i++)
                fprintf(f, "  %s\n", info->alerts[i]);
        for (size_t i = 0; plan && i < plan->n_notes; i++)
                fprintf(f, "  %s\n", plan->notes[i]);
}

int status_text_write(const Snapshot *s, const StatusTextInfo *info, char **ret) {
        const Config *c = s->config;
        size_t online = 0, w = width_of_names(s), rw = 8, aw = 5;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return -ENOMEM;
        for (size_t b = 0; b < s->n_blades; b++)
                online += s->blades[b].state == BLADE_ONLINE || s->blades[b].state == BLADE_STANDBY;

        fprintf(f, "Cluster: %s\n", info && info->cluster_name ? info->cluster_name : "(unnamed)");
        if (s->local < s->n_blades)
                fprintf(f, "Local blade: %s (node id %" PRIu32 ")\n", s->blades[s->local].name,
                        s->blades[s->local].nodeid);
        if (info && !info->joined)
                fprintf(f, "Membership: not joined to the cluster group yet\n");
        if (s->quorate)
                fprintf(f, "Quorum: yes, %zu of %zu blades online\n", online, s->n_blades);
        else
                fprintf(f,
                        "Quorum: NO, %zu of %zu blades online: this blade does not coordinate "
                        "and refuses changes\n",
                        online, s->n_blades);
        if (s->coordinator < s->n_blades)
                fprintf(f, "Coordinator: %s\n", s->blades[s->coordinator].name);
        else
                fprintf(f, "Coordinator: none (no quorum)\n");
        fprintf(f, "Configuration: epoch %" PRIu64 "%s%s\n", c ? c->epoch : 0,
                info && !info->synced ? ", synchronising with the cluster" : "",
                c && c->props.maintenance ? ", MAINTENANCE mode" : "");

        fprintf(f, "\nBlades:\n");
        for (size_t b = 0; b < s->n_blades; b++) {
                const Blade *bl = &s->blades[b];
                const char *st = blade_state_to_string(bl->state);
                bool coord = b == s->coordinator, local = b == s->local;
                fprintf(f, "  %-*s  id %-3" PRIu32 "  %-*s%s%s\n", (int)w, bl->name, bl->nodeid,
                        coord || local ? 8 : 0, st, coord ? "  coordinator" : "",
                        local ? "  (local)" : "");
        }

        if (c) {
                for (size_t r = 0; r < c->n_resources; r++) {
                        const Resource *res = &c->resources[r];
                        size_t al = strlen(res->agent_class ? res->agent_class : "") +
                                    strlen(res->agent_provider ? res->agent_provider : "") +
                                    strlen(res->agent_type ? res->agent_type : "") + 2;
                        if (strlen(res->id) > rw)
                                rw = strlen(res->id);
                        if (al > aw)
                                aw = al;
                }
                fprintf(f, "\nResources (%zu configured):\n", c->n_resources);
                if (c->n_resources == 0)
                        fprintf(f, "  none\n");
                for (size_t r = 0; r < c->n_resources; r++) {
                        const Resource *res = &c->resources[r];
                        char agent[512];
                        size_t blade;
                        uint64_t fails = 0;
                        const Plan *plan = info ? info->plan : NULL;
                        const char *role = status_rsc_role(s, plan, r, &blade);

                        for (size_t b = 0; b < s->n_blades; b++)
                                fails += snapshot_rb(s, r, b)->failcount;
                        snprintf(agent, sizeof(agent), "%s:%s:%s",
                                 res->agent_class ? res->agent_class : "",
                                 res->agent_provider ? res->agent_provider : "",
                                 res->agent_type ? res->agent_type : "");
                        fprintf(f, "  %-*s  %-*s  %s", (int)rw, res->id, (int)aw, agent, role);
                        if (blade < s->n_blades)
                                fprintf(f, " on %s", s->blades[blade].name);
                        if (fails)
                                fprintf(f, "  (%" PRIu64 " failure%s)", fails,
                                        fails == 1 ? "" : "s");
                        fputc('\n', f);
                        if (plan && r < plan->n_resources && plan->rsc[r].reason &&
                            (plan->rsc[r].state == PLAN_RSC_BLOCKED ||
                             plan->rsc[r].state == PLAN_RSC_WAITING))
                                fprintf(f, "  %-*s  why: %s\n", (int)rw, "", plan->rsc[r].reason);
                        write_failures(f, s, r, rw);
                }
        }
        if (c) {
                bool header = false;
                for (size_t i = 0; i < c->n_locations; i++) {
                        const Location *l = &c->locations[i];
                        int kind = config_admin_location_kind(l);
                        if (kind == 0)
                                continue;
                        if (!header)
                                fprintf(f, "\nPreferences left by migrate (until 'bladectl "
                                           "unmigrate RES'):\n");
                        header = true;
                        fprintf(f, "  %-*s  %s %s  (%s)\n", (int)rw, l->rsc,
                                kind == 1 ? "prefers" : "avoids ", l->node, l->id);
                }
        }
        write_attention(f, s, info);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}
