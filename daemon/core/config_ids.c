/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A string -> (kind, index, line) hash table for the ids of resources.xml.
 * Open addressing, linear probing, kept at most half full; a configuration
 * with tens of thousands of resources resolves its references in linear
 * time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

const char *config_id_kind_name(IdKind kind) {
        static const char *const names[] = {
                [ID_PRIMITIVE] = "primitive", [ID_GROUP] = "group",
                [ID_LOCATION] = "location",   [ID_COLOCATION] = "colocation",
                [ID_ORDER] = "order",         [ID_FENCE_DEVICE] = "fence-device",
        };
        return (size_t)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

/* FNV-1a: short keys, no adversary gains much from collisions here since
 * the input size is capped (CONFIG_MAX_SIZE). */
static uint64_t hash_key(const char *s) {
        uint64_t h = 14695981039346656037ull;

        for (; *s; s++) {
                h ^= (unsigned char)*s;
                h *= 1099511628211ull;
        }
        return h;
}

static IdEntry *slot_for(IdEntry *items, size_t cap, const char *key, uint64_t h) {
        for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1))
                if (!items[i].key || (items[i].hash == h && strcmp(items[i].key, key) == 0))
                        return &items[i];
}

static int grow(IdTable *t) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        IdEntry *items = calloc(ncap, sizeof(*items));

        if (!items)
                return -ENOMEM;
        for (size_t i = 0; i < t->cap; i++)
                if (t->items[i].key)
                        *slot_for(items, ncap, t->items[i].key, t->items[i].hash) = t->items[i];
        free(t->items);
        t->items = items;
        t->cap = ncap;
        return 0;
}

int config_ids_add(IdTable *t, const char *key, IdKind kind, size_t idx, int line,
                   const IdEntry **existing) {
        uint64_t h = hash_key(key);
        IdEntry *e;

        *existing = NULL;
        if ((t->n + 1) * 2 > t->cap && grow(t) < 0)
                return -ENOMEM;
        e = slot_for(t->items, t->cap, key, h);
        if (e->key) {
                *existing = e;
                return 0;
        }
        *e = (IdEntry){.key = key, .hash = h, .kind = kind, .idx = idx, .line = line};
        t->n++;
        return 0;
}

const IdEntry *config_ids_find(const IdTable *t, const char *key) {
        if (t->cap == 0)
                return NULL;
        const IdEntry *e = slot_for(t->items, t->cap, key, hash_key(key));
        return e->key ? e : NULL;
}

void config_ids_free(IdTable *t) {
        free(t->items);
        *t = (IdTable){0};
}
