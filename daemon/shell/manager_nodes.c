/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hot-add and hot-remove: placeholder until issue 6 lands them. */
#include "manager.h"

int manager_nodes_add(Manager *m, uint64_t id, const char *name, const char *ip, int number) {
        (void)name;
        (void)ip;
        (void)number;
        control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0,
                      "node add is not implemented yet");
        return 0;
}

int manager_nodes_remove(Manager *m, uint64_t id, const char *name) {
        (void)name;
        control_reply(&m->control, id, CTL_STATUS_FAILED, NULL, 0,
                      "node remove is not implemented yet");
        return 0;
}
