/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How fast is the scheduler?  Generates mail-cluster-shaped configurations
 * in memory (groups of VIP + VM + service check, two preferred blades per
 * group, every fifth pair of groups kept apart, VM memory and cpu against
 * blade capacity) and times scheduler_run for 30 to 10000 resources on 3,
 * 16 and 32 blades, in three situations:
 *   fresh    every blade up, nothing running: the start-up plan
 *   steady   everything running where it should: no action
 *   failed   steady, then one blade lost: fence and recovery
 * Prints the median of several runs (milliseconds).  Never fails on time.
 *   bench_scheduler [--quick] [--runs N] [--size RESOURCES] [--blades N]
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bladed/model.h"
#include "bladed/scheduler.h"
#include "bladed/state.h"

static void *xcalloc(size_t n, size_t size) {
        void *p = calloc(n ? n : 1, size);
        if (!p) {
                fprintf(stderr, "bench_scheduler: out of memory\n");
                exit(1);
        }
        return p;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...) {
        va_list ap;
        char *s;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0) {
                fprintf(stderr, "bench_scheduler: out of memory\n");
                exit(1);
        }
        return s;
}

/* n_groups groups of three on n_blades blades, built directly (indices
 * resolved as config_parse would), without the XML parser. */
static Config *make_config(size_t n_groups, size_t n_blades) {
        Config *c = xcalloc(1, sizeof(*c));
        size_t nr = 3 * n_groups;
        uint64_t total_mem = 0;

        c->props = (Properties){
                .no_quorum_policy = NO_QUORUM_STOP, .fencing = true, .default_stickiness = 100};
        c->resources = xcalloc(nr, sizeof(Resource));
        c->groups = xcalloc(n_groups, sizeof(Group));
        c->locations = xcalloc(2 * n_groups, sizeof(Location));
        c->colocations = xcalloc(n_groups / 10 + 1, sizeof(Colocation));
        c->nodes = xcalloc(n_blades, sizeof(NodeAttrs));
        for (size_t g = 0; g < n_groups; g++) {
                static const char *const kind[3] = {"vip", "vm", "check"};
                static const char *const type[3] = {"vip", "vm", "mailcheck"};
                Group *gr = &c->groups[c->n_groups++];
                gr->id = xprintf("g-%05zu", g);
                gr->members = xcalloc(3, sizeof(size_t));
                for (size_t k = 0; k < 3; k++) {
                        size_t r = c->n_resources++;
                        Resource *res = &c->resources[r];
                        res->id = xprintf("%s-%05zu", kind[k], g);
                        res->agent_class = xprintf("ocf");
                        res->agent_provider = xprintf("bladed");
                        res->agent_type = xprintf("%s", type[k]);
                        res->group = g;
                        res->migration_threshold = 3;
                        if (k == 1) {
                                res->allow_migrate = true;
                                res->utilization = (Utilization){1024 + 1024 * (g % 4), 1 + g % 2};
                                res->priority = (int)(g % 3);
                                total_mem += res->utilization.memory;
                        }
                        gr->members[gr->n_members++] = r;
                }
                for (size_t p = 0; p < 2; p++) {
                        Location *l = &c->locations[c->n_locations++];
                        l->id = xprintf("pref-%05zu", g);
                        l->rsc = xprintf("%s", gr->id);
                        l->rsc_idx = IDX_NONE;
                        l->group_idx = g;
                        l->node = xprintf("blade%zu", 1 + (g + p * (1 + g % 3)) % n_blades);
                        l->score = p == 0 ? 2000 : 1000;
                }
                if (g % 10 == 1) {
                        Colocation *co = &c->colocations[c->n_colocations++];
                        co->id = xprintf("apart-%05zu", g);
                        co->rsc = xprintf("%s", gr->id);
                        co->with_rsc = xprintf("g-%05zu", g - 1);
                        co->rsc_idx = co->with_idx = IDX_NONE;
                        co->rsc_group_idx = g;
                        co->with_group_idx = g - 1;
                        co->score = -SCORE_INFINITY;
                }
        }
        /* Room for everything, and for most of it with one blade gone. */
        for (size_t b = 0; b < n_blades; b++) {
                NodeAttrs *na = &c->nodes[c->n_nodes++];
                na->name = xprintf("blade%zu", b + 1);
                na->has_capacity = true;
                na->capacity = (Utilization){total_mem * 3 / 2 / n_blades + 4096, 1000000};
        }
        return c;
}

static void make_snapshot(Snapshot *s, const Config *c, size_t n_blades) {
        const char **names = xcalloc(n_blades, sizeof(char *));
        for (size_t b = 0; b < n_blades; b++)
                names[b] = c->nodes[b].name;
        if (snapshot_init(s, c, names, NULL, n_blades) < 0) {
                fprintf(stderr, "bench_scheduler: out of memory\n");
                exit(1);
        }
        free(names);
        s->quorate = true;
        for (size_t b = 0; b < n_blades; b++) {
                s->blades[b].state = BLADE_ONLINE;
                s->blades[b].probed = true;
        }
        for (size_t i = 0; i < c->n_resources * n_blades; i++)
                s->rb[i].role = RSC_STOPPED;
}

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

/* Median time of runs scheduler_run calls; the last plan in *keep if asked. */
static double time_runs(const Snapshot *s, int runs, Plan **keep, size_t *n_actions) {
        double *t = xcalloc((size_t)runs, sizeof(double));
        for (int i = 0; i < runs; i++) {
                Plan *p = NULL;
                double t0 = now_ms();
                if (scheduler_run(s, &p) < 0) {
                        fprintf(stderr, "bench_scheduler: scheduler_run failed\n");
                        exit(1);
                }
                t[i] = now_ms() - t0;
                *n_actions = p->n_actions;
                if (keep && i == runs - 1)
                        *keep = p;
                else
                        plan_free(p);
        }
        qsort(t, (size_t)runs, sizeof(double), cmp_double);
        double m = t[runs / 2];
        free(t);
        return m;
}

int main(int argc, char **argv) {
        static const size_t sizes[] = {30, 300, 3000, 10000};
        static const size_t blades[] = {3, 16, 32};
        bool quick = false;
        int runs = 0;
        size_t only_size = 0, only_blades = 0;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--quick") == 0)
                        quick = true;
                else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
                        runs = atoi(argv[++i]);
                else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
                        only_size = (size_t)atol(argv[++i]);
                else if (strcmp(argv[i], "--blades") == 0 && i + 1 < argc)
                        only_blades = (size_t)atol(argv[++i]);
                else {
                        fprintf(stderr,
                                "Usage: bench_scheduler [--quick] [--runs N] [--size RESOURCES] "
                                "[--blades N]\n");
                        return 2;
                }
        }
        printf("scheduler_run, median of N runs, milliseconds\n");
        printf("%9s %6s %4s %10s %10s %10s %9s %8s\n", "resources", "blades", "N", "fresh",
               "steady", "1 failed", "actions", "blocked");
        for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
                if (quick && sizes[si] > 300)
                        break;
                if (only_size && sizes[si] != only_size)
                        continue;
                for (size_t bi = 0; bi < sizeof(blades) / sizeof(blades[0]); bi++) {
                        size_t nb = blades[bi];
                        if (quick && nb > 16)
                                break;
                        if (only_blades && nb != only_blades)
                                continue;
                        int n = runs > 0 ? runs : sizes[si] >= 3000 ? 5 : 21;
                        Config *c = make_config(sizes[si] / 3, nb);
                        Snapshot s;
                        Plan *p = NULL;
                        size_t acts_fresh, acts_steady, acts_failed, blocked = 0;

                        make_snapshot(&s, c, nb);
                        double fresh = time_runs(&s, n, &p, &acts_fresh);
                        /* Settle: everything runs where the plan put it. */
                        for (size_t r = 0; r < c->n_resources; r++)
                                if (p->rsc[r].target != IDX_NONE)
                                        snapshot_rb(&s, r, p->rsc[r].target)->role = RSC_STARTED;
                        plan_free(p);
                        p = NULL;
                        double steady = time_runs(&s, n, NULL, &acts_steady);
                        s.blades[0].state = BLADE_LOST;
                        double failed = time_runs(&s, n, &p, &acts_failed);
                        for (size_t r = 0; r < p->n_resources; r++)
                                blocked += p->rsc[r].state == PLAN_RSC_BLOCKED;
                        plan_free(p);
                        printf("%9zu %6zu %4d %10.2f %10.2f %10.2f %9zu %8zu\n", c->n_resources, nb,
                               n, fresh, steady, failed, acts_failed, blocked);
                        fflush(stdout);
                        snapshot_done(&s);
                        config_free(c);
                }
        }
        return 0;
}
