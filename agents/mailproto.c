/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "mailproto.h"

static const MailProtocol protocols[] = {
        {"smtp", MAIL_SMTP, MAIL_TLS_NONE, 25},
        {"smtps", MAIL_SMTP, MAIL_TLS_IMPLICIT, 465},
        {"smtp-starttls", MAIL_SMTP, MAIL_TLS_STARTTLS, 25},
        {"imap", MAIL_IMAP, MAIL_TLS_NONE, 143},
        {"imaps", MAIL_IMAP, MAIL_TLS_IMPLICIT, 993},
        {"imap-starttls", MAIL_IMAP, MAIL_TLS_STARTTLS, 143},
        {"pop3", MAIL_POP3, MAIL_TLS_NONE, 110},
        {"pop3s", MAIL_POP3, MAIL_TLS_IMPLICIT, 995},
        {"pop3-stls", MAIL_POP3, MAIL_TLS_STARTTLS, 110},
        {"pop3-starttls", MAIL_POP3, MAIL_TLS_STARTTLS, 110},
};

const MailProtocol *mail_protocol_find(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
                if (strcasecmp(protocols[i].name, name) == 0)
                        return &protocols[i];
        return NULL;
}

const char *mail_protocol_names(void) {
        return "smtp|smtps|smtp-starttls|imap|imaps|imap-starttls|pop3|pop3s|pop3-stls";
}

int mail_parse_smtp(const char *line, int want) {
        int code;

        /* RFC 5321 4.2: three digits, then '-' (more lines), ' ' or end. */
        if (!isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
            !isdigit((unsigned char)line[2]) || line[0] < '2' || line[0] > '5')
                return -EBADMSG;
        if (line[3] != 0 && line[3] != ' ' && line[3] != '-')
                return -EBADMSG;
        code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (line[3] == '-')
                return 0;
        return code == want ? 1 : -EPROTO;
}

bool mail_smtp_is_starttls(const char *line) {
        const char *kw = line + 4;
        size_t n;

        if (strlen(line) < 4 || (line[3] != '-' && line[3] != ' ') || strncmp(line, "250", 3) != 0)
                return false;
        n = strcspn(kw, " ");
        return n == 8 && strncasecmp(kw, "STARTTLS", 8) == 0;
}

/* Does s start with word (case-insensitive) followed by a space or end? */
static bool has_word(const char *s, const char *word) {
        size_t n = strlen(word);
        return strncasecmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == 0);
}

int mail_parse_imap(const char *line, const char *tag) {
        size_t n;

        if (!tag) {
                /* RFC 9051 7.1: the greeting is untagged OK, PREAUTH or BYE. */
                if (strncmp(line, "* ", 2) != 0)
                        return -EBADMSG;
                if (has_word(line + 2, "OK") || has_word(line + 2, "PREAUTH"))
                        return 1;
                if (has_word(line + 2, "BYE"))
                        return -EPROTO;
                return -EBADMSG;
        }
        if (strncmp(line, "* ", 2) == 0)
                return 0; /* untagged data before the tagged result */
        n = strlen(tag);
        if (strncmp(line, tag, n) != 0 || line[n] != ' ')
                return -EBADMSG;
        if (has_word(line + n + 1, "OK"))
                return 1;
        if (has_word(line + n + 1, "NO") || has_word(line + n + 1, "BAD"))
                return -EPROTO;
        return -EBADMSG;
}

int mail_parse_pop3(const char *line) {
        if (has_word(line, "+OK"))
                return 1;
        if (has_word(line, "-ERR"))
                return -EPROTO;
        return -EBADMSG;
}

const char *mail_starttls_command(MailFamily family) {
        switch (family) {
        case MAIL_SMTP:
                return "STARTTLS\r\n";
        case MAIL_IMAP:
                return "a1 STARTTLS\r\n";
        case MAIL_POP3:
                return "STLS\r\n";
        }
        return NULL;
}

const char *mail_quit_command(MailFamily family) {
        switch (family) {
        case MAIL_SMTP:
                return "QUIT\r\n";
        case MAIL_IMAP:
                return "a9 LOGOUT\r\n";
        case MAIL_POP3:
                return "QUIT\r\n";
        }
        return NULL;
}
