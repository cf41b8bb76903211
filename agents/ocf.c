/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ocf.h"

const char *ocf_param(const char *name) {
        char key[128];
        const char *v;

        if (snprintf(key, sizeof(key), "OCF_RESKEY_%s", name) >= (int)sizeof(key))
                return NULL;
        v = getenv(key);
        return v && *v ? v : NULL;
}

const char *ocf_param_or_default(const OcfAgent *agent, const char *name) {
        const char *v = ocf_param(name);

        if (v)
                return v;
        for (unsigned i = 0; i < agent->n_params; i++)
                if (strcmp(agent->params[i].name, name) == 0)
                        return agent->params[i].def;
        return NULL;
}

static void vlog_line(const char *prefix, const char *fmt, va_list ap) {
        char buf[1024];

        /* One write per line so concurrent agents never interleave mid-line. */
        vsnprintf(buf, sizeof(buf), fmt, ap);
        for (char *p = buf; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        fprintf(stderr, "%s%s\n", prefix, buf);
        fflush(stderr);
}

void ocf_exit_reason(const char *fmt, ...) {
        const char *prefix = getenv("OCF_EXIT_REASON_PREFIX");
        va_list ap;

        va_start(ap, fmt);
        vlog_line(prefix && *prefix ? prefix : "ocf-exit-reason:", fmt, ap);
        va_end(ap);
}

void ocf_log(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vlog_line("", fmt, ap);
        va_end(ap);
}

int ocf_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t)(*p - '0');
        }
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int ocf_parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = {"1", "true", "yes", "on"};
        static const char *const no[] = {"0", "false", "no", "off"};

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < 4; i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

bool ocf_is_probe(void) {
        const char *v = getenv("OCF_RESKEY_CRM_meta_interval");
        uint64_t ms;

        return !v || !*v || (ocf_parse_uint(v, 0, UINT64_MAX, &ms) == 0 && ms == 0);
}

uint64_t ocf_op_timeout_ms(uint64_t def) {
        uint64_t ms;

        if (ocf_parse_uint(getenv("OCF_RESKEY_CRM_meta_timeout"), 1, UINT64_MAX, &ms) < 0)
                return def;
        return ms;
}

uint64_t ocf_now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void put_escaped(const char *s) {
        for (; s && *s; s++)
                switch (*s) {
                case '<':
                        fputs("&lt;", stdout);
                        break;
                case '>':
                        fputs("&gt;", stdout);
                        break;
                case '&':
                        fputs("&amp;", stdout);
                        break;
                case '"':
                        fputs("&quot;", stdout);
                        break;
                default:
                        putchar(*s);
                }
}

static void put_desc(const char *indent, const char *tag, const char *text) {
        printf("%s<%s lang=\"en\">", indent, tag);
        put_escaped(text);
        printf("</%s>\n", tag);
}

static void put_param(const OcfParam *p) {
        printf("    <parameter name=\"%s\"", p->name);
        if (p->unique)
                printf(" unique-group=\"%s\"", p->name);
        printf(" required=\"%d\">\n", p->required ? 1 : 0);
        put_desc("      ", "longdesc", p->longdesc);
        put_desc("      ", "shortdesc", p->shortdesc);
        printf("      <content type=\"%s\"", p->type);
        if (p->def) {
                fputs(" default=\"", stdout);
                put_escaped(p->def);
                putchar('"');
        }
        if (!p->options) {
                puts("/>");
        } else {
                puts(">");
                for (const char *o = p->options; *o;) {
                        size_t n = strcspn(o, "|");
                        printf("        <option value=\"%.*s\"/>\n", (int)n, o);
                        o += n;
                        if (*o == '|')
                                o++;
                }
                puts("      </content>");
        }
        puts("    </parameter>");
}

void ocf_print_meta_data(const OcfAgent *agent) {
        printf("<?xml version=\"1.0\"?>\n"
               "<resource-agent name=\"%s\" version=\"%s\">\n"
               "  <version>1.1</version>\n",
               agent->name, agent->version);
        put_desc("  ", "longdesc", agent->longdesc);
        put_desc("  ", "shortdesc", agent->shortdesc);
        puts("  <parameters>");
        for (unsigned i = 0; i < agent->n_params; i++)
                put_param(&agent->params[i]);
        puts("  </parameters>\n  <actions>");
        for (unsigned i = 0; i < agent->n_actions; i++) {
                const OcfAction *a = &agent->actions[i];
                printf("    <action name=\"%s\" timeout=\"%s\"", a->name, a->timeout);
                if (a->interval)
                        printf(" interval=\"%s\"", a->interval);
                if (a->depth)
                        printf(" depth=\"%s\"", a->depth);
                puts("/>");
        }
        puts("  </actions>\n</resource-agent>");
}

static void usage(const OcfAgent *agent, FILE *out) {
        fprintf(out, "usage: %s {", agent->name);
        for (unsigned i = 0; i < agent->n_handlers; i++)
                fprintf(out, "%s|", agent->handlers[i].name);
        fprintf(out, "meta-data|usage|help}\n"
                     "Parameters come from OCF_RESKEY_* environment variables; "
                     "see meta-data.\n");
}

int ocf_run(const OcfAgent *agent, int argc, char **argv) {
        const char *action = argc > 1 ? argv[1] : NULL;

        if (!action) {
                usage(agent, stderr);
                return OCF_ERR_ARGS;
        }
        if (strcmp(action, "meta-data") == 0) {
                ocf_print_meta_data(agent);
                return fflush(stdout) == 0 ? OCF_SUCCESS : OCF_ERR_GENERIC;
        }
        if (strcmp(action, "usage") == 0 || strcmp(action, "help") == 0) {
                usage(agent, stdout);
                return OCF_SUCCESS;
        }
        for (unsigned i = 0; i < agent->n_handlers; i++)
                if (strcmp(action, agent->handlers[i].name) == 0)
                        return agent->handlers[i].func(agent, action);
        /* OCF: an unsupported action still yields a defined code. */
        ocf_exit_reason("action '%.64s' is not implemented by %s", action, agent->name);
        return OCF_ERR_UNIMPLEMENTED;
}
