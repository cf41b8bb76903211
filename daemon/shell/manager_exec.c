/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The executor: placeholder until the executor lands (issue 5). */
#include <errno.h>

#include "manager.h"

int manager_exec_cleanup(Manager *m, const char *rsc, const char *node, const char **why) {
        (void)m;
        (void)rsc;
        (void)node;
        *why = "cleanup is not implemented yet";
        return -EOPNOTSUPP;
}

int manager_exec_fence_admin(Manager *m, uint64_t id, const char *node, bool status_only) {
        (void)node;
        (void)status_only;
        control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0,
                      "fencing is not implemented yet");
        return 0;
}
