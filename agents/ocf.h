/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every C agent of provider "bladed" shares: OCF exit codes, reading
 * the environment an OCF resource manager builds, the exit reason line,
 * meta-data printing and the action dispatch (reference section a).
 * Parsers return 0 or a negative errno:
 *   -EINVAL  not the expected syntax
 *   -ERANGE  syntax fine, value out of range
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* OCF RA API 1.1 exit codes (reference a.5). */
enum {
        OCF_SUCCESS = 0,
        OCF_ERR_GENERIC = 1,
        OCF_ERR_ARGS = 2, /* invalid on this host: ban this blade */
        OCF_ERR_UNIMPLEMENTED = 3,
        OCF_ERR_PERM = 4,
        OCF_ERR_INSTALLED = 5,
        OCF_ERR_CONFIGURED = 6, /* invalid everywhere: never start */
        OCF_NOT_RUNNING = 7,    /* monitor only: cleanly stopped */
};

typedef struct {
        const char *name;
        const char *shortdesc;
        const char *longdesc;
        const char *type;    /* "string", "integer", "boolean" or "select" */
        const char *def;     /* default shown in meta-data, NULL = none */
        const char *options; /* select: values separated by '|' */
        bool required;
        bool unique; /* printed as unique-group="<name>" */
} OcfParam;

typedef struct {
        const char *name;
        const char *timeout;
        const char *interval; /* NULL = not printed */
        const char *depth;    /* NULL = not printed */
} OcfAction;

typedef struct OcfAgent OcfAgent;
typedef int (*OcfActionFunc)(const OcfAgent *agent, const char *action);

typedef struct {
        const char *name;
        OcfActionFunc func;
} OcfHandler;

struct OcfAgent {
        const char *name;    /* type, = file name */
        const char *version; /* agent version */
        const char *shortdesc;
        const char *longdesc;
        const OcfParam *params;
        unsigned n_params;
        const OcfAction *actions;
        unsigned n_actions;
        const OcfHandler *handlers;
        unsigned n_handlers;
};

/* OCF_RESKEY_<name>; an empty value counts as unset (NULL). */
const char *ocf_param(const char *name);

/* Like ocf_param but falls back to the default declared in agent->params. */
const char *ocf_param_or_default(const OcfAgent *agent, const char *name);

/* Writes "<OCF_EXIT_REASON_PREFIX or ocf-exit-reason:>message\n" on stderr. */
void ocf_exit_reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Informational line on stderr (no prefix: not an exit reason). */
void ocf_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* OCF: a monitor with OCF_RESKEY_CRM_meta_interval absent or 0 is a probe. */
bool ocf_is_probe(void);

/* OCF_RESKEY_CRM_meta_timeout in ms, or def when absent or malformed. */
uint64_t ocf_op_timeout_ms(uint64_t def);

/* Decimal in [min, max]. */
int ocf_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* 1/0, true/false, yes/no, on/off (case-insensitive). */
int ocf_parse_bool(const char *s, bool *ret);

/* Meta-data XML on stdout (OCF 1.1 shape, reference a.6). */
void ocf_print_meta_data(const OcfAgent *agent);

/* Runs argv[1] (further arguments are ignored, as OCF says): meta-data and
 * usage/help are built in; everything else goes to agent->handlers;
 * an unknown action returns OCF_ERR_UNIMPLEMENTED.  Returns the exit code. */
int ocf_run(const OcfAgent *agent, int argc, char **argv);

/* Current CLOCK_MONOTONIC in ms. */
uint64_t ocf_now_ms(void);
