/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#include "coro.h"
#include "cpg.h"

static GroupConn *group_of(cpg_handle_t handle) {
        void *ctx = NULL;
        if (cpg_context_get(handle, &ctx) != CS_OK)
                return NULL;
        return ctx;
}

static void on_deliver(cpg_handle_t handle, const struct cpg_name *name, uint32_t nodeid,
                       uint32_t pid, void *msg, size_t len) {
        GroupConn *g = group_of(handle);
        if (g)
                g->cb->deliver(g->userdata, nodeid, pid, msg, len);
}

static ClusterReason reason_of(uint32_t r) {
        switch (r) {
        case CPG_REASON_LEAVE:
                return CLUSTER_REASON_LEAVE;
        case CPG_REASON_JOIN:
        case CPG_REASON_NODEUP:
                return CLUSTER_REASON_JOIN;
        default: /* NODEDOWN, PROCDOWN: it did not say goodbye */
                return CLUSTER_REASON_FAILED;
        }
}

static ClusterAddr *convert(const struct cpg_address *l, size_t n) {
        ClusterAddr *a = calloc(n ? n : 1, sizeof(*a));
        if (!a)
                return NULL;
        for (size_t i = 0; i < n; i++)
                a[i] = (ClusterAddr){
                        .nodeid = l[i].nodeid, .pid = l[i].pid, .reason = reason_of(l[i].reason)};
        return a;
}

static void on_confchg(cpg_handle_t handle, const struct cpg_name *name,
                       const struct cpg_address *members, size_t n_members,
                       const struct cpg_address *left, size_t n_left,
                       const struct cpg_address *joined, size_t n_joined) {
        GroupConn *g = group_of(handle);
        ClusterAddr *m, *l, *j;

        if (!g)
                return;
        m = convert(members, n_members);
        l = convert(left, n_left);
        j = convert(joined, n_joined);
        if (m && l && j)
                g->cb->confchg(g->userdata, m, n_members, l, n_left, j, n_joined);
        else
                g->cb->lost(g->userdata, -ENOMEM);
        free(m);
        free(l);
        free(j);
}

static void on_totem(cpg_handle_t handle, struct cpg_ring_id ring, uint32_t n,
                     const uint32_t *members) {
        GroupConn *g = group_of(handle);
        if (g && g->cb->totem)
                g->cb->totem(g->userdata, ring.seq, ring.nodeid, n);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        GroupConn *g = userdata;
        cs_error_t e = cpg_dispatch(g->handle, CS_DISPATCH_ALL);

        if (e != CS_OK && e != CS_ERR_TRY_AGAIN) {
                g->cb->lost(g->userdata, coro_errno(e));
                return 0;
        }
        if (revents & (EPOLLHUP | EPOLLERR)) {
                g->cb->lost(g->userdata, -ECONNRESET);
                return 0;
        }
        return 0;
}

int group_open(GroupConn *g, sd_event *event, const Log *log, const GroupCallbacks *cb,
               void *userdata) {
        cpg_model_v1_data_t model = {
                .model = CPG_MODEL_V1,
                .cpg_deliver_fn = on_deliver,
                .cpg_confchg_fn = on_confchg,
                .cpg_totem_confchg_fn = on_totem,
                .flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
        };
        unsigned nodeid;
        int r;

        *g = (GroupConn){.event = event, .log = log, .cb = cb, .userdata = userdata};
        r = CORO_RETRY(
                cpg_model_initialize(&g->handle, CPG_MODEL_V1, (cpg_model_data_t *)&model, g));
        if (r < 0)
                return r;
        g->initialized = true;
        r = CORO_RETRY(cpg_local_get(g->handle, &nodeid));
        if (r < 0)
                return r;
        g->local_nodeid = nodeid;
        return 0;
}

int group_join(GroupConn *g) {
        struct cpg_name name;
        int fd, r;

        name.length = strlen(GROUP_NAME);
        memcpy(name.value, GROUP_NAME, name.length);
        r = CORO_RETRY(cpg_join(g->handle, &name));
        if (r < 0)
                return r;
        g->joined = true;
        r = coro_errno(cpg_fd_get(g->handle, &fd));
        if (r < 0)
                return r;
        return sd_event_add_io(g->event, &g->io, fd, EPOLLIN, on_io, g);
}

static void out_free_head(GroupConn *g) {
        GroupOut *o = g->head;
        g->head = o->next;
        if (!g->head)
                g->tail = NULL;
        g->queued--;
        free(o->buf);
        free(o);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata);

static int flush(GroupConn *g) {
        uint64_t now;
        int r;

        while (g->head) {
                struct iovec iov = {g->head->buf, g->head->len};
                cs_error_t e = cpg_mcast_joined(g->handle, CPG_TYPE_AGREED, &iov, 1);
                if (e == CS_ERR_TRY_AGAIN) {
                        sd_event_now(g->event, CLOCK_MONOTONIC, &now);
                        if (g->stuck_since_us == 0)
                                g->stuck_since_us = now;
                        else if (now - g->stuck_since_us > GROUP_STUCK_SEC * 1000000ull)
                                return -ETIMEDOUT;
                        if (!g->retry) {
                                r = sd_event_add_time_relative(g->event, &g->retry, CLOCK_MONOTONIC,
                                                               GROUP_RETRY_MS * 1000, 1000,
                                                               on_retry, g);
                                if (r < 0)
                                        return r;
                        } else {
                                sd_event_source_set_time_relative(g->retry, GROUP_RETRY_MS * 1000);
                                sd_event_source_set_enabled(g->retry, SD_EVENT_ONESHOT);
                        }
                        return 0;
                }
                if (e != CS_OK)
                        return coro_errno(e);
                g->stuck_since_us = 0;
                out_free_head(g);
        }
        return 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        GroupConn *g = userdata;
        int r = flush(g);
        if (r < 0)
                g->cb->lost(g->userdata, r);
        return 0;
}

int group_send(GroupConn *g, uint8_t *buf, size_t len) {
        GroupOut *o = malloc(sizeof(*o));
        int r;

        if (!o) {
                free(buf);
                return -ENOMEM;
        }
        *o = (GroupOut){.buf = buf, .len = len};
        if (g->tail)
                g->tail->next = o;
        else
                g->head = o;
        g->tail = o;
        g->queued++;
        /* Keep order: while older messages wait, the new one waits behind them. */
        if (g->head != o)
                return 0;
        r = flush(g);
        if (r < 0)
                g->cb->lost(g->userdata, r);
        return r;
}

int group_leave(GroupConn *g) {
        struct cpg_name name;

        if (!g->joined)
                return 0;
        name.length = strlen(GROUP_NAME);
        memcpy(name.value, GROUP_NAME, name.length);
        g->joined = false;
        return coro_errno(cpg_leave(g->handle, &name));
}

void group_close(GroupConn *g) {
        g->io = sd_event_source_disable_unref(g->io);
        g->retry = sd_event_source_disable_unref(g->retry);
        while (g->head)
                out_free_head(g);
        if (g->initialized)
                cpg_finalize(g->handle);
        g->initialized = false;
}
