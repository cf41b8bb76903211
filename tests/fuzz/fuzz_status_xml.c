/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzzes the status document reader, and the scheduler behind it: any
 * input is read or rejected with an error, never a crash; what reads is
 * scheduled (every dependency must point backwards, every target must be
 * a blade that may hold it), formatted, written back, and the written
 * document must read again to the same snapshot.  A mismatch aborts.
 * The configuration is the golden corpus' mail cluster, compiled in.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/config.h"
#include "bladed/diag.h"
#include "bladed/scheduler.h"
#include "bladed/status_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char mail_config[] =
        "<bladed-config epoch=\"1\">"
        "<properties no-quorum-policy=\"stop\" fencing=\"true\" default-stickiness=\"100\"/>"
        "<nodes><node name=\"blade1\"><capacity memory=\"16384\" cpu=\"8\"/></node>"
        "<node name=\"blade2\"><capacity memory=\"16384\" cpu=\"8\"/></node>"
        "<node name=\"blade3\"><capacity memory=\"16384\" cpu=\"8\"/></node></nodes>"
        "<resources>"
        "<group id=\"g-mx1\"><primitive id=\"vip-mx1\" agent=\"ocf:bladed:vip\"/>"
        "<primitive id=\"vm-mx1\" agent=\"ocf:bladed:vm\"><meta allow-migrate=\"true\" "
        "migration-threshold=\"3\""
        " failure-timeout=\"10m\"/><utilization memory=\"4096\" cpu=\"2\"/></primitive></group>"
        "<group id=\"g-mx2\"><primitive id=\"vip-mx2\" agent=\"ocf:bladed:vip\"/>"
        "<primitive id=\"vm-mx2\" agent=\"ocf:bladed:vm\"><meta allow-migrate=\"true\"/>"
        "<utilization memory=\"4096\" cpu=\"2\"/></primitive></group>"
        "<primitive id=\"vm-ldap\" agent=\"ocf:bladed:vm\"><meta priority=\"20\" "
        "allow-migrate=\"true\""
        " migration-threshold=\"3\" failure-timeout=\"10m\"/><utilization memory=\"4096\" "
        "cpu=\"2\"/></primitive>"
        "<group id=\"g-webmail\"><primitive id=\"vip-webmail\" agent=\"ocf:bladed:vip\"/>"
        "<primitive id=\"vm-webmail\" agent=\"ocf:bladed:vm\"><meta allow-migrate=\"true\"/>"
        "<utilization memory=\"4096\" cpu=\"2\"/></primitive></group>"
        "<primitive id=\"vm-antispam\" agent=\"ocf:bladed:vm\"><meta allow-migrate=\"true\"/>"
        "<utilization memory=\"8192\" cpu=\"4\"/></primitive>"
        "<primitive id=\"vip-imap\" agent=\"ocf:bladed:vip\"/>"
        "<primitive id=\"vip-pop3\" agent=\"ocf:bladed:vip\"><meta "
        "target-role=\"stopped\"/></primitive>"
        "</resources><constraints>"
        "<location id=\"pref-mx1\" rsc=\"g-mx1\"><prefer node=\"blade1\"/><prefer "
        "node=\"blade2\"/></location>"
        "<location id=\"pref-ldap\" rsc=\"vm-ldap\"><prefer node=\"blade3\"/><prefer "
        "node=\"blade1\"/></location>"
        "<location id=\"no-imap\" rsc=\"vip-imap\" node=\"blade2\" score=\"-INFINITY\"/>"
        "<colocation id=\"mx-apart\" rsc=\"g-mx2\" with-rsc=\"g-mx1\" score=\"-INFINITY\"/>"
        "<colocation id=\"imap-ldap\" rsc=\"vip-imap\" with-rsc=\"vm-ldap\" score=\"INFINITY\"/>"
        "<order id=\"ldap-first\" first=\"vm-ldap\" then=\"g-webmail\"/>"
        "</constraints></bladed-config>";

static Config *config;

static void check(bool ok, const char *what) {
        if (!ok) {
                fprintf(stderr, "fuzz_status_xml: %s\n", what);
                abort();
        }
}

static bool same_snapshot(const Snapshot *a, const Snapshot *b) {
        if (a->n_blades != b->n_blades || a->quorate != b->quorate || a->now_ms != b->now_ms ||
            a->local != b->local || a->coordinator != b->coordinator)
                return false;
        for (size_t i = 0; i < a->n_blades; i++)
                if (strcmp(a->blades[i].name, b->blades[i].name) != 0 ||
                    a->blades[i].nodeid != b->blades[i].nodeid ||
                    a->blades[i].state != b->blades[i].state ||
                    a->blades[i].probed != b->blades[i].probed)
                        return false;
        for (size_t i = 0; i < config->n_resources * a->n_blades; i++) {
                const RscBlade *x = &a->rb[i], *y = &b->rb[i];
                if (x->role != y->role || x->banned != y->banned || x->failcount != y->failcount ||
                    x->last_failure_ms != y->last_failure_ms || x->last_rc != y->last_rc ||
                    !x->exit_reason != !y->exit_reason)
                        return false;
        }
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        DiagList diag = {0};
        Snapshot s, t;
        Plan *p = NULL;
        char *text = NULL, *doc = NULL;
        size_t len;
        int r;

        if (!config) {
                check(config_parse(mail_config, sizeof(mail_config) - 1, &config, &diag) == 0,
                      "the compiled-in configuration does not parse");
                diag_clear(&diag);
        }
        r = status_xml_read((const char *)data, size, config, &s, &diag);
        if (r == -ENOMEM)
                goto out;
        check(r == 0 || r == -EINVAL, "unexpected return value");
        check((r == 0) == (diag.n_errors == 0),
              "rejected without an error, or errors but accepted");
        diag_clear(&diag);
        if (r < 0)
                goto out;
        /* Only small clusters: the cost is in resources x blades. */
        if (s.n_blades > 64)
                goto done;

        r = scheduler_run(&s, &p);
        check(r == 0, "scheduler_run failed");
        for (size_t a = 0; a < p->n_actions; a++)
                for (size_t d = 0; d < p->actions[a].n_deps; d++)
                        check(p->actions[a].deps[d] < a, "a dependency points forwards");
        for (size_t i = 0; i < p->n_resources; i++) {
                size_t b = p->rsc[i].target;
                if (b == IDX_NONE || p->rsc[i].state != PLAN_RSC_RUNNING)
                        continue;
                check(b < s.n_blades, "target out of range");
                BladeState st = s.blades[b].state;
                check(st == BLADE_ONLINE || (st == BLADE_STANDBY && !s.quorate),
                      "a resource is placed on a blade that cannot hold it");
        }
        check(plan_format(&s, p, &text) == 0, "plan_format failed");
        check(status_xml_write_plan(&s, p, &doc, &len) == 0, "status_xml_write failed");
        r = status_xml_read(doc, len, config, &t, &diag);
        if (r != 0)
                diag_print(&diag, "written", stderr);
        check(r == 0, "the written document does not read back");
        check(same_snapshot(&s, &t), "round trip changed the snapshot");
        snapshot_done(&t);
done:
        snapshot_done(&s);
out:
        plan_free(p);
        free(text);
        free(doc);
        diag_clear(&diag);
        return 0;
}
