/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fence agents, the pure part: names, the stdin text, exit codes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bladed/fence.h"

static const char *const actions[] = {"off", "on", "reboot", "status", "monitor", "metadata"};

static bool is_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

bool fence_action_is_valid(const char *action) {
        if (!action)
                return false;
        for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
                if (strcmp(action, actions[i]) == 0)
                        return true;
        return false;
}

bool fence_agent_is_valid(const char *agent) {
        size_t len;

        if (!agent)
                return false;
        len = strlen(agent);
        if (len == 0 || len > FENCE_AGENT_MAX)
                return false;
        if (strncmp(agent, "fence_", 6) == 0) {
                if (!agent[6])
                        return false;
                for (const char *p = agent + 6; *p; p++)
                        if (!is_alnum(*p) && *p != '_' && *p != '-')
                                return false;
                return true;
        }
        if (agent[0] != '/' || !agent[1])
                return false;
        for (const char *p = agent; *p; p++)
                if (!is_alnum(*p) && !strchr("_.+/-", *p))
                        return false;
        /* The schema allows "..": a path that climbs out of where the admin
         * looked is refused here rather than run. */
        for (const char *p = agent; (p = strstr(p, "/..")); p += 3)
                if (p[3] == '/' || p[3] == '\0')
                        return false;
        return true;
}

bool fence_victim_is_valid(const char *name) {
        size_t len;

        if (!name)
                return false;
        len = strlen(name);
        if (len == 0 || len > 64 || !is_alnum(name[0]))
                return false;
        for (const char *p = name; *p; p++)
                if (!is_alnum(*p) && !strchr("_.-", *p))
                        return false;
        return true;
}

/* name with '-' read as '_' equals want (the agents' own rule). */
static bool name_is(const char *name, const char *want) {
        for (; *name && *want; name++, want++)
                if (*name != *want && !(*name == '-' && *want == '_'))
                        return false;
        return *name == '\0' && *want == '\0';
}

int fence_param_check(const char *name, const char *value, const char **ret_why) {
        const char *why = NULL;
        size_t len = name ? strlen(name) : 0;

        if (!name || len == 0 || len > FENCE_PARAM_NAME_MAX ||
            !(is_alnum(name[0]) || name[0] == '_') || (name[0] >= '0' && name[0] <= '9'))
                why = "name must be 1-64 of A-Z a-z 0-9 _ -, not starting with a digit or -";
        for (const char *p = name; !why && *p; p++)
                if (!is_alnum(*p) && *p != '_' && *p != '-')
                        why = "name must be 1-64 of A-Z a-z 0-9 _ -, not starting with a digit or "
                              "-";
        if (!why &&
            (name_is(name, "action") || name_is(name, "option") || name_is(name, "nodename")))
                why = "bladed sets this parameter itself for each call";
        if (!why && !value)
                why = "no value";
        if (!why && strpbrk(value, "\n\r"))
                why = "the value holds a line break, which a fence agent cannot read";
        if (!why && value[0] && (is_blank(value[0]) || is_blank(value[strlen(value) - 1])))
                why = "the value starts or ends with a blank, which a fence agent strips";
        if (ret_why)
                *ret_why = why;
        return why ? -EINVAL : 0;
}

bool fence_device_sets_plug(const FenceDevice *dev) {
        for (size_t i = 0; dev && i < dev->n_params; i++)
                if (dev->params[i].name && (strcmp(dev->params[i].name, "plug") == 0 ||
                                            strcmp(dev->params[i].name, "port") == 0))
                        return true;
        return false;
}

typedef struct Text {
        char *buf;
        size_t len, cap;
} Text;

static int text_line(Text *t, const char *name, const char *value) {
        size_t n = strlen(name) + 1 + strlen(value) + 1;

        if (t->len + n > FENCE_STDIN_MAX)
                return -E2BIG;
        if (t->len + n + 1 > t->cap) {
                size_t cap = (t->len + n + 1) * 2;
                char *b = realloc(t->buf, cap);
                if (!b)
                        return -ENOMEM;
                t->buf = b;
                t->cap = cap;
        }
        t->len += (size_t)snprintf(t->buf + t->len, t->cap - t->len, "%s=%s\n", name, value);
        return 0;
}

int fence_stdin_build(const FenceDevice *dev, const char *action, const char *victim, char **ret,
                      size_t *ret_len, const char **ret_bad, const char **ret_why) {
        Text t = {0};
        const char *why = NULL, *bad = NULL;
        int k = -EINVAL;

        if (!dev)
                why = "no fence device";
        else if (!fence_action_is_valid(action))
                why = "unknown action (off, on, reboot, status, monitor or metadata)";
        else if (!fence_victim_is_valid(victim))
                why = "the victim is not a valid blade name";
        for (size_t i = 0; !why && i < dev->n_params; i++)
                if (fence_param_check(dev->params[i].name, dev->params[i].value, &why) < 0)
                        bad = dev->params[i].name;
        if (why)
                goto out;
        k = text_line(&t, "action", action);
        if (k >= 0)
                k = text_line(&t, "nodename", victim);
        for (size_t i = 0; k >= 0 && i < dev->n_params; i++)
                k = text_line(&t, dev->params[i].name, dev->params[i].value);
        if (k >= 0 && !fence_device_sets_plug(dev))
                k = text_line(&t, "plug", victim);
        if (k == -E2BIG)
                why = "the parameters exceed 64 KiB";
        if (k < 0)
                goto out;
        if (!t.buf) { /* cannot happen: action= is always there */
                k = -EINVAL;
                goto out;
        }
        *ret = t.buf;
        *ret_len = t.len;
        t.buf = NULL;
        k = 0;
out:
        free(t.buf);
        if (ret_bad)
                *ret_bad = bad;
        if (ret_why)
                *ret_why = why;
        return k;
}

bool fence_exit_is_success(const char *action, int exit_code, FencePower *ret_power) {
        FencePower p = FENCE_POWER_UNKNOWN;
        bool ok = exit_code == 0;

        if (!action)
                ok = false;
        else if (strcmp(action, "status") == 0 || strcmp(action, "monitor") == 0) {
                /* ref b.2: 0 on, 2 off; for monitor 2 is "single plug off". */
                ok = exit_code == 0 || exit_code == 2;
                if (strcmp(action, "status") == 0 || exit_code == 2)
                        p = exit_code == 0   ? FENCE_POWER_ON
                            : exit_code == 2 ? FENCE_POWER_OFF
                                             : FENCE_POWER_UNKNOWN;
        } else if (ok && strcmp(action, "off") == 0)
                p = FENCE_POWER_OFF;
        else if (ok && (strcmp(action, "on") == 0 || strcmp(action, "reboot") == 0))
                p = FENCE_POWER_ON;
        if (ret_power)
                *ret_power = p;
        return ok;
}

int fence_message_parse(const char *buf, size_t len, char **ret) {
        size_t end = len, start, n;
        char *s;

        for (;;) {
                while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == '\r' ||
                                   is_blank(buf[end - 1]) || buf[end - 1] == '\0'))
                        end--;
                if (end == 0)
                        return -ENOENT;
                start = end;
                while (start > 0 && buf[start - 1] != '\n' && buf[start - 1] != '\r')
                        start--;
                while (start < end && (is_blank(buf[start]) || buf[start] == '\0'))
                        start++;
                if (start < end)
                        break;
                end = start;
        }
        n = end - start;
        if (n > FENCE_MESSAGE_MAX)
                n = FENCE_MESSAGE_MAX;
        s = malloc(n + 1);
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)buf[start + i];
                s[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
        }
        s[n] = '\0';
        *ret = s;
        return 0;
}

const char *fence_power_to_string(FencePower p) {
        switch (p) {
        case FENCE_POWER_ON:
                return "on";
        case FENCE_POWER_OFF:
                return "off";
        default:
                return "unknown";
        }
}
