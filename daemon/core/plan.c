/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plan as text: what `bladectl simulate` prints and what the golden
 * corpus (tests/scheduler) compares.  One thing per line so a diff shows
 * exactly what changed; columns padded to the longest name of this plan.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/scheduler.h"
#include "sched_internal.h"

static const char *const action_names[_ACTION_KIND_MAX] = {
        [ACTION_FENCE] = "fence",
        [ACTION_PROBE] = "probe",
        [ACTION_STOP] = "stop",
        [ACTION_START] = "start",
        [ACTION_MIGRATE_TO] = "migrate_to",
        [ACTION_MIGRATE_FROM] = "migrate_from",
};

static const char *const state_names[_PLAN_RSC_STATE_MAX] = {
        [PLAN_RSC_RUNNING] = "running",     [PLAN_RSC_STOPPED] = "stopped",
        [PLAN_RSC_BLOCKED] = "blocked",     [PLAN_RSC_WAITING] = "waiting",
        [PLAN_RSC_UNMANAGED] = "unmanaged",
};

const char *action_kind_to_string(ActionKind k) {
        return k < _ACTION_KIND_MAX ? action_names[k] : "invalid";
}

const char *plan_rsc_state_to_string(PlanRscState st) {
        return st < _PLAN_RSC_STATE_MAX ? state_names[st] : "invalid";
}

Plan *plan_free(Plan *p) {
        if (!p)
                return NULL;
        if (p->rsc)
                for (size_t i = 0; i < p->n_resources; i++)
                        free(p->rsc[i].reason);
        free(p->rsc);
        free(p->actions);
        free(p->dep_pool);
        for (size_t i = 0; i < p->n_notes; i++)
                free(p->notes[i]);
        free(p->notes);
        free(p);
        return NULL;
}

const char *plan_rsc_blocked(const Plan *p, size_t rsc) {
        if (rsc >= p->n_resources || p->rsc[rsc].state != PLAN_RSC_BLOCKED)
                return NULL;
        return p->rsc[rsc].reason;
}

void plan_count_states(const Plan *p, size_t counts[_PLAN_RSC_STATE_MAX]) {
        memset(counts, 0, _PLAN_RSC_STATE_MAX * sizeof(size_t));
        for (size_t i = 0; i < p->n_resources; i++)
                if (p->rsc[i].state < _PLAN_RSC_STATE_MAX)
                        counts[p->rsc[i].state]++;
}

/* What the actions do to one resource, for its placement line. */
typedef struct RscActs {
        size_t start;   /* START action index */
        size_t migrate; /* MIGRATE_FROM action index */
        size_t n_stops;
        size_t first_stop;
} RscActs;

static const char *blade_name(const Snapshot *s, size_t b) {
        return b < s->n_blades ? s->blades[b].name : "-";
}

static void format_stops(SchedBuf *out, const Snapshot *s, const Plan *p, size_t rsc, size_t skip) {
        bool first = true;
        for (size_t a = 0; a < p->n_actions; a++) {
                const Action *ac = &p->actions[a];
                if (ac->kind != ACTION_STOP || ac->rsc != rsc || ac->blade == skip)
                        continue;
                sched_buf_printf(out, "%s%s", first ? "" : ", ", blade_name(s, ac->blade));
                first = false;
        }
}

static void format_note(SchedBuf *out, const Snapshot *s, const Plan *p, size_t rsc,
                        const RscActs *ra) {
        const PlanRsc *pr = &p->rsc[rsc];

        switch (pr->state) {
        case PLAN_RSC_RUNNING:
                if (ra->migrate != IDX_NONE) {
                        sched_buf_printf(out, "migrates from %s",
                                         blade_name(s, p->actions[ra->migrate].peer));
                } else if (ra->start != IDX_NONE) {
                        const Action *st = &p->actions[ra->start];
                        bool restart = false, moved = false, fenced = false;
                        for (size_t a = 0; a < p->n_actions; a++) {
                                const Action *ac = &p->actions[a];
                                if (ac->kind != ACTION_STOP || ac->rsc != rsc)
                                        continue;
                                if (ac->blade == st->blade)
                                        restart = true;
                                else
                                        moved = true;
                        }
                        for (size_t d = 0; d < st->n_deps; d++)
                                if (p->actions[st->deps[d]].kind == ACTION_FENCE)
                                        fenced = true;
                        if (moved) {
                                sched_buf_printf(out, "moves from ");
                                format_stops(out, s, p, rsc, st->blade);
                        } else if (restart) {
                                sched_buf_printf(out, "restarts");
                        } else {
                                sched_buf_printf(out, "starts");
                        }
                        if (fenced) {
                                bool first = true;
                                sched_buf_printf(out, " after fence of ");
                                for (size_t d = 0; d < st->n_deps; d++) {
                                        const Action *f = &p->actions[st->deps[d]];
                                        if (f->kind != ACTION_FENCE)
                                                continue;
                                        sched_buf_printf(out, "%s%s", first ? "" : ", ",
                                                         blade_name(s, f->blade));
                                        first = false;
                                }
                        }
                } else if (ra->n_stops > 0) {
                        sched_buf_printf(out, "stays, stops the instance on ");
                        format_stops(out, s, p, rsc, IDX_NONE);
                }
                break;
        case PLAN_RSC_STOPPED:
                sched_buf_printf(out, "%s (%s)", ra->n_stops ? "stops" : "stopped",
                                 pr->reason ? pr->reason : "");
                break;
        case PLAN_RSC_UNMANAGED:
                sched_buf_printf(out, "unmanaged");
                break;
        case PLAN_RSC_BLOCKED:
        case PLAN_RSC_WAITING:
        default:
                sched_buf_printf(out, "%s", plan_rsc_state_to_string(pr->state));
                if (ra->n_stops) {
                        sched_buf_printf(out, ", stops on ");
                        format_stops(out, s, p, rsc, IDX_NONE);
                }
                break;
        }
}

static void format_actions(SchedBuf *out, const Snapshot *s, const Plan *p) {
        const Config *c = s->config;
        size_t w_rsc = 0, w_kind = 0;

        sched_buf_printf(out, "actions:%s\n", p->n_actions ? "" : " none");
        for (size_t a = 0; a < p->n_actions; a++) {
                const Action *ac = &p->actions[a];
                size_t l = ac->rsc < c->n_resources ? strlen(c->resources[ac->rsc].id) : 0;
                if (l > w_rsc)
                        w_rsc = l;
                l = strlen(action_kind_to_string(ac->kind));
                if (l > w_kind)
                        w_kind = l;
        }
        for (size_t a = 0; a < p->n_actions; a++) {
                const Action *ac = &p->actions[a];
                SchedBuf line = {0};
                char *ls;

                sched_buf_printf(&line, "%*zu  %-*s  ",
                                 p->n_actions >= 100  ? 4
                                 : p->n_actions >= 10 ? 2
                                                      : 1,
                                 a + 1, (int)w_kind, action_kind_to_string(ac->kind));
                if (ac->kind == ACTION_FENCE)
                        sched_buf_printf(&line, "%s", blade_name(s, ac->blade));
                else
                        sched_buf_printf(&line, "%-*s on %s", (int)w_rsc, c->resources[ac->rsc].id,
                                         blade_name(s, ac->blade));
                if (ac->kind == ACTION_MIGRATE_TO)
                        sched_buf_printf(&line, " to %s", blade_name(s, ac->peer));
                else if (ac->kind == ACTION_MIGRATE_FROM)
                        sched_buf_printf(&line, " from %s", blade_name(s, ac->peer));
                if (ac->n_deps) {
                        sched_buf_printf(&line, "  after");
                        for (size_t d = 0; d < ac->n_deps; d++)
                                sched_buf_printf(&line, " %zu", ac->deps[d] + 1);
                }
                ls = sched_buf_take(&line);
                if (!ls) {
                        out->oom = true;
                        return;
                }
                sched_buf_printf(out, "  %s\n", ls);
                free(ls);
        }
}

static bool blade_before(const Snapshot *s, size_t a, size_t b) {
        if (s->blades[a].nodeid != s->blades[b].nodeid)
                return s->blades[a].nodeid < s->blades[b].nodeid;
        return strcmp(s->blades[a].name, s->blades[b].name) < 0;
}

int plan_format(const Snapshot *s, const Plan *p, char **text) {
        const Config *c = s->config;
        SchedBuf out = {0};
        RscActs *ra = calloc(p->n_resources ? p->n_resources : 1, sizeof(*ra));
        size_t w_rsc = 0, w_blade = 1;
        bool any_blocked = false;

        if (!ra)
                return -ENOMEM;
        for (size_t r = 0; r < p->n_resources; r++)
                ra[r] = (RscActs){.start = IDX_NONE, .migrate = IDX_NONE};
        for (size_t a = 0; a < p->n_actions; a++) {
                const Action *ac = &p->actions[a];
                if (ac->rsc >= p->n_resources)
                        continue;
                if (ac->kind == ACTION_START)
                        ra[ac->rsc].start = a;
                else if (ac->kind == ACTION_MIGRATE_FROM)
                        ra[ac->rsc].migrate = a;
                else if (ac->kind == ACTION_STOP)
                        ra[ac->rsc].n_stops++;
        }

        /* Blades by nodeid whatever the array order (insertion sort: few). */
        size_t *bo = calloc(s->n_blades ? s->n_blades : 1, sizeof(size_t));
        if (!bo) {
                free(ra);
                return -ENOMEM;
        }
        for (size_t i = 0; i < s->n_blades; i++) {
                size_t j = i;
                while (j > 0 && blade_before(s, i, bo[j - 1])) {
                        bo[j] = bo[j - 1];
                        j--;
                }
                bo[j] = i;
        }
        sched_buf_printf(&out, "blades:");
        for (size_t i = 0; i < s->n_blades; i++) {
                const Blade *bl = &s->blades[bo[i]];
                const NodeAttrs *na = config_find_node(c, bl->name);
                BladeState st =
                        bl->state == BLADE_ONLINE && na && na->standby ? BLADE_STANDBY : bl->state;
                sched_buf_printf(&out, "%s %s %s", i ? "," : "", bl->name,
                                 blade_state_to_string(st));
        }
        free(bo);
        sched_buf_printf(&out, "\nquorum: %s\n", s->quorate ? "yes" : "no");
        if (p->n_notes) {
                sched_buf_printf(&out, "notes:\n");
                for (size_t i = 0; i < p->n_notes; i++)
                        sched_buf_printf(&out, "  %s\n", p->notes[i]);
        }
        format_actions(&out, s, p);

        for (size_t r = 0; r < p->n_resources; r++) {
                size_t l = strlen(c->resources[r].id);
                if (l > w_rsc)
                        w_rsc = l;
                if (p->rsc[r].target < s->n_blades &&
                    strlen(s->blades[p->rsc[r].target].name) > w_blade)
                        w_blade = strlen(s->blades[p->rsc[r].target].name);
        }
        sched_buf_printf(&out, "placement:%s\n", p->n_resources ? "" : " none");
        for (size_t r = 0; r < p->n_resources; r++) {
                SchedBuf line = {0};
                char *ls;

                sched_buf_printf(&line, "%-*s  %-*s  ", (int)w_rsc, c->resources[r].id,
                                 (int)w_blade, blade_name(s, p->rsc[r].target));
                format_note(&line, s, p, r, &ra[r]);
                ls = sched_buf_take(&line);
                if (!ls) {
                        out.oom = true;
                        break;
                }
                /* No trailing blanks: they make diffs noisy. */
                size_t n = strlen(ls);
                while (n > 0 && ls[n - 1] == ' ')
                        ls[--n] = 0;
                sched_buf_printf(&out, "  %s\n", ls);
                free(ls);
                if (p->rsc[r].state == PLAN_RSC_BLOCKED || p->rsc[r].state == PLAN_RSC_WAITING)
                        any_blocked = true;
        }
        if (any_blocked) {
                sched_buf_printf(&out, "blocked:\n");
                for (size_t r = 0; r < p->n_resources; r++)
                        if (p->rsc[r].state == PLAN_RSC_BLOCKED ||
                            p->rsc[r].state == PLAN_RSC_WAITING)
                                sched_buf_printf(&out, "  %s: %s\n", c->resources[r].id,
                                                 p->rsc[r].reason ? p->rsc[r].reason : "");
        }
        free(ra);
        *text = sched_buf_take(&out);
        return *text ? 0 : -ENOMEM;
}
