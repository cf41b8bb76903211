/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ocf:bladed:mailcheck - is a mail service answering?  Connects to
 * SMTP, IMAP or POP3 (plain, implicit TLS or STARTTLS), reads the
 * greeting, upgrades where asked, and says goodbye; every wait ends at one
 * deadline.
 *
 * The resource is monitor-only: it runs nothing.  start checks the service
 * (retrying within the operation's timeout) and records "started" in a
 * state file; stop removes the file; monitor returns 7 without the file,
 * as OCF requires after a stop, and checks the service with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mailconn.h"
#include "mailproto.h"
#include "ocf.h"

#define DEFAULT_STATE_DIR "/run/resource-agents"
#define TIMEOUT_MAX_MS 3600000

typedef struct {
        const char *host;
        const MailProtocol *proto;
        uint16_t port;
        uint64_t timeout_ms;
        bool tls_verify;
        const char *tls_ca_file;
        const char *tls_server_name;
        const char *expect;
        const char *helo_name;
        char state_path[512];
} MailConfig;

static const OcfParam mail_params[] = {
        {.name = "host",
         .required = true,
         .type = "string",
         .shortdesc = "Server address",
         .longdesc = "Address (or name) of the mail service, usually its virtual IP."},
        {.name = "protocol",
         .type = "select",
         .def = "smtp",
         .options = "smtp|smtps|smtp-starttls|imap|imaps|imap-starttls|pop3|pop3s|pop3-stls",
         .shortdesc = "Protocol",
         .longdesc = "What to speak: smtp (220 greeting), smtps (TLS, then 220), "
                     "smtp-starttls (220, EHLO, STARTTLS, TLS, EHLO), imap (* OK), imaps, "
                     "imap-starttls, pop3 (+OK), pop3s, pop3-stls."},
        {.name = "port",
         .type = "integer",
         .shortdesc = "TCP port",
         .longdesc = "TCP port; default by protocol: 25, 465, 143, 993, 110, 995."},
        {.name = "timeout",
         .type = "integer",
         .def = "5000",
         .shortdesc = "Check timeout (ms)",
         .longdesc = "Milliseconds one check may take in all: lookup, connect, TLS and "
                     "replies. Also capped at 90% of the operation timeout."},
        {.name = "tls_verify",
         .type = "boolean",
         .def = "false",
         .shortdesc = "Verify the certificate",
         .longdesc = "Verify the server's certificate chain and name. Off by default "
                     "because blade services often use self-signed certificates; the "
                     "handshake itself is always checked."},
        {.name = "tls_ca_file",
         .type = "string",
         .shortdesc = "CA file",
         .longdesc = "PEM file of trusted CAs for tls_verify; default: the system store."},
        {.name = "tls_server_name",
         .type = "string",
         .shortdesc = "TLS server name",
         .longdesc = "Name sent as SNI and verified with tls_verify; default: host."},
        {.name = "expect",
         .type = "string",
         .shortdesc = "Expected greeting text",
         .longdesc = "A substring the greeting must contain (e.g. the server's name), "
                     "to catch another service answering on the address."},
        {.name = "helo_name",
         .type = "string",
         .def = "mailcheck.invalid",
         .shortdesc = "EHLO name",
         .longdesc = "Name given in EHLO for smtp-starttls."},
        {.name = "state_dir",
         .type = "string",
         .shortdesc = "State directory",
         .longdesc = "Where the started marker lives; default $HA_RSCTMP or "
                     "/run/resource-agents (a tmpfs, so a reboot means stopped)."},
};

static const OcfAction mail_actions[] = {
        {"start", "30s", NULL, NULL},    {"stop", "10s", NULL, NULL},
        {"monitor", "20s", "10s", "0"},  {"validate-all", "10s", NULL, NULL},
        {"meta-data", "5s", NULL, NULL},
};

/* Instance names may come from the admin: keep the file name tame. */
static void state_name(char *buf, size_t size, const char *s) {
        size_t i = 0;

        for (; s[i] && i + 1 < size; i++) {
                char ch = s[i];
                buf[i] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                                         (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
                                         ch == '_' || ch == ':'
                                 ? ch
                                 : '_';
        }
        buf[i] = 0;
}

static int parse_config(const OcfAgent *agent, MailConfig *cfg) {
        const char *v, *dir, *inst;
        char name[200], fallback[200];
        uint64_t n;

        *cfg = (MailConfig){0};
        cfg->host = ocf_param("host");
        if (!cfg->host) {
                ocf_exit_reason("parameter host is required");
                return OCF_ERR_CONFIGURED;
        }
        v = ocf_param_or_default(agent, "protocol");
        cfg->proto = mail_protocol_find(v);
        if (!cfg->proto) {
                ocf_exit_reason("protocol '%.32s' is not one of %s", v, mail_protocol_names());
                return OCF_ERR_CONFIGURED;
        }
        cfg->port = cfg->proto->port;
        if ((v = ocf_param("port"))) {
                if (ocf_parse_uint(v, 1, 65535, &n) < 0) {
                        ocf_exit_reason("port '%.32s' is not a TCP port", v);
                        return OCF_ERR_CONFIGURED;
                }
                cfg->port = (uint16_t)n;
        }
        v = ocf_param_or_default(agent, "timeout");
        if (ocf_parse_uint(v, 1, TIMEOUT_MAX_MS, &cfg->timeout_ms) < 0) {
                ocf_exit_reason("timeout '%.32s' is not a number of ms 1-%d", v, TIMEOUT_MAX_MS);
                return OCF_ERR_CONFIGURED;
        }
        v = ocf_param_or_default(agent, "tls_verify");
        if (ocf_parse_bool(v, &cfg->tls_verify) < 0) {
                ocf_exit_reason("tls_verify '%.32s' is not a boolean", v);
                return OCF_ERR_CONFIGURED;
        }
        cfg->tls_ca_file = ocf_param("tls_ca_file");
        cfg->tls_server_name = ocf_param("tls_server_name");
        if (!cfg->tls_server_name)
                cfg->tls_server_name = cfg->host;
        cfg->expect = ocf_param("expect");
        cfg->helo_name = ocf_param_or_default(agent, "helo_name");
        if (strpbrk(cfg->helo_name, " \r\n")) {
                ocf_exit_reason("helo_name must be one word");
                return OCF_ERR_CONFIGURED;
        }
        dir = ocf_param("state_dir");
        if (!dir)
                dir = getenv("HA_RSCTMP");
        if (!dir || !*dir)
                dir = DEFAULT_STATE_DIR;
        inst = getenv("OCF_RESOURCE_INSTANCE");
        if (!inst || !*inst) {
                snprintf(fallback, sizeof(fallback), "%s-%s-%u", cfg->proto->name, cfg->host,
                         cfg->port);
                inst = fallback;
        }
        state_name(name, sizeof(name), inst);
        if (snprintf(cfg->state_path, sizeof(cfg->state_path), "%s/mailcheck-%s", dir, name) >=
            (int)sizeof(cfg->state_path)) {
                ocf_exit_reason("state_dir is too long");
                return OCF_ERR_CONFIGURED;
        }
        return OCF_SUCCESS;
}

static int parse_reply(MailFamily family, const char *line, int smtp_want, const char *tag) {
        switch (family) {
        case MAIL_SMTP:
                return mail_parse_smtp(line, smtp_want);
        case MAIL_IMAP:
                return mail_parse_imap(line, tag);
        case MAIL_POP3:
                return mail_parse_pop3(line);
        }
        return -EBADMSG;
}

/* Reads one whole reply.  greeting (may be NULL) collects its text for
 * the expect check; starttls_seen is set when EHLO offers STARTTLS. */
static int read_reply(MailConn *c, MailFamily family, int smtp_want, const char *tag,
                      const char *what, char *greeting, size_t gsize, bool *starttls_seen) {
        char line[1024];

        for (unsigned lines = 0; lines < 200; lines++) {
                int r = mailconn_read_line(c, line, sizeof(line));
                if (r < 0)
                        return r;
                if (greeting) {
                        size_t used = strlen(greeting);
                        snprintf(greeting + used, gsize - used, "%s%s", used ? " " : "", line);
                }
                if (starttls_seen && mail_smtp_is_starttls(line))
                        *starttls_seen = true;
                r = parse_reply(family, line, smtp_want, tag);
                if (r == 1)
                        return 0;
                if (r < 0) {
                        snprintf(c->err, sizeof(c->err), "%s %s: %.120s", what,
                                 r == -EPROTO ? "refused" : "is not the expected protocol", line);
                        return r;
                }
        }
        snprintf(c->err, sizeof(c->err), "%s: endless reply", what);
        return -EBADMSG;
}

static int upgrade(MailConn *c, const MailConfig *cfg) {
        const MailTlsOptions tls = {
                .verify = cfg->tls_verify,
                .ca_file = cfg->tls_ca_file,
                .server_name = cfg->tls_server_name,
        };
        return mailconn_start_tls(c, &tls);
}

static int check_once(const MailConfig *cfg, uint64_t deadline, char *reason, size_t rsize) {
        MailFamily family = cfg->proto->family;
        char greeting[512] = "", cmd[300];
        bool offers_starttls = false;
        MailConn c;
        int r;

        mailconn_init(&c, deadline);
        r = mailconn_connect(&c, cfg->host, cfg->port);
        if (r == 0 && cfg->proto->tls == MAIL_TLS_IMPLICIT)
                r = upgrade(&c, cfg);
        if (r == 0)
                r = read_reply(&c, family, 220, NULL, "greeting", greeting, sizeof(greeting), NULL);
        if (r == 0 && cfg->expect && !strstr(greeting, cfg->expect)) {
                snprintf(c.err, sizeof(c.err), "greeting lacks '%.64s': %.120s", cfg->expect,
                         greeting);
                r = -EBADMSG;
        }
        if (r == 0 && cfg->proto->tls == MAIL_TLS_STARTTLS) {
                if (family == MAIL_SMTP) {
                        snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", cfg->helo_name);
                        r = mailconn_write(&c, cmd);
                        if (r == 0)
                                r = read_reply(&c, family, 250, NULL, "EHLO", NULL, 0,
                                               &offers_starttls);
                        if (r == 0 && !offers_starttls) {
                                snprintf(c.err, sizeof(c.err), "EHLO reply offers no STARTTLS");
                                r = -EPROTO;
                        }
                }
                if (r == 0)
                        r = mailconn_write(&c, mail_starttls_command(family));
                if (r == 0)
                        r = read_reply(&c, family, 220, "a1", "STARTTLS", NULL, 0, NULL);
                /* RFC 3207 / 2595: anything sent before the handshake must be
                 * discarded; a server that sends it is broken or attacked. */
                if (r == 0 && mailconn_has_buffered(&c)) {
                        snprintf(c.err, sizeof(c.err), "data after the STARTTLS reply");
                        r = -EPROTO;
                }
                if (r == 0)
                        r = upgrade(&c, cfg);
                /* One command over TLS proves the session carries data. */
                if (r == 0 && family == MAIL_SMTP) {
                        r = mailconn_write(&c, cmd);
                        if (r == 0)
                                r = read_reply(&c, family, 250, NULL, "EHLO after STARTTLS", NULL,
                                               0, NULL);
                }
                if (r == 0 && family == MAIL_IMAP) {
                        r = mailconn_write(&c, "a2 NOOP\r\n");
                        if (r == 0)
                                r = read_reply(&c, family, 0, "a2", "NOOP after STARTTLS", NULL, 0,
                                               NULL);
                }
        }
        if (r == 0)
                (void)mailconn_write(&c, mail_quit_command(family));
        if (r < 0)
                snprintf(reason, rsize, "%s %s:%u: %s", cfg->proto->name, cfg->host, cfg->port,
                         c.err[0] ? c.err : strerror(-r));
        mailconn_close(&c);
        return r;
}

/* One check, within both the timeout parameter and 90% of the operation's
 * timeout (the rest is the agent's own start-up and exit). */
static int check(const MailConfig *cfg, uint64_t op_deadline, char *reason, size_t rsize) {
        uint64_t now = ocf_now_ms();
        uint64_t deadline = now + cfg->timeout_ms;

        if (op_deadline < deadline)
                deadline = op_deadline;
        return check_once(cfg, deadline, reason, rsize);
}

static uint64_t op_deadline(void) {
        uint64_t t = ocf_op_timeout_ms(0);
        return t ? ocf_now_ms() + t * 9 / 10 : UINT64_MAX;
}

static bool is_started(const MailConfig *cfg) {
        return access(cfg->state_path, F_OK) == 0;
}

static int mail_monitor(const OcfAgent *agent, const char *action) {
        char reason[400];
        MailConfig cfg;
        int r = parse_config(agent, &cfg);

        if (r != OCF_SUCCESS)
                return r;
        if (!is_started(&cfg))
                return OCF_NOT_RUNNING; /* OCF: cleanly stopped, probes included */
        /* Started but the service does not answer: a failure, not a clean
         * stop (OCF: "if in doubt return 1"). */
        if (check(&cfg, op_deadline(), reason, sizeof(reason)) < 0) {
                ocf_exit_reason("%s", reason);
                return OCF_ERR_GENERIC;
        }
        return OCF_SUCCESS;
}

static void sleep_ms(uint64_t ms) {
        struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
                              .tv_nsec = (long)(ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int write_state(const MailConfig *cfg) {
        char dir[sizeof(cfg->state_path)];
        char *slash;
        int fd;

        snprintf(dir, sizeof(dir), "%s", cfg->state_path);
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = 0;
                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return -errno;
        }
        fd = open(cfg->state_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        dprintf(fd, "%s %s %u\n", cfg->proto->name, cfg->host, cfg->port);
        close(fd);
        return 0;
}

/* OCF: start returns when the service is usable.  A service in a VM that
 * is still booting answers later, so start keeps trying (every 500 ms)
 * until 90% of the operation's timeout; without one it tries once. */
static int mail_start(const OcfAgent *agent, const char *action) {
        uint64_t deadline = op_deadline();
        char reason[400];
        MailConfig cfg;
        int r = parse_config(agent, &cfg);

        if (r != OCF_SUCCESS)
                return r;
        for (;;) {
                if (check(&cfg, deadline, reason, sizeof(reason)) == 0)
                        break;
                if (deadline == UINT64_MAX || ocf_now_ms() + 500 >= deadline) {
                        ocf_exit_reason("%s", reason);
                        return OCF_ERR_GENERIC;
                }
                sleep_ms(500);
        }
        r = write_state(&cfg);
        if (r < 0) {
                ocf_exit_reason("cannot write %s: %s", cfg.state_path, strerror(-r));
                return r == -EACCES || r == -EPERM ? OCF_ERR_PERM : OCF_ERR_GENERIC;
        }
        return OCF_SUCCESS;
}

static int mail_stop(const OcfAgent *agent, const char *action) {
        MailConfig cfg;
        int r = parse_config(agent, &cfg);

        if (r != OCF_SUCCESS)
                return r;
        if (unlink(cfg.state_path) < 0 && errno != ENOENT) {
                ocf_exit_reason("cannot remove %s: %s", cfg.state_path, strerror(errno));
                return OCF_ERR_GENERIC;
        }
        return OCF_SUCCESS;
}

/* Level 0 (default): the parameters alone.  Level 10: also this blade
 * (the CA file is readable). */
static int mail_validate(const OcfAgent *agent, const char *action) {
        const char *level = getenv("OCF_CHECK_LEVEL");
        MailConfig cfg;
        uint64_t lvl = 0;
        int r = parse_config(agent, &cfg);

        if (r != OCF_SUCCESS)
                return r;
        if (cfg.tls_ca_file && !cfg.tls_verify) {
                ocf_exit_reason("tls_ca_file is set but tls_verify is off");
                return OCF_ERR_CONFIGURED;
        }
        if (level && *level && ocf_parse_uint(level, 0, 100, &lvl) < 0) {
                ocf_exit_reason("OCF_CHECK_LEVEL '%.16s' is not a number", level);
                return OCF_ERR_ARGS;
        }
        if (lvl >= 10 && cfg.tls_ca_file && access(cfg.tls_ca_file, R_OK) < 0) {
                ocf_exit_reason("tls_ca_file %s: %s", cfg.tls_ca_file, strerror(errno));
                return OCF_ERR_ARGS;
        }
        return OCF_SUCCESS;
}

static const OcfHandler mail_handlers[] = {
        {"start", mail_start},           {"stop", mail_stop},
        {"monitor", mail_monitor},       {"status", mail_monitor},
        {"validate-all", mail_validate},
};

int main(int argc, char **argv) {
        static const OcfAgent agent = {
                .name = "mailcheck",
                .version = BLADED_VERSION,
                .shortdesc = "Mail service check (SMTP, IMAP, POP3, with TLS)",
                .longdesc = "A monitor-only resource: checks that a mail service answers "
                            "with the right greeting (and completes TLS where asked) within "
                            "a timeout. start waits for the service and records the "
                            "resource as started; stop forgets it; monitor returns 7 when "
                            "stopped, 0 when the service answers and 1 when it does not.",
                .params = mail_params,
                .n_params = sizeof(mail_params) / sizeof(mail_params[0]),
                .actions = mail_actions,
                .n_actions = sizeof(mail_actions) / sizeof(mail_actions[0]),
                .handlers = mail_handlers,
                .n_handlers = sizeof(mail_handlers) / sizeof(mail_handlers[0]),
        };

        signal(SIGPIPE, SIG_IGN);
        return ocf_run(&agent, argc, argv);
}
