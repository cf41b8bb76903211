/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bladectl nodes validate|corosync: offline tools for the node file. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/diag.h"
#include "bladed/nodes.h"
#include "bladed/util.h"
#include "ctl.h"

int ctl_nodes_validate(int argc, char **argv, const CtlOptions *o) {
        static const char usage[] = "nodes validate FILE";
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(ctl_nodes_freep) NodeFile *f = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: bladectl %s\n\n"
                               "Checks an OCFS2-style node file (/etc/ocfs2/cluster.conf) "
                               "offline.\n"
                               "Every problem is printed as FILE:LINE: message on stderr; exit\n"
                               "status 2 when there are errors (warnings alone: 0).\n",
                               usage);
                        return CTL_EXIT_OK;
                default:
                        return ctl_usage_error(usage);
                }
        if (argc - optind != 1)
                return ctl_usage_error(usage);
        const char *path = argv[optind];

        r = ctl_load_nodes(path, &f);
        if (r != 0)
                return r;

        /* One line: what the file says, so a typo in a name shows too. */
        printf("%s:", path);
        for (size_t ci = 0; ci < f->n_clusters; ci++) {
                const ClusterEntry *cl = &f->clusters[ci];
                _cleanup_(freep) const NodeEntry **list = NULL;
                size_t n = 0;

                if (nodes_list(f, cl->name, &list, &n) < 0) {
                        fprintf(stderr, "%s: out of memory\n", path);
                        return CTL_EXIT_FAILED;
                }
                printf("%s cluster %s (%s heartbeat), %zu blade%s", ci ? ";" : "", cl->name,
                       cl->heartbeat_mode ? cl->heartbeat_mode : "local", n, n == 1 ? "" : "s");
                for (size_t i = 0; i < n; i++)
                        printf("%s %s (%u)", i ? "," : ":", list[i]->name, list[i]->number);
        }
        printf("\n");
        return CTL_EXIT_OK;
}

int ctl_nodes_corosync(int argc, char **argv, const CtlOptions *o) {
        static const char usage[] = "nodes corosync FILE [--cluster NAME]";
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"cluster", required_argument, NULL, 'c'},
                {},
        };
        _cleanup_(ctl_nodes_freep) NodeFile *f = NULL;
        _cleanup_(freep) char *text = NULL;
        const char *cluster = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "hc:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: bladectl %s\n\n"
                               "Prints the corosync.conf nodelist { } generated from a node file:\n"
                               "one node { } per blade, sorted by number, nodeid = number + 1.\n"
                               "--cluster picks the cluster when the file describes several.\n",
                               usage);
                        return CTL_EXIT_OK;
                case 'c':
                        cluster = optarg;
                        break;
                default:
                        return ctl_usage_error(usage);
                }
        if (argc - optind != 1)
                return ctl_usage_error(usage);
        const char *path = argv[optind];

        r = ctl_load_nodes(path, &f);
        if (r != 0)
                return r;
        if (!nodes_get_cluster(f, cluster)) {
                if (cluster)
                        fprintf(stderr, "%s: no cluster named '%s'\n", path, cluster);
                else {
                        fprintf(stderr, "%s: %zu clusters (", path, f->n_clusters);
                        for (size_t i = 0; i < f->n_clusters; i++)
                                fprintf(stderr, "%s%s", i ? ", " : "", f->clusters[i].name);
                        fprintf(stderr, "): choose one with --cluster NAME\n");
                }
                return CTL_EXIT_USAGE;
        }
        r = nodes_corosync_nodelist(f, cluster, &text);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return CTL_EXIT_FAILED;
        }
        fputs(text, stdout);
        return CTL_EXIT_OK;
}
