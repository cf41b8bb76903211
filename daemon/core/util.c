/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bladed/model.h"
#include "bladed/util.h"

int parse_uint64(const char *s, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                unsigned d = (unsigned)(*p - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_duration_ms(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t factor;
        } units[] = {
                {"ms", 1},      {"s", 1000},     {"sec", 1000},   {"m", 60000}, {"min", 60000},
                {"h", 3600000}, {"hr", 3600000}, {"d", 86400000}, {"", 1000},
        };
        char digits[24];
        size_t n = 0;
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        while (s[n] >= '0' && s[n] <= '9')
                n++;
        if (n == 0 || n >= sizeof(digits))
                return n == 0 ? -EINVAL : -ERANGE;
        memcpy(digits, s, n);
        digits[n] = 0;
        r = parse_uint64(digits, UINT64_MAX, &v);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (strcmp(s + n, units[i].suffix) == 0) {
                        if (v > UINT64_MAX / units[i].factor)
                                return -ERANGE;
                        *ret = v * units[i].factor;
                        return 0;
                }
        return -EINVAL;
}

int parse_score(const char *s, int *ret) {
        bool neg = false;
        uint64_t v;
        int r;

        if (!s || !*s)
                return -EINVAL;
        if (*s == '+' || *s == '-') {
                neg = *s == '-';
                s++;
        }
        if (strcasecmp(s, "INFINITY") == 0 || strcasecmp(s, "inf") == 0) {
                *ret = neg ? -SCORE_INFINITY : SCORE_INFINITY;
                return 0;
        }
        r = parse_uint64(s, UINT64_MAX, &v);
        if (r < 0)
                return r;
        if (v >= SCORE_INFINITY)
                return -ERANGE;
        *ret = neg ? -(int)v : (int)v;
        return 0;
}

int parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = {"true", "yes", "on", "1"};
        static const char *const no[] = {"false", "no", "off", "0"};

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
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

int parse_ipv4(const char *s, uint32_t *ret) {
        uint32_t addr = 0;
        const char *p = s;

        if (!s)
                return -EINVAL;
        for (int octet = 0; octet < 4; octet++) {
                unsigned v = 0;
                size_t n = 0;

                while (p[n] >= '0' && p[n] <= '9') {
                        v = v * 10 + (unsigned)(p[n] - '0');
                        if (++n > 3)
                                return -EINVAL;
                }
                if (n == 0 || (n > 1 && p[0] == '0'))
                        return -EINVAL;
                if (v > 255)
                        return -ERANGE;
                addr = addr << 8 | v;
                p += n;
                if (octet < 3) {
                        if (*p != '.')
                                return -EINVAL;
                        p++;
                }
        }
        if (*p)
                return -EINVAL;
        *ret = addr;
        return 0;
}

const char *score_to_string(int score, char *buf, size_t size) {
        if (score >= SCORE_INFINITY)
                snprintf(buf, size, "INFINITY");
        else if (score <= -SCORE_INFINITY)
                snprintf(buf, size, "-INFINITY");
        else
                snprintf(buf, size, "%d", score);
        return buf;
}

const char *duration_to_string(uint64_t ms, char *buf, size_t size) {
        if (ms == 0)
                snprintf(buf, size, "0");
        else if (ms % 3600000 == 0)
                snprintf(buf, size, "%" PRIu64 "h", ms / 3600000);
        else if (ms % 60000 == 0)
                snprintf(buf, size, "%" PRIu64 "m", ms / 60000);
        else if (ms % 1000 == 0)
                snprintf(buf, size, "%" PRIu64 "s", ms / 1000);
        else
                snprintf(buf, size, "%" PRIu64 "ms", ms);
        return buf;
}

char *strdup_null(const char *s) {
        return s ? strdup(s) : NULL;
}

char *str_printable(const char *s, size_t max_len) {
        size_t n = strnlen(s, max_len);
        bool cut = s[n] != 0;
        char *out = malloc(n + 4);

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        }
        if (cut)
                memcpy(out + n, "...", 3), n += 3;
        out[n] = 0;
        return out;
}

char **strv_free(char **v) {
        if (v)
                for (char **p = v; *p; p++)
                        free(*p);
        free(v);
        return NULL;
}
