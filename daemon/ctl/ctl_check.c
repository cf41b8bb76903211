/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `bladectl check`: a Nagios/Icinga plugin.  One line on stdout,
 *   BLADED OK - 3/3 blades online, 8/8 resources running | blades=3;;;0;3 ...
 * and the plugin exit codes 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (no
 * daemon, or an answer it cannot read).  The verdict is status_check()
 * (status_watch.h), from `status --xml` and the configuration's
 * target-roles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/config.h"
#include "bladed/status_watch.h"
#include "bladed/util.h"
#include "ctl.h"

#define NAGIOS_UNKNOWN 3

int ctl_check(int argc, char **argv, const CtlOptions *o) {
        _cleanup_(freep) char *xml = NULL, *doc = NULL;
        _cleanup_(diag_clear) DiagList diag = {0};
        StatusView v;
        Config *c = NULL;
        const char *why;
        char line[2048];
        size_t len, doc_len;
        int r;

        if (argc != 1) {
                fprintf(stderr, "Usage: bladectl check\n");
                printf("BLADED UNKNOWN - bad usage\n");
                return NAGIOS_UNKNOWN;
        }
        r = ctl_query(o, CTL_CMD_STATUS, "xml", &xml, &len);
        if (r != 0) {
                printf("BLADED UNKNOWN - %s at %s\n",
                       r == CTL_EXIT_NO_DAEMON ? "no bladed answering" : "no status from bladed",
                       o->socket_path);
                return NAGIOS_UNKNOWN;
        }
        if (status_view_read(xml, len, &v, &why) < 0) {
                printf("BLADED UNKNOWN - cannot read bladed's status: %s\n",
                       why ? why : "out of memory");
                return NAGIOS_UNKNOWN;
        }
        /* Without the configuration every resource counts as one that
         * should run: at worst a stopped-on-purpose one shows CRITICAL. */
        if (ctl_query(o, CTL_CMD_CONFIG_SHOW, NULL, &doc, &doc_len) == 0)
                (void)config_parse(doc, doc_len, &c, &diag);
        r = status_check(&v, c, line, sizeof(line));
        printf("%s\n", line);
        config_free(c);
        status_view_done(&v);
        return r;
}
