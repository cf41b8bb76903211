/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bladectl simulate: what would the scheduler do?  Offline, from a
 * configuration and (optionally) a saved status; then what-ifs on top:
 * --fail (the blade dies: lost, so the plan shows its fence), --offline
 * (left cleanly), --standby.  --fail-each is the N+1 check: one verdict
 * line per blade.  doc/simulate.rst is the admin's guide.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/config.h"
#include "bladed/diag.h"
#include "bladed/nodes.h"
#include "bladed/scheduler.h"
#include "bladed/state.h"
#include "bladed/status_xml.h"
#include "bladed/util.h"
#include "bladed/ctlproto.h"
#include "ctl.h"

static const char usage_text[] =
        "simulate [--config F] [--state F] [--nodes F] [--fail NODE]... [--offline NODE]...\n"
        "                         [--standby NODE]... [--now MS] [--fail-each]";

typedef struct WhatIf {
        const char *node;
        BladeState state;
} WhatIf;

typedef struct SimOptions {
        const char *config, *state, *nodes;
        WhatIf *whatifs;
        size_t n_whatifs;
        bool fail_each;
        bool has_now;
        uint64_t now;
} SimOptions;

static void plan_freep(Plan **p) {
        plan_free(*p);
}

static int parse_state(const char *path, const char *buf, size_t size, const Config *c,
                       Snapshot *s) {
        _cleanup_(diag_clear) DiagList diag = {0};
        int r;

        r = status_xml_read(buf, size, c, s, &diag);
        return ctl_parse_outcome(path, r, &diag, "status document");
}

static int load_state(const char *path, const Config *c, Snapshot *s) {
        _cleanup_(freep) char *buf = NULL;
        size_t size;
        int r = ctl_read_input(path, STATUS_XML_MAX_SIZE, &buf, &size);

        return r != 0 ? r : parse_state(path, buf, size, c, s);
}

/* Live mode: the running cluster's configuration and state, from the
 * daemon behind the control socket. */
static int load_live(const CtlOptions *o, Config **c, Snapshot *s) {
        _cleanup_(freep) char *conf = NULL, *state = NULL;
        size_t conf_len, state_len;
        int r;

        r = ctl_query(o, CTL_CMD_CONFIG_SHOW, NULL, &conf, &conf_len);
        if (r == 0)
                r = ctl_query(o, CTL_CMD_STATUS, "xml", &state, &state_len);
        if (r != 0)
                return r;
        r = ctl_parse_config(o->socket_path, conf, conf_len, c);
        return r != 0 ? r : parse_state(o->socket_path, state, state_len, *c, s);
}

/* Blades of the node file (its one cluster, by number; nodeid = number + 1). */
static int load_nodes(const char *path, const char ***names, uint32_t **ids, size_t *n,
                      NodeFile **nf) {
        const NodeEntry **list = NULL;
        const ClusterEntry *cl;
        int r;

        r = ctl_load_nodes(path, nf);
        if (r != 0)
                return r;
        cl = nodes_get_cluster(*nf, NULL);
        if (!cl || nodes_list(*nf, cl->name, &list, n) < 0) {
                fprintf(stderr, "%s: no single cluster: stanza to take the blades from\n", path);
                return CTL_EXIT_USAGE;
        }
        *names = calloc(*n + 1, sizeof(**names));
        *ids = calloc(*n + 1, sizeof(**ids));
        if (!*names || !*ids) {
                free(list);
                fprintf(stderr, "%s: out of memory\n", path);
                return CTL_EXIT_FAILED;
        }
        for (size_t i = 0; i < *n; i++) {
                (*names)[i] = list[i]->name;
                (*ids)[i] = list[i]->number + 1;
        }
        free(list);
        return 0;
}

/* Without --state: every blade online, probed, nothing running; blades the
 * configuration marks standby are standby. */
static int fresh_snapshot(const SimOptions *so, const Config *c, Snapshot *s) {
        _cleanup_(freep) const char **names = NULL;
        _cleanup_(freep) uint32_t *ids = NULL;
        NodeFile *nf = NULL;
        size_t n = 0;
        int r;

        if (so->nodes) {
                r = load_nodes(so->nodes, &names, &ids, &n, &nf);
                if (r != 0) {
                        nodes_free(nf);
                        return r;
                }
        } else {
                names = calloc(c->n_nodes + 1, sizeof(*names));
                ids = calloc(c->n_nodes + 1, sizeof(*ids));
                if (!names || !ids)
                        return CTL_EXIT_FAILED;
                for (size_t i = 0; i < c->n_nodes; i++) {
                        names[i] = c->nodes[i].name;
                        ids[i] = (uint32_t)i + 1;
                }
                n = c->n_nodes;
        }
        if (n == 0) {
                fprintf(stderr,
                        "bladectl simulate: no blades: give --nodes FILE or --state FILE, or list "
                        "the blades in the configuration's <nodes>\n");
                nodes_free(nf);
                return CTL_EXIT_USAGE;
        }
        r = snapshot_init(s, c, names, ids, n);
        nodes_free(nf);
        if (r < 0) {
                fprintf(stderr, "bladectl simulate: out of memory\n");
                return CTL_EXIT_FAILED;
        }
        s->quorate = true;
        for (size_t b = 0; b < n; b++) {
                const NodeAttrs *na = config_find_node(c, s->blades[b].name);
                s->blades[b].state = na && na->standby ? BLADE_STANDBY : BLADE_ONLINE;
                s->blades[b].probed = true;
                for (size_t r2 = 0; r2 < c->n_resources; r2++)
                        snapshot_rb(s, r2, b)->role = RSC_STOPPED;
        }
        return 0;
}

/* corosync votequorum's default: a strict majority of all blades; a
 * two-blade cluster (two_node) keeps quorum with one. */
static bool majority(const Snapshot *s) {
        size_t alive = 0;
        for (size_t b = 0; b < s->n_blades; b++)
                alive += s->blades[b].state == BLADE_ONLINE || s->blades[b].state == BLADE_STANDBY;
        if (s->n_blades == 2)
                return alive >= 1;
        return alive * 2 > s->n_blades;
}

static int apply_whatifs(const SimOptions *so, Snapshot *s) {
        bool membership = false;

        for (size_t i = 0; i < so->n_whatifs; i++) {
                size_t b = snapshot_find_blade(s, so->whatifs[i].node);
                if (b == IDX_NONE) {
                        fprintf(stderr, "bladectl simulate: unknown blade '%s'\n",
                                so->whatifs[i].node);
                        return CTL_EXIT_USAGE;
                }
                s->blades[b].state = so->whatifs[i].state;
                if (so->whatifs[i].state != BLADE_STANDBY)
                        membership = true;
        }
        /* A blade leaving may cost the survivors their quorum. */
        if (membership)
                s->quorate = majority(s);
        if (so->has_now)
                s->now_ms = so->now;
        return 0;
}

/* Without --state, a what-if starts from the settled cluster: every
 * resource running where the scheduler puts it with all blades up. */
static int settle(Snapshot *s) {
        _cleanup_(plan_freep) Plan *p = NULL;

        if (scheduler_run(s, &p) < 0) {
                fprintf(stderr, "bladectl simulate: out of memory\n");
                return CTL_EXIT_FAILED;
        }
        for (size_t r = 0; r < p->n_resources; r++) {
                for (size_t b = 0; b < s->n_blades; b++)
                        snapshot_rb(s, r, b)->role = RSC_STOPPED;
                if (p->rsc[r].state == PLAN_RSC_RUNNING && p->rsc[r].target != IDX_NONE)
                        snapshot_rb(s, r, p->rsc[r].target)->role = RSC_STARTED;
        }
        return 0;
}

static int simulate_once(const Snapshot *s) {
        _cleanup_(plan_freep) Plan *p = NULL;
        _cleanup_(freep) char *text = NULL;

        if (scheduler_run(s, &p) < 0 || plan_format(s, p, &text) < 0) {
                fprintf(stderr, "bladectl simulate: out of memory\n");
                return CTL_EXIT_FAILED;
        }
        fputs(text, stdout);
        return CTL_EXIT_OK;
}

static int cmp_by_nodeid(const void *a, const void *b) {
        const Blade *x = *(const Blade *const *)a, *y = *(const Blade *const *)b;
        if (x->nodeid != y->nodeid)
                return x->nodeid < y->nodeid ? -1 : 1;
        return strcmp(x->name, y->name);
}

/* The N+1 check: each blade that is up, in turn, dies. */
static int fail_each(Snapshot *s) {
        const Config *c = s->config;
        _cleanup_(freep) Blade **order = calloc(s->n_blades + 1, sizeof(Blade *));
        size_t should_run = 0;
        bool all_ok = true;

        if (!order) {
                fprintf(stderr, "bladectl simulate: out of memory\n");
                return CTL_EXIT_FAILED;
        }
        for (size_t r = 0; r < c->n_resources; r++)
                should_run += c->resources[r].target_role == TARGET_ROLE_STARTED;
        for (size_t b = 0; b < s->n_blades; b++)
                order[b] = &s->blades[b];
        qsort(order, s->n_blades, sizeof(*order), cmp_by_nodeid);

        for (size_t i = 0; i < s->n_blades; i++) {
                Blade *bl = order[i];
                BladeState saved = bl->state;
                bool saved_quorate = s->quorate;
                _cleanup_(plan_freep) Plan *p = NULL;
                size_t blocked = 0;

                if (saved != BLADE_ONLINE && saved != BLADE_STANDBY) {
                        printf("%s: SKIPPED - already %s\n", bl->name,
                               blade_state_to_string(saved));
                        continue;
                }
                bl->state = BLADE_LOST;
                s->quorate = majority(s);
                int r = scheduler_run(s, &p);
                bl->state = saved;
                s->quorate = saved_quorate;
                if (r < 0) {
                        fprintf(stderr, "bladectl simulate: out of memory\n");
                        return CTL_EXIT_FAILED;
                }
                for (size_t k = 0; k < p->n_resources; k++)
                        blocked += p->rsc[k].state == PLAN_RSC_BLOCKED;
                if (blocked == 0) {
                        printf("%s: OK - all %zu resources can run without it\n", bl->name,
                               should_run);
                        continue;
                }
                all_ok = false;
                printf("%s: FAIL -", bl->name);
                const char *sep = " ";
                for (size_t k = 0; k < p->n_resources; k++) {
                        if (p->rsc[k].state != PLAN_RSC_BLOCKED)
                                continue;
                        printf("%s%s blocked: %s", sep, c->resources[k].id,
                               p->rsc[k].reason ? p->rsc[k].reason : "");
                        sep = "; ";
                }
                printf("\n");
        }
        return all_ok ? CTL_EXIT_OK : CTL_EXIT_FAILED;
}

static int add_whatif(SimOptions *so, const char *node, BladeState st) {
        WhatIf *w = realloc(so->whatifs, (so->n_whatifs + 1) * sizeof(*w));
        if (!w)
                return -ENOMEM;
        so->whatifs = w;
        so->whatifs[so->n_whatifs++] = (WhatIf){.node = node, .state = st};
        return 0;
}

static void help(void) {
        printf("Usage: bladectl %s\n\n"
               "Prints what the scheduler would do: the actions (fence, probe, stop,\n"
               "migrate, start) with what each waits for, where every resource ends up,\n"
               "and why a resource that should run cannot.\n\n"
               "  --config F      resource configuration (resources.xml)\n"
               "  --state F       a saved `bladectl status --xml`; without it every blade\n"
               "                  is online and nothing runs yet, and the what-ifs below\n"
               "                  apply to the cluster once everything has started\n"
               "  --nodes F       node file giving the blades when there is no --state\n"
               "                  (default: the configuration's <nodes>)\n"
               "  --fail NODE     the blade dies (lost: it is fenced first)\n"
               "  --offline NODE  the blade leaves cleanly\n"
               "  --standby NODE  the blade is put on standby\n"
               "  --now MS        the cluster time, for failure-timeout\n"
               "  --fail-each     N+1 check: for each blade, can everything run without it?\n"
               "                  exit status 1 if not\n",
               usage_text);
}

int ctl_simulate(int argc, char **argv, const CtlOptions *o) {
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"config", required_argument, NULL, 'c'},
                {"state", required_argument, NULL, 's'},
                {"nodes", required_argument, NULL, 'n'},
                {"fail", required_argument, NULL, 'f'},
                {"offline", required_argument, NULL, 'o'},
                {"standby", required_argument, NULL, 'b'},
                {"now", required_argument, NULL, 't'},
                {"fail-each", no_argument, NULL, 'e'},
                {},
        };
        _cleanup_(ctl_config_freep) Config *c = NULL;
        SimOptions so = {0};
        Snapshot s = {.local = IDX_NONE, .coordinator = IDX_NONE};
        int opt, r = CTL_EXIT_USAGE;

        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                switch (opt) {
                case 'h':
                        help();
                        r = CTL_EXIT_OK;
                        goto out;
                case 'c':
                        so.config = optarg;
                        break;
                case 's':
                        so.state = optarg;
                        break;
                case 'n':
                        so.nodes = optarg;
                        break;
                case 'f':
                case 'o':
                case 'b':
                        if (add_whatif(&so, optarg,
                                       opt == 'f'   ? BLADE_LOST
                                       : opt == 'o' ? BLADE_OFFLINE
                                                    : BLADE_STANDBY) < 0) {
                                r = CTL_EXIT_FAILED;
                                goto out;
                        }
                        break;
                case 't':
                        if (parse_uint64(optarg, UINT64_MAX, &so.now) < 0) {
                                fprintf(stderr,
                                        "bladectl simulate: --now wants milliseconds, not '%s'\n",
                                        optarg);
                                goto out;
                        }
                        so.has_now = true;
                        break;
                case 'e':
                        so.fail_each = true;
                        break;
                default:
                        fprintf(stderr, "Usage: bladectl %s\n", usage_text);
                        goto out;
                }
        }
        if (optind != argc) {
                fprintf(stderr, "bladectl simulate: unexpected argument '%s'\n", argv[optind]);
                fprintf(stderr, "Usage: bladectl %s\n", usage_text);
                goto out;
        }
        if (!so.config && (so.state || so.nodes)) {
                fprintf(stderr, "bladectl simulate: --state and --nodes need --config (without "
                                "any of them, simulate asks the running cluster)\n");
                goto out;
        }
        if (so.state && so.nodes) {
                fprintf(stderr,
                        "bladectl simulate: --nodes and --state both give the blades: use one\n");
                goto out;
        }
        if (!so.config) {
                r = load_live(o, &c, &s);
                if (r != 0)
                        goto out;
        } else {
                r = ctl_load_config(so.config, &c);
                if (r != 0)
                        goto out;
                r = so.state ? load_state(so.state, c, &s) : fresh_snapshot(&so, c, &s);
        }
        if (r == 0 && so.config && !so.state && (so.n_whatifs > 0 || so.fail_each))
                r = settle(&s);
        if (r != 0)
                goto out;
        r = apply_whatifs(&so, &s);
        if (r != 0)
                goto out;
        r = so.fail_each ? fail_each(&s) : simulate_once(&s);
out:
        snapshot_done(&s);
        free(so.whatifs);
        return r;
}
