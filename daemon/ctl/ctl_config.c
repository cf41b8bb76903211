/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bladectl config validate: the offline check of a resources.xml. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/config.h"
#include "bladed/diag.h"
#include "bladed/nodes.h"
#include "bladed/util.h"
#include "ctl.h"

/* The blade names of the node file: its one cluster's, else all. */
static int load_blade_names(const char *path, NodeFile **f, const char ***names, size_t *n) {
        const ClusterEntry *cl;
        const NodeEntry **list = NULL;
        int r;

        r = ctl_load_nodes(path, f);
        if (r != 0)
                return r;
        cl = nodes_get_cluster(*f, NULL);
        *names = calloc((*f)->n_nodes + 1, sizeof(**names));
        if (!*names)
                return CTL_EXIT_FAILED;
        if (cl && nodes_list(*f, cl->name, &list, n) >= 0) {
                for (size_t i = 0; i < *n; i++)
                        (*names)[i] = list[i]->name;
                free(list);
        } else {
                for (size_t i = 0; i < (*f)->n_nodes; i++)
                        (*names)[i] = (*f)->nodes[i].name;
                *n = (*f)->n_nodes;
        }
        return 0;
}

static const char *plural(size_t n, const char *one, const char *many) {
        return n == 1 ? one : many;
}

/* Constraints as written: a <prefer> list is one location, not one per blade. */
static size_t count_constraints(const Config *c) {
        size_t n = c->n_colocations + c->n_orders;

        for (size_t i = 0; i < c->n_locations; i++)
                if (i == 0 || strcmp(c->locations[i].id, c->locations[i - 1].id) != 0)
                        n++;
        return n;
}

int ctl_config_validate(int argc, char **argv, const CtlOptions *o) {
        static const char usage[] =
                "config validate FILE [--nodes NODEFILE] [--ocf-root DIR | --no-agents]";
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"nodes", required_argument, NULL, 'n'},
                {"ocf-root", required_argument, NULL, 'o'},
                {"no-agents", no_argument, NULL, 'A'},
                {},
        };
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(freep) const char **names = NULL;
        _cleanup_(diag_clear) DiagList diag = {0};
        _cleanup_(ctl_config_freep) Config *c = NULL;
        _cleanup_(ctl_nodes_freep) NodeFile *nf = NULL;
        const char *nodes_path = NULL, *path, *ocf_root = BLADED_OCF_ROOT_DEFAULT;
        bool check_agents = true;
        size_t size, n_names = 0;
        int opt, r;

        while ((opt = getopt_long(argc, argv, "hn:", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        printf("Usage: bladectl %s\n\n"
                               "Checks a resource configuration (resources.xml) offline: XML, the\n"
                               "schema, then the meaning (ids, references, order cycles, "
                               "timeouts).\n"
                               "With --nodes, also that every blade it names is in the node file.\n"
                               "Each OCF agent it names must be installed under the OCF root\n"
                               "(--ocf-root, default " BLADED_OCF_ROOT_DEFAULT
                               "); its meta-data is read\n"
                               "once per agent type and every resource must give the parameters "
                               "the\n"
                               "agent requires.  --no-agents skips this (a machine without the "
                               "agents).\n"
                               "Problems go to stderr as FILE:LINE: message; exit status 2 when\n"
                               "there are errors (warnings alone: 0).\n",
                               usage);
                        return CTL_EXIT_OK;
                case 'n':
                        nodes_path = optarg;
                        break;
                case 'o':
                        ocf_root = optarg;
                        break;
                case 'A':
                        check_agents = false;
                        break;
                default:
                        return ctl_usage_error(usage);
                }
        if (argc - optind != 1)
                return ctl_usage_error(usage);
        path = argv[optind];

        r = ctl_read_input(path, CONFIG_MAX_SIZE, &buf, &size);
        if (r != 0)
                return r;
        r = config_parse(buf, size, &c, &diag);
        if (r == -ENOMEM) {
                diag_print(&diag, path, stderr);
                fprintf(stderr, "%s: out of memory\n", path);
                return CTL_EXIT_FAILED;
        }
        if (r < 0) {
                diag_print(&diag, path, stderr);
                if (diag.n_errors == 0)
                        fprintf(stderr, "%s: invalid configuration\n", path);
                return CTL_EXIT_USAGE;
        }
        if (nodes_path) {
                r = load_blade_names(nodes_path, &nf, &names, &n_names);
                if (r != 0) {
                        diag_print(&diag, path, stderr);
                        return r;
                }
                r = config_check_nodes(c, names, n_names, &diag);
                if (r == -ENOMEM) {
                        fprintf(stderr, "%s: out of memory\n", path);
                        return CTL_EXIT_FAILED;
                }
        }
        if (check_agents) {
                int k = ctl_check_agents(c, ocf_root, &diag);

                if (k == -ENOMEM) {
                        fprintf(stderr, "%s: out of memory\n", path);
                        return CTL_EXIT_FAILED;
                }
                if (k < 0)
                        r = k;
        }
        diag_sort(&diag);
        diag_print(&diag, path, stderr);
        if (r < 0)
                return CTL_EXIT_USAGE;

        size_t n_constraints = count_constraints(c), n_warnings = diag.n - diag.n_errors;
        printf("%s: ok, epoch %" PRIu64 ", %zu %s, %zu %s, %zu %s, %zu %s", path, c->epoch,
               c->n_resources, plural(c->n_resources, "resource", "resources"), c->n_groups,
               plural(c->n_groups, "group", "groups"), n_constraints,
               plural(n_constraints, "constraint", "constraints"), c->n_fence_devices,
               plural(c->n_fence_devices, "fence device", "fence devices"));
        if (nodes_path)
                printf(", %zu %s checked", n_names, plural(n_names, "blade", "blades"));
        if (check_agents) {
                size_t n_agents = ctl_agent_types(c);

                printf(", %zu %s checked", n_agents, plural(n_agents, "agent", "agents"));
        }
        if (n_warnings > 0)
                printf(", %zu %s", n_warnings, plural(n_warnings, "warning", "warnings"));
        printf("\n");
        return CTL_EXIT_OK;
}
