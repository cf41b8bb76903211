/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl.h"

int ctl_status(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("status");
}

int ctl_config_show(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("config show");
}

int ctl_config_load(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("config load");
}

int ctl_migrate(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("migrate");
}

int ctl_unmigrate(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("unmigrate");
}

int ctl_standby(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("standby");
}

int ctl_online(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("online");
}

int ctl_maintenance(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("maintenance");
}

int ctl_cleanup(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("cleanup");
}

int ctl_node_add(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("node add");
}

int ctl_node_remove(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("node remove");
}

int ctl_fence(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("fence");
}

int ctl_check(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("check");
}
