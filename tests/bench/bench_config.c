/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How long config_parse() takes (XML, schema, model, meaning checks) on
 * the example and on generated mail-cluster-shaped configurations: groups
 * of a VIP and a VM, an ordered <prefer> list per group, an anti-colocation
 * every 10th group, an order every 5th, 16 blades with capacities and
 * fence devices.  Median of several runs, CLOCK_MONOTONIC.  For scale, the
 * columns "xml" and "schema" time libxml2 alone on the same input (parse;
 * RelaxNG validation without compiling the schema); the rest of "total" is
 * ours (the walk into the model and the meaning checks).
 *
 *   bench_config [--quick]
 *
 * Never fails on time; fails (exit 1) when a document does not parse.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include "bladed/config.h"

extern const char bladed_schema_rng[];
extern const size_t bladed_schema_rng_len;

#define BLADES 16

typedef struct Buf {
        char *p;
        size_t len, cap;
} Buf;

static void put(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(Buf *b, const char *fmt, ...) {
        va_list ap;
        int n;

        for (;;) {
                va_start(ap, fmt);
                n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
                va_end(ap);
                if (n >= 0 && (size_t)n < b->cap - b->len)
                        break;
                b->cap = b->cap ? b->cap * 2 : 1 << 16;
                b->p = realloc(b->p, b->cap);
                if (!b->p) {
                        perror("realloc");
                        exit(1);
                }
        }
        b->len += (size_t)n;
}

/* n_resources resources: n_resources / 2 groups of a VIP and a VM. */
static char *generate(size_t n_resources, size_t *len) {
        size_t units = n_resources / 2;
        Buf b = {0};

        put(&b,
            "<?xml version=\"1.0\"?>\n<bladed-config epoch=\"7\">\n"
            "  <properties no-quorum-policy=\"stop\" fencing=\"true\" default-stickiness=\"100\" "
            "no-quorum-stop-timeout=\"60s\"/>\n  <nodes>\n");
        for (int i = 1; i <= BLADES; i++)
                put(&b,
                    "    <node name=\"blade%d\"><capacity memory=\"1048576\" "
                    "cpu=\"4096\"/></node>\n",
                    i);
        put(&b, "  </nodes>\n  <resources>\n");
        for (size_t u = 0; u < units; u++) {
                put(&b,
                    "    <group id=\"g-%zu\">\n"
                    "      <primitive id=\"vip-%zu\" agent=\"ocf:bladed:vip\">\n"
                    "        <param name=\"ip\" value=\"198.18.%zu.%zu\"/>\n"
                    "        <param name=\"cidr_netmask\" value=\"24\"/>\n"
                    "        <param name=\"nic\" value=\"eth0\"/>\n"
                    "        <op name=\"monitor\" interval=\"10s\" timeout=\"20s\"/>\n"
                    "      </primitive>\n"
                    "      <primitive id=\"vm-%zu\" agent=\"ocf:bladed:vm\">\n"
                    "        <param name=\"backend\" value=\"libvirt\"/>\n"
                    "        <param name=\"domain\" value=\"vm%zu\"/>\n"
                    "        <param name=\"config\" value=\"/srv/vm/vm%zu.xml\"/>\n"
                    "        <meta priority=\"%zu\" allow-migrate=\"true\" "
                    "migration-threshold=\"3\" "
                    "failure-timeout=\"10m\"/>\n"
                    "        <op name=\"start\" timeout=\"120s\"/>\n"
                    "        <op name=\"stop\" timeout=\"60s\"/>\n"
                    "        <op name=\"monitor\" interval=\"30s\" timeout=\"30s\"/>\n"
                    "        <op name=\"migrate_to\" timeout=\"300s\"/>\n"
                    "        <utilization memory=\"2048\" cpu=\"2\"/>\n"
                    "      </primitive>\n"
                    "    </group>\n",
                    u, u, (u / 250) % 256, u % 250 + 1, u, u, u, u % 100);
        }
        put(&b, "  </resources>\n  <constraints>\n");
        for (size_t u = 0; u < units; u++) {
                put(&b,
                    "    <location id=\"pref-%zu\" rsc=\"g-%zu\"><prefer node=\"blade%zu\"/>"
                    "<prefer node=\"blade%zu\"/><prefer node=\"blade%zu\"/></location>\n",
                    u, u, u % BLADES + 1, (u + 1) % BLADES + 1, (u + 2) % BLADES + 1);
                if (u % 10 == 1)
                        put(&b,
                            "    <colocation id=\"apart-%zu\" rsc=\"vm-%zu\" with-rsc=\"vm-%zu\" "
                            "score=\"-INFINITY\"/>\n",
                            u, u, u - 1);
                if (u % 5 == 4)
                        put(&b, "    <order id=\"first-%zu\" first=\"vm-%zu\" then=\"g-%zu\"/>\n",
                            u, u - 4, u);
        }
        put(&b, "  </constraints>\n  <fencing>\n");
        for (int i = 1; i <= BLADES; i++)
                put(&b,
                    "    <fence-device id=\"fence-blade%d\" agent=\"fence_ipmilan\" "
                    "node=\"blade%d\">"
                    "<param name=\"ip\" value=\"198.18.10.%d\"/><param name=\"lanplus\" "
                    "value=\"1\"/>"
                    "</fence-device>\n",
                    i, i, i);
        put(&b, "  </fencing>\n</bladed-config>\n");
        *len = b.len;
        return b.p;
}

static double now_ms(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

/* Median time of config_parse over runs; -1 when it fails. */
static double time_parse(const char *buf, size_t len, int runs, size_t *n_resources) {
        double t[16];

        for (int i = 0; i < runs; i++) {
                DiagList d = {0};
                Config *c = NULL;
                double t0 = now_ms();
                int r = config_parse(buf, len, &c, &d);
                t[i] = now_ms() - t0;
                if (r < 0) {
                        diag_print(&d, "generated", stderr);
                        diag_clear(&d);
                        return -1;
                }
                *n_resources = c->n_resources;
                config_free(c);
                diag_clear(&d);
        }
        qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
        return t[runs / 2];
}

static char *read_file(const char *path, size_t *len) {
        FILE *f = fopen(path, "rb");
        char *buf;
        long n;

        if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0) {
                perror(path);
                exit(1);
        }
        rewind(f);
        buf = malloc((size_t)n + 1);
        if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
                perror(path);
                exit(1);
        }
        fclose(f);
        *len = (size_t)n;
        return buf;
}

static void quiet(void *ctx, xmlError *e) {
}

/* Medians of libxml2's own parse and of the RelaxNG validation alone. */
static void time_libxml2(const char *buf, size_t len, int runs, double *xml_ms, double *schema_ms) {
        xmlRelaxNGParserCtxt *pc =
                xmlRelaxNGNewMemParserCtxt(bladed_schema_rng, (int)bladed_schema_rng_len);
        xmlRelaxNG *schema;
        double tx[16], ts[16];

        xmlRelaxNGSetParserStructuredErrors(pc, quiet, NULL);
        schema = xmlRelaxNGParse(pc);
        xmlRelaxNGFreeParserCtxt(pc);
        for (int i = 0; i < runs; i++) {
                double t0 = now_ms();
                xmlDoc *doc = xmlReadMemory(buf, (int)len, NULL, NULL,
                                            XML_PARSE_NONET | XML_PARSE_BIG_LINES);
                double t1 = now_ms();
                xmlRelaxNGValidCtxt *vc = xmlRelaxNGNewValidCtxt(schema);
                xmlRelaxNGSetValidStructuredErrors(vc, quiet, NULL);
                xmlRelaxNGValidateDoc(vc, doc);
                double t2 = now_ms();
                xmlRelaxNGFreeValidCtxt(vc);
                xmlFreeDoc(doc);
                tx[i] = t1 - t0;
                ts[i] = t2 - t1;
        }
        xmlRelaxNGFree(schema);
        qsort(tx, (size_t)runs, sizeof(tx[0]), cmp_double);
        qsort(ts, (size_t)runs, sizeof(ts[0]), cmp_double);
        *xml_ms = tx[runs / 2];
        *schema_ms = ts[runs / 2];
}

static int row(const char *name, const char *buf, size_t len, int runs) {
        size_t n = 0;
        double ms = time_parse(buf, len, runs, &n), xml_ms, schema_ms;

        if (ms < 0) {
                printf("%-20s %10zu  parse FAILED\n", name, len);
                return 1;
        }
        time_libxml2(buf, len, runs, &xml_ms, &schema_ms);
        printf("%-20s %10zu %9zu %10.2f %10.2f %10.2f %12.1f\n", name, len, n, ms, xml_ms,
               schema_ms, n ? ms * 1000.0 / (double)n : 0);
        return 0;
}

int main(int argc, char **argv) {
        static const size_t full[] = {500, 5000, 50000};
        static const size_t quick[] = {500};
        bool is_quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
        const size_t *sizes = is_quick ? quick : full;
        size_t n_sizes = is_quick ? 1 : 3, len;
        int runs = is_quick ? 3 : 7, failed = 0;
        char *buf, name[32];

        printf("config_parse: XML + schema + model + checks, median of %d runs\n", runs);
        printf("%-20s %10s %9s %10s %10s %10s %12s\n", "input", "bytes", "resources", "total ms",
               "xml ms", "schema ms", "us/resource");
        buf = read_file(SRCDIR "/xml/examples/mail-cluster.xml", &len);
        failed |= row("mail-cluster.xml", buf, len, runs);
        free(buf);
        for (size_t i = 0; i < n_sizes; i++) {
                buf = generate(sizes[i], &len);
                snprintf(name, sizeof(name), "generated N=%zu", sizes[i]);
                failed |= row(name, buf, len, sizes[i] >= 50000 ? 3 : runs);
                free(buf);
        }
        return failed ? 1 : 0;
}
