/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl.h"

int ctl_nodes_validate(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("nodes validate");
}

int ctl_nodes_corosync(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("nodes corosync");
}
