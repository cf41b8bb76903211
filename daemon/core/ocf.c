/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OCF exit codes, their meaning per action, agent environment and path. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/config.h"
#include "bladed/ocf.h"
#include "bladed/util.h"

const char *ocf_rc_name(int rc) {
        switch (rc) {
        case OCF_RC_SUCCESS:
                return "OCF_SUCCESS";
        case OCF_RC_ERR_GENERIC:
                return "OCF_ERR_GENERIC";
        case OCF_RC_ERR_ARGS:
                return "OCF_ERR_ARGS";
        case OCF_RC_ERR_UNIMPLEMENTED:
                return "OCF_ERR_UNIMPLEMENTED";
        case OCF_RC_ERR_PERM:
                return "OCF_ERR_PERM";
        case OCF_RC_ERR_INSTALLED:
                return "OCF_ERR_INSTALLED";
        case OCF_RC_ERR_CONFIGURED:
                return "OCF_ERR_CONFIGURED";
        case OCF_RC_NOT_RUNNING:
                return "OCF_NOT_RUNNING";
        case OCF_RC_RUNNING_PROMOTED:
                return "OCF_RUNNING_PROMOTED";
        case OCF_RC_FAILED_PROMOTED:
                return "OCF_FAILED_PROMOTED";
        case OCF_RC_DEGRADED:
                return "OCF_DEGRADED";
        case OCF_RC_DEGRADED_PROMOTED:
                return "OCF_DEGRADED_PROMOTED";
        default:
                return NULL;
        }
}

const char *ocf_rc_to_string(int rc) {
        switch (rc) {
        case OCF_RC_NO_RESULT:
                return "no result";
        case OCF_RC_SUCCESS:
                return "ok";
        case OCF_RC_ERR_GENERIC:
                return "error";
        case OCF_RC_ERR_ARGS:
                return "invalid parameter";
        case OCF_RC_ERR_UNIMPLEMENTED:
                return "unimplemented feature";
        case OCF_RC_ERR_PERM:
                return "insufficient privileges";
        case OCF_RC_ERR_INSTALLED:
                return "not installed";
        case OCF_RC_ERR_CONFIGURED:
                return "not configured";
        case OCF_RC_NOT_RUNNING:
                return "not running";
        case OCF_RC_RUNNING_PROMOTED:
                return "promoted";
        case OCF_RC_FAILED_PROMOTED:
                return "promoted (failed)";
        case OCF_RC_DEGRADED:
                return "degraded";
        case OCF_RC_DEGRADED_PROMOTED:
                return "promoted (degraded)";
        default:
                return "unknown";
        }
}

static const char *const action_verbs[_OCF_ACTION_MAX] = {
        [OCF_ACTION_PROBE] = "monitor",         [OCF_ACTION_MONITOR] = "monitor",
        [OCF_ACTION_START] = "start",           [OCF_ACTION_STOP] = "stop",
        [OCF_ACTION_MIGRATE_TO] = "migrate_to", [OCF_ACTION_MIGRATE_FROM] = "migrate_from",
        [OCF_ACTION_META_DATA] = "meta-data",   [OCF_ACTION_VALIDATE_ALL] = "validate-all",
};

const char *ocf_action_verb(OcfAction a) {
        if ((unsigned)a >= _OCF_ACTION_MAX)
                return NULL;
        return action_verbs[a];
}

const char *ocf_action_to_string(OcfAction a) {
        if (a == OCF_ACTION_PROBE)
                return "probe";
        return ocf_action_verb(a);
}

static const char *const outcome_names[_OCF_OUTCOME_MAX] = {
        [OCF_OUTCOME_DONE] = "done",
        [OCF_OUTCOME_RUNNING] = "running",
        [OCF_OUTCOME_STOPPED] = "stopped",
        [OCF_OUTCOME_CRASHED] = "crashed",
        [OCF_OUTCOME_FAILED_HERE] = "failed here",
        [OCF_OUTCOME_UNSUPPORTED] = "unsupported",
        [OCF_OUTCOME_SOFT_FAILURE] = "soft failure",
        [OCF_OUTCOME_HARD_FAILURE] = "hard failure",
        [OCF_OUTCOME_FATAL] = "fatal",
        [OCF_OUTCOME_STOP_FAILED] = "stop failed",
        [OCF_OUTCOME_MIGRATE_FAILED] = "migrate failed",
};

const char *ocf_outcome_to_string(OcfOutcome o) {
        if ((unsigned)o >= _OCF_OUTCOME_MAX)
                return "invalid";
        return outcome_names[o];
}

bool ocf_rc_is_degraded(int rc) {
        return rc == OCF_RC_DEGRADED || rc == OCF_RC_DEGRADED_PROMOTED;
}

/* Roles (8, 9, 191) are not supported: bladed never promotes, so an agent
 * reporting a promoted instance is in a state we did not ask for and is
 * treated like any other unexpected code. */
static OcfOutcome classify_probe(int rc) {
        switch (rc) {
        case OCF_RC_SUCCESS:
        case OCF_RC_DEGRADED:
                return OCF_OUTCOME_RUNNING; /* adopt: running here */
        case OCF_RC_NOT_RUNNING:
        case OCF_RC_ERR_ARGS:      /* a.5: cannot run here, therefore stopped */
        case OCF_RC_ERR_INSTALLED: /* (Pacemaker masks 2 and 5 on probes too) */
                return OCF_OUTCOME_STOPPED;
        case OCF_RC_ERR_CONFIGURED:
                /* Invalid everywhere: stopping it cluster-wide also stops it here. */
                return OCF_OUTCOME_FATAL;
        default:
                /* 1, other codes, timeout: unknown, maybe active: stop here first. */
                return OCF_OUTCOME_FAILED_HERE;
        }
}

static OcfOutcome classify_monitor(int rc) {
        switch (rc) {
        case OCF_RC_SUCCESS:
        case OCF_RC_DEGRADED:
                return OCF_OUTCOME_RUNNING;
        case OCF_RC_NOT_RUNNING:
                return OCF_OUTCOME_CRASHED;
        case OCF_RC_ERR_UNIMPLEMENTED:
                return OCF_OUTCOME_UNSUPPORTED;
        case OCF_RC_ERR_CONFIGURED:
                return OCF_OUTCOME_FATAL;
        default:
                /* 1 "running but broken", other codes, timeout. */
                return OCF_OUTCOME_FAILED_HERE;
        }
}

/* start, and the one-shot actions that are not stop/migrate. */
static OcfOutcome classify_one_shot(int rc) {
        switch (rc) {
        case OCF_RC_SUCCESS:
                return OCF_OUTCOME_DONE;
        case OCF_RC_ERR_ARGS:
        case OCF_RC_ERR_UNIMPLEMENTED: /* a.5: hard for one-shot ops */
        case OCF_RC_ERR_PERM:
        case OCF_RC_ERR_INSTALLED:
                return OCF_OUTCOME_HARD_FAILURE;
        case OCF_RC_ERR_CONFIGURED:
                return OCF_OUTCOME_FATAL;
        default:
                return OCF_OUTCOME_SOFT_FAILURE;
        }
}

OcfOutcome ocf_classify(OcfAction a, int rc) {
        switch (a) {
        case OCF_ACTION_PROBE:
                return classify_probe(rc);
        case OCF_ACTION_MONITOR:
                return classify_monitor(rc);
        case OCF_ACTION_STOP:
                /* a.5: 0 only.  Even 7 ("a stop must return 0, never 7") and a
                 * timeout mean the instance may be alive: fence before moving. */
                return rc == OCF_RC_SUCCESS ? OCF_OUTCOME_DONE : OCF_OUTCOME_STOP_FAILED;
        case OCF_ACTION_MIGRATE_TO:
        case OCF_ACTION_MIGRATE_FROM:
                /* a.5: never trust one exit code for where the VM is. */
                return rc == OCF_RC_SUCCESS ? OCF_OUTCOME_DONE : OCF_OUTCOME_MIGRATE_FAILED;
        case OCF_ACTION_START:
        case OCF_ACTION_META_DATA:
        case OCF_ACTION_VALIDATE_ALL:
        default:
                return classify_one_shot(rc);
        }
}

bool ocf_name_is_valid(const char *s) {
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        if (n == 0 || n > 255)
                return false;
        if (strchr(s, '/') || strstr(s, ".."))
                return false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

bool ocf_param_name_is_valid(const char *s) {
        if (!s || !*s)
                return false;
        for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '_'))
                        return false;
        /* OCF_RESKEY_CRM_meta_* is how the manager passes op properties; a
         * parameter there would shadow or fake them. */
        return strncmp(s, "CRM_meta_", 9) != 0;
}

int ocf_agent_path(const char *ocf_root, const char *provider, const char *type, char **ret) {
        char *p;

        if (!ocf_root || ocf_root[0] != '/')
                return -EINVAL;
        if (!ocf_name_is_valid(provider) || !ocf_name_is_valid(type))
                return -EINVAL;
        if (asprintf(&p, "%s/resource.d/%s/%s", ocf_root, provider, type) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}

char **ocf_env_free(char **env) {
        if (!env)
                return NULL;
        for (char **p = env; *p; p++)
                free(*p);
        free(env);
        return NULL;
}

size_t ocf_env_count(char *const *env) {
        size_t n = 0;

        while (env && env[n])
                n++;
        return n;
}

typedef struct EnvBuilder {
        char **v;
        size_t n, cap;
        int error;
} EnvBuilder;

static void env_add(EnvBuilder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void env_add(EnvBuilder *b, const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        if (b->error)
                return;
        if (b->n + 2 > b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 16;
                char **v = realloc(b->v, cap * sizeof(*v));
                if (!v) {
                        b->error = -ENOMEM;
                        return;
                }
                b->v = v;
                b->cap = cap;
        }
        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0) {
                b->error = -ENOMEM;
                return;
        }
        b->v[b->n++] = s;
        b->v[b->n] = NULL;
}

int ocf_env_build(const OcfCall *c, char ***ret, const char **ret_bad) {
        EnvBuilder b = {0};
        const char *provider, *type, *verb;
        uint64_t interval_ms = 0, timeout_ms = CONFIG_DEFAULT_OP_TIMEOUT_MS;

        if (ret_bad)
                *ret_bad = NULL;
        verb = ocf_action_verb(c->action);
        if (!verb || !c->ocf_root || c->ocf_root[0] != '/')
                return -EINVAL;
        if (!c->rsc && c->action != OCF_ACTION_META_DATA)
                return -EINVAL;
        provider = c->rsc ? c->rsc->agent_provider : c->provider;
        type = c->rsc ? c->rsc->agent_type : c->type;
        if (!ocf_name_is_valid(provider) || !ocf_name_is_valid(type))
                return -EINVAL;
        if (c->rsc && c->action != OCF_ACTION_META_DATA)
                for (size_t i = 0; i < c->rsc->n_params; i++)
                        if (!ocf_param_name_is_valid(c->rsc->params[i].name)) {
                                if (ret_bad)
                                        *ret_bad = c->rsc->params[i].name;
                                return -EINVAL;
                        }
        if (c->op) {
                interval_ms = c->op->interval_ms;
                if (c->op->timeout_ms > 0)
                        timeout_ms = c->op->timeout_ms;
        }
        /* A.3: a probe is a monitor with interval 0, whatever op it borrows
         * its timeout from; only a recurring monitor has an interval. */
        if (c->action != OCF_ACTION_MONITOR)
                interval_ms = 0;

        env_add(&b, "PATH=%s", OCF_AGENT_PATH);
        env_add(&b, "OCF_ROOT=%s", c->ocf_root);
        env_add(&b, "OCF_RA_VERSION_MAJOR=%d", OCF_RA_VERSION_MAJOR);
        env_add(&b, "OCF_RA_VERSION_MINOR=%d", OCF_RA_VERSION_MINOR);
        if (c->rsc && c->action != OCF_ACTION_META_DATA)
                env_add(&b, "OCF_RESOURCE_INSTANCE=%s", c->rsc->id);
        env_add(&b, "OCF_RESOURCE_TYPE=%s", type);
        env_add(&b, "OCF_RESOURCE_PROVIDER=%s", provider);
        if (c->rsc && c->action != OCF_ACTION_META_DATA)
                for (size_t i = 0; i < c->rsc->n_params; i++)
                        env_add(&b, "OCF_RESKEY_%s=%s", c->rsc->params[i].name,
                                c->rsc->params[i].value ? c->rsc->params[i].value : "");
        env_add(&b, "OCF_RESKEY_CRM_meta_name=%s", verb);
        env_add(&b, "OCF_RESKEY_CRM_meta_interval=%" PRIu64, interval_ms);
        env_add(&b, "OCF_RESKEY_CRM_meta_timeout=%" PRIu64, timeout_ms);
        if (c->node)
                env_add(&b, "OCF_RESKEY_CRM_meta_on_node=%s", c->node);
        if (c->action == OCF_ACTION_MIGRATE_TO || c->action == OCF_ACTION_MIGRATE_FROM) {
                if (c->migrate_source)
                        env_add(&b, "OCF_RESKEY_CRM_meta_migrate_source=%s", c->migrate_source);
                if (c->migrate_target)
                        env_add(&b, "OCF_RESKEY_CRM_meta_migrate_target=%s", c->migrate_target);
        }
        if (b.error) {
                if (b.v)
                        b.v[b.n] = NULL;
                ocf_env_free(b.v);
                return b.error;
        }
        *ret = b.v;
        return 0;
}

int ocf_exit_reason_parse(const char *buf, size_t len, char **ret) {
        const size_t plen = strlen(OCF_EXIT_REASON_PREFIX);
        const char *found = NULL, *found_end = NULL;
        size_t pos = 0;
        char *out;
        size_t n;

        if (!buf)
                return -ENOENT;
        /* Line by line; the last line carrying the prefix wins (an agent may
         * say why twice, the later one is closer to the exit). */
        while (pos < len) {
                const char *line = buf + pos;
                const char *nl = memchr(line, '\n', len - pos);
                size_t llen = nl ? (size_t)(nl - line) : len - pos;

                for (size_t i = 0; i + plen <= llen; i++)
                        if (memcmp(line + i, OCF_EXIT_REASON_PREFIX, plen) == 0) {
                                found = line + i + plen;
                                found_end = line + llen;
                                break;
                        }
                pos += llen + 1;
        }
        if (!found)
                return -ENOENT;
        while (found < found_end && (*found == ' ' || *found == '\t'))
                found++;
        while (found_end > found &&
               (found_end[-1] == ' ' || found_end[-1] == '\t' || found_end[-1] == '\r'))
                found_end--;
        n = (size_t)(found_end - found);
        if (n == 0)
                return -ENOENT;
        if (n > OCF_EXIT_REASON_MAX)
                n = OCF_EXIT_REASON_MAX;
        out = malloc(n + 1);
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)found[i];
                /* The reason goes to status, the journal and the wire. */
                out[i] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch;
        }
        out[n] = '\0';
        *ret = out;
        return 0;
}
