/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mail reply parsers of the mailcheck agent (agents/mailproto.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mailproto.h"

static void test_mailproto_smtp_greeting_single_and_multiline(void **state) {
        assert_int_equal(mail_parse_smtp("220 mx1.example ESMTP Postfix", 220), 1);
        assert_int_equal(mail_parse_smtp("220", 220), 1);
        assert_int_equal(mail_parse_smtp("220-mx1.example welcome", 220), 0);
        assert_int_equal(mail_parse_smtp("220 mx1.example ready", 220), 1);
}

static void test_mailproto_smtp_refusals_are_eproto(void **state) {
        assert_int_equal(mail_parse_smtp("554 5.3.2 no service", 220), -EPROTO);
        assert_int_equal(mail_parse_smtp("421 4.3.2 shutting down", 220), -EPROTO);
        assert_int_equal(mail_parse_smtp("250 ok", 220), -EPROTO);
        /* the EHLO reply wants 250 */
        assert_int_equal(mail_parse_smtp("250 8BITMIME", 250), 1);
        assert_int_equal(mail_parse_smtp("502 5.5.1 no", 250), -EPROTO);
}

static void test_mailproto_smtp_garbage_is_ebadmsg(void **state) {
        assert_int_equal(mail_parse_smtp("", 220), -EBADMSG);
        assert_int_equal(mail_parse_smtp("22", 220), -EBADMSG);
        assert_int_equal(mail_parse_smtp("HTTP/1.1 400 Bad Request", 220), -EBADMSG);
        assert_int_equal(mail_parse_smtp("2200 x", 220), -EBADMSG);
        assert_int_equal(mail_parse_smtp("120 x", 220), -EBADMSG);
        assert_int_equal(mail_parse_smtp("* OK imap", 220), -EBADMSG);
        assert_int_equal(mail_parse_smtp("+OK pop", 220), -EBADMSG);
}

static void test_mailproto_smtp_starttls_keyword(void **state) {
        assert_true(mail_smtp_is_starttls("250-STARTTLS"));
        assert_true(mail_smtp_is_starttls("250 starttls"));
        assert_false(mail_smtp_is_starttls("250-STARTTLSX"));
        assert_false(mail_smtp_is_starttls("250-PIPELINING"));
        assert_false(mail_smtp_is_starttls("220 STARTTLS"));
        assert_false(mail_smtp_is_starttls("250"));
        assert_false(mail_smtp_is_starttls(""));
}

static void test_mailproto_imap_greeting(void **state) {
        assert_int_equal(mail_parse_imap("* OK [CAPABILITY IMAP4rev1] Dovecot ready.", NULL), 1);
        assert_int_equal(mail_parse_imap("* OK", NULL), 1);
        assert_int_equal(mail_parse_imap("* PREAUTH logged in", NULL), 1);
        assert_int_equal(mail_parse_imap("* BYE too many connections", NULL), -EPROTO);
        assert_int_equal(mail_parse_imap("* OKAY", NULL), -EBADMSG);
        assert_int_equal(mail_parse_imap("+OK pop", NULL), -EBADMSG);
        assert_int_equal(mail_parse_imap("220 smtp", NULL), -EBADMSG);
        assert_int_equal(mail_parse_imap("", NULL), -EBADMSG);
}

static void test_mailproto_imap_tagged_reply(void **state) {
        assert_int_equal(mail_parse_imap("* CAPABILITY IMAP4rev1", "a1"), 0);
        assert_int_equal(mail_parse_imap("a1 OK Begin TLS", "a1"), 1);
        assert_int_equal(mail_parse_imap("a1 NO not now", "a1"), -EPROTO);
        assert_int_equal(mail_parse_imap("a1 BAD unknown", "a1"), -EPROTO);
        assert_int_equal(mail_parse_imap("a2 OK other tag", "a1"), -EBADMSG);
        assert_int_equal(mail_parse_imap("a10 OK prefix of the tag", "a1"), -EBADMSG);
        assert_int_equal(mail_parse_imap("a1 MAYBE", "a1"), -EBADMSG);
}

static void test_mailproto_pop3(void **state) {
        assert_int_equal(mail_parse_pop3("+OK Dovecot ready."), 1);
        assert_int_equal(mail_parse_pop3("+OK"), 1);
        assert_int_equal(mail_parse_pop3("-ERR go away"), -EPROTO);
        assert_int_equal(mail_parse_pop3("+OKAY"), -EBADMSG);
        assert_int_equal(mail_parse_pop3("* OK"), -EBADMSG);
        assert_int_equal(mail_parse_pop3(""), -EBADMSG);
}

static void test_mailproto_protocol_table(void **state) {
        const MailProtocol *p = mail_protocol_find("smtps");

        assert_non_null(p);
        assert_int_equal(p->port, 465);
        assert_int_equal(p->tls, MAIL_TLS_IMPLICIT);
        p = mail_protocol_find("IMAP-STARTTLS");
        assert_non_null(p);
        assert_int_equal(p->family, MAIL_IMAP);
        assert_int_equal(p->port, 143);
        assert_int_equal(mail_protocol_find("pop3-starttls")->tls, MAIL_TLS_STARTTLS);
        assert_int_equal(mail_protocol_find("pop3s")->port, 995);
        assert_null(mail_protocol_find("smtpx"));
        assert_null(mail_protocol_find(""));
        assert_null(mail_protocol_find(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mailproto_smtp_greeting_single_and_multiline),
                cmocka_unit_test(test_mailproto_smtp_refusals_are_eproto),
                cmocka_unit_test(test_mailproto_smtp_garbage_is_ebadmsg),
                cmocka_unit_test(test_mailproto_smtp_starttls_keyword),
                cmocka_unit_test(test_mailproto_imap_greeting),
                cmocka_unit_test(test_mailproto_imap_tagged_reply),
                cmocka_unit_test(test_mailproto_pop3),
                cmocka_unit_test(test_mailproto_protocol_table),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
