/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <sys/epoll.h>

#include "coro.h"
#include "quorum.h"

static void on_quorum(quorum_handle_t handle, uint32_t quorate, struct quorum_ring_id ring,
                      uint32_t n, const uint32_t *members) {
        QuorumTrack *q = NULL;

        if (quorum_context_get(handle, (const void **)&q) != CS_OK || !q)
                return;
        q->quorate = quorate;
        q->n_members = n < QUORUM_MAX_NODES ? n : QUORUM_MAX_NODES;
        for (size_t i = 0; i < q->n_members; i++)
                q->members[i] = members[i];
        q->members_known = true;
        q->cb->changed(q->userdata, quorate, ring.seq, n);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        QuorumTrack *q = userdata;
        cs_error_t e = quorum_dispatch(q->handle, CS_DISPATCH_ALL);

        if (e != CS_OK && e != CS_ERR_TRY_AGAIN)
                q->cb->lost(q->userdata, coro_errno(e));
        else if (revents & (EPOLLHUP | EPOLLERR))
                q->cb->lost(q->userdata, -ECONNRESET);
        return 0;
}

int quorumtrack_open(QuorumTrack *q, sd_event *event, const QuorumCallbacks *cb, void *userdata) {
        quorum_model_v1_data_t model = {.model = QUORUM_MODEL_V1, .quorum_notify_fn = on_quorum};
        uint32_t type;
        int quorate, fd, r;

        *q = (QuorumTrack){.cb = cb, .userdata = userdata};
        r = CORO_RETRY(quorum_model_initialize(&q->handle, QUORUM_MODEL_V1,
                                               (quorum_model_data_t *)&model, &type, q));
        if (r < 0)
                return r;
        q->initialized = true;
        if (type != QUORUM_SET)
                return -ENOPROTOOPT; /* no quorum provider configured in corosync */
        r = CORO_RETRY(quorum_getquorate(q->handle, &quorate));
        if (r < 0)
                return r;
        q->quorate = quorate;
        /* CURRENT: the first notification carries the membership as it is. */
        r = CORO_RETRY(quorum_trackstart(q->handle, CS_TRACK_CURRENT | CS_TRACK_CHANGES));
        if (r < 0)
                return r;
        r = coro_errno(quorum_fd_get(q->handle, &fd));
        if (r < 0)
                return r;
        return sd_event_add_io(event, &q->io, fd, EPOLLIN, on_io, q);
}

void quorumtrack_close(QuorumTrack *q) {
        q->io = sd_event_source_disable_unref(q->io);
        if (q->initialized)
                quorum_finalize(q->handle);
        q->initialized = false;
}
