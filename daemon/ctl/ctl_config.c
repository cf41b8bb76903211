/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctl.h"

int ctl_config_validate(int argc, char **argv, const CtlOptions *o) {
        return ctl_not_implemented("config validate");
}
