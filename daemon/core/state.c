/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/state.h"
#include "bladed/util.h"

static const char *const blade_state_names[_BLADE_STATE_MAX] = {
        [BLADE_ONLINE] = "online", [BLADE_STANDBY] = "standby", [BLADE_OFFLINE] = "offline",
        [BLADE_LOST] = "lost",     [BLADE_FENCED] = "fenced",
};

static const char *const rsc_role_names[_RSC_ROLE_MAX] = {
        [RSC_UNKNOWN] = "unknown", [RSC_STOPPED] = "stopped",         [RSC_STARTED] = "started",
        [RSC_FAILED] = "failed",   [RSC_STOP_FAILED] = "stop-failed", [RSC_MIGRATING] = "migrating",
};

int snapshot_init(Snapshot *s, const Config *config, const char *const *blade_names,
                  const uint32_t *nodeids, size_t n_blades) {
        size_t n_rsc = config ? config->n_resources : 0;

        *s = (Snapshot){.config = config, .local = IDX_NONE, .coordinator = IDX_NONE};
        s->blades = calloc(n_blades ? n_blades : 1, sizeof(Blade));
        s->rb = calloc(n_rsc * n_blades > 0 ? n_rsc * n_blades : 1, sizeof(RscBlade));
        if (!s->blades || !s->rb)
                goto oom;
        s->n_blades = n_blades;
        for (size_t i = 0; i < n_blades; i++) {
                s->blades[i] = (Blade){.name = strdup(blade_names[i]),
                                       .nodeid = nodeids ? nodeids[i] : (uint32_t)i + 1,
                                       .state = BLADE_OFFLINE};
                if (!s->blades[i].name)
                        goto oom;
        }
        for (size_t i = 0; i < n_rsc * n_blades; i++)
                s->rb[i].last_rc = -1;
        return 0;
oom:
        snapshot_done(s);
        return -ENOMEM;
}

void snapshot_done(Snapshot *s) {
        if (!s)
                return;
        size_t n_rsc = s->config ? s->config->n_resources : 0;
        if (s->rb)
                for (size_t i = 0; i < n_rsc * s->n_blades; i++)
                        free(s->rb[i].exit_reason);
        free(s->rb);
        if (s->blades)
                for (size_t i = 0; i < s->n_blades; i++)
                        free(s->blades[i].name);
        free(s->blades);
        *s = (Snapshot){.local = IDX_NONE, .coordinator = IDX_NONE};
}

size_t snapshot_find_blade(const Snapshot *s, const char *name) {
        for (size_t i = 0; i < s->n_blades; i++)
                if (strcmp(s->blades[i].name, name) == 0)
                        return i;
        return IDX_NONE;
}

const char *blade_state_to_string(BladeState st) {
        return st < _BLADE_STATE_MAX ? blade_state_names[st] : "invalid";
}

int blade_state_from_string(const char *str) {
        for (int i = 0; i < _BLADE_STATE_MAX; i++)
                if (strcmp(blade_state_names[i], str) == 0)
                        return i;
        return -EINVAL;
}

const char *rsc_role_to_string(RscRole r) {
        return r < _RSC_ROLE_MAX ? rsc_role_names[r] : "invalid";
}

int rsc_role_from_string(const char *str) {
        for (int i = 0; i < _RSC_ROLE_MAX; i++)
                if (strcmp(rsc_role_names[i], str) == 0)
                        return i;
        return -EINVAL;
}
