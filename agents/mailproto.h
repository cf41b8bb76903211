/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mail protocol knowledge for the mailcheck agent, kept pure (no I/O) so
 * the unit tests can feed it lines: the protocol table and the parsers for
 * one server reply line (CR/LF already removed).
 *
 * The line parsers return:
 *   0         a continuation: read another line
 *   1         the final line, positive
 *   -EPROTO   the final line, negative (the server refuses)
 *   -EBADMSG  not this protocol at all
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef enum {
        MAIL_SMTP,
        MAIL_IMAP,
        MAIL_POP3,
} MailFamily;

typedef enum {
        MAIL_TLS_NONE,
        MAIL_TLS_IMPLICIT, /* TLS from the first byte (smtps, imaps, pop3s) */
        MAIL_TLS_STARTTLS, /* plain greeting, then upgrade */
} MailTls;

typedef struct {
        const char *name;
        MailFamily family;
        MailTls tls;
        uint16_t port;
} MailProtocol;

/* "smtp", "smtps", "smtp-starttls", "imap", "imaps", "imap-starttls", "pop3",
 * "pop3s", "pop3-stls" (alias "pop3-starttls"); NULL if unknown. */
const MailProtocol *mail_protocol_find(const char *name);

/* The names above, '|'-separated (meta-data options). */
const char *mail_protocol_names(void);

/* SMTP reply line: "CODE-text" continues, "CODE text" or "CODE" ends;
 * final positive when CODE == want (220 greeting and STARTTLS, 250 EHLO). */
int mail_parse_smtp(const char *line, int want);

/* Is this EHLO reply line the STARTTLS extension? */
bool mail_smtp_is_starttls(const char *line);

/* IMAP.  tag == NULL: the greeting ("* OK" or "* PREAUTH" positive,
 * "* BYE" negative).  Otherwise the reply to the command with that tag:
 * untagged "* ..." lines continue, "TAG OK" positive, "TAG NO|BAD" negative. */
int mail_parse_imap(const char *line, const char *tag);

/* POP3: "+OK" positive, "-ERR" negative (greeting and STLS alike). */
int mail_parse_pop3(const char *line);

/* The command that upgrades to TLS and how the reply is parsed. */
const char *mail_starttls_command(MailFamily family);

/* A polite goodbye after the check. */
const char *mail_quit_command(MailFamily family);
