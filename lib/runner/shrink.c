// SPDX-License-Identifier: GPL-2.0-or-later
/* ddmin, and the trace-level shrink around it (see shrink.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "runner/shrink.h"

/* Subsets tested so far and their answers. */
struct memo {
	size_t n, cap;
	struct memo_ent {
		size_t *idx;
		size_t n;
		int result;
	} * v;
};

static const struct memo_ent *memo_find(const struct memo *m, const size_t *idx, size_t n)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].n == n && !memcmp(m->v[i].idx, idx, n * sizeof(*idx)))
			return &m->v[i];
	return NULL;
}

static int memo_add(struct memo *m, const size_t *idx, size_t n, int result)
{
	size_t *copy;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 32;
		struct memo_ent *v = realloc(m->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	copy = malloc((n ? n : 1) * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, idx, n * sizeof(*idx));
	m->v[m->n++] = (struct memo_ent){ copy, n, result };
	return 0;
}

static void memo_clear(struct memo *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].idx);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

struct dd {
	mp_ddmin_test test;
	void *userdata;
	unsigned max_trials;
	struct mp_ddmin_stats *st;
	struct memo memo;
};

/* 1 fails, 0 passes, -ECANCELED at the cap, other negatives stop. */
static int dd_test(struct dd *d, const size_t *idx, size_t n)
{
	const struct memo_ent *e = memo_find(&d->memo, idx, n);
	int r;

	if (e) {
		d->st->cached++;
		return e->result;
	}
	if (d->max_trials && d->st->trials >= d->max_trials) {
		d->st->capped = true;
		return -ECANCELED;
	}
	d->st->trials++;
	r = d->test(idx, n, d->userdata);
	if (r < 0)
		return r;
	r = r ? 1 : 0;
	return memo_add(&d->memo, idx, n, r) < 0 ? -ENOMEM : r;
}

int mp_ddmin(const size_t *idx, size_t n, mp_ddmin_test test, void *userdata, unsigned max_trials,
	     size_t **out, size_t *nout, struct mp_ddmin_stats *stats)
{
	struct mp_ddmin_stats st0;
	struct dd d = { test, userdata, max_trials, stats ? stats : &st0, { 0 } };
	size_t *cur, *tmp, m = n, gran = 2;
	int r = 0;

	*out = NULL;
	*nout = 0;
	memset(d.st, 0, sizeof(*d.st));
	cur = malloc((n ? n : 1) * sizeof(*cur));
	tmp = malloc((n ? n : 1) * sizeof(*tmp));
	if (!cur || !tmp) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(cur, idx, n * sizeof(*idx));
	while (m >= 2) {
		bool reduced = false;

		if (gran > m)
			gran = m;
		/* a chunk alone */
		for (size_t k = 0; k < gran && !reduced; k++) {
			size_t a = k * m / gran, b = (k + 1) * m / gran;

			r = dd_test(&d, cur + a, b - a);
			if (r < 0)
				goto out;
			if (r) {
				memmove(cur, cur + a, (b - a) * sizeof(*cur));
				m = b - a;
				gran = 2;
				reduced = true;
			}
		}
		/* everything but a chunk (with two chunks, that is the other chunk) */
		for (size_t k = 0; gran > 2 && k < gran && !reduced; k++) {
			size_t a = k * m / gran, b = (k + 1) * m / gran, c = 0;

			for (size_t i = 0; i < m; i++)
				if (i < a || i >= b)
					tmp[c++] = cur[i];
			r = dd_test(&d, tmp, c);
			if (r < 0)
				goto out;
			if (r) {
				memcpy(cur, tmp, c * sizeof(*cur));
				m = c;
				gran = gran - 1 > 2 ? gran - 1 : 2;
				reduced = true;
			}
		}
		if (reduced)
			continue;
		if (gran >= m)
			break;
		gran = 2 * gran < m ? 2 * gran : m;
	}
	r = 0;
out:
	if (r == -ECANCELED)
		r = 0; /* capped: the smallest failing set so far */
	memo_clear(&d.memo);
	free(tmp);
	if (r < 0) {
		free(cur);
		return r;
	}
	*out = cur;
	*nout = m;
	return 0;
}

/* The blocks an add made: from addr= and size, else "memoryA[-B]" in its note. */
static bool add_range(const struct mp_trace *t, const struct mp_trace_step *st, uint64_t *lo,
		      uint64_t *hi)
{
	const char *p;
	char *end;

	if (st->addr && t->h.block_size) {
		*lo = st->addr / t->h.block_size;
		*hi = (st->addr + st->size - 1) / t->h.block_size;
		return true;
	}
	p = strstr(st->note, "memory");
	if (!p || strcmp(st->outcome, "done"))
		return false;
	p += 6;
	if (*p < '0' || *p > '9')
		return false;
	*lo = strtoull(p, &end, 10);
	*hi = *lo;
	if (*end == '-' && end[1] >= '0' && end[1] <= '9')
		*hi = strtoull(end + 1, &end, 10);
	return *hi >= *lo;
}

void mp_trace_deps(const struct mp_trace *t, ssize_t *dep)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct mp_trace_step *st = &t->steps[i];

		dep[i] = -1;
		/* a workload's place, verify and stop need the start before them */
		if (st->op == MP_T_WORKLOAD && strcmp(st->point, "start")) {
			for (size_t j = i; j-- > 0;)
				if (t->steps[j].op == MP_T_WORKLOAD &&
				    !strcmp(t->steps[j].point, "start")) {
					dep[i] = (ssize_t)j;
					break;
				}
			continue;
		}
		for (size_t j = i; j-- > 0;) {
			const struct mp_trace_step *a = &t->steps[j];
			uint64_t lo, hi;

			if (a->op != MP_T_ADD)
				continue;
			if (st->op == MP_T_REMOVE && a->dev == st->dev) {
				dep[i] = (ssize_t)j;
				break;
			}
			if ((st->op == MP_T_ONLINE || st->op == MP_T_ONLINE_KERNEL ||
			     st->op == MP_T_ONLINE_MOVABLE || st->op == MP_T_OFFLINE) &&
			    add_range(t, a, &lo, &hi) && st->block >= lo && st->block <= hi) {
				dep[i] = (ssize_t)j;
				break;
			}
		}
	}
}

size_t mp_trace_close(const ssize_t *dep, const size_t *idx, size_t n, size_t *out)
{
	size_t m = 0;

	/* dep[i] < i, and idx ascends: a kept step's dependency was decided before it */
	for (size_t k = 0; k < n; k++) {
		ssize_t d = dep[idx[k]];
		bool keep = d < 0;

		for (size_t j = m; !keep && j-- > 0;)
			if (out[j] == (size_t)d)
				keep = true;
			else if (out[j] < (size_t)d)
				break;
		if (keep)
			out[m++] = idx[k];
	}
	return m;
}

int mp_trace_subset(const struct mp_trace *t, const size_t *idx, size_t n, struct mp_trace *out)
{
	memset(out, 0, sizeof(*out));
	out->h = t->h;
	out->steps = calloc(n ? n : 1, sizeof(*out->steps));
	if (!out->steps)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		out->steps[i] = t->steps[idx[i]];
		out->steps[i].outcome[0] = '\0';
		out->steps[i].note[0] = '\0';
	}
	out->n = n;
	return 0;
}

struct shrink_ctx {
	const struct mp_trace *t;
	ssize_t *dep;
	size_t *closed;
	mp_trial_fn trial;
	void *userdata;
	struct memo memo; /* closed sets run */
	unsigned runs;
};

static int shrink_test(const size_t *idx, size_t n, void *userdata)
{
	struct shrink_ctx *c = userdata;
	const struct memo_ent *e;
	struct mp_trace sub;
	size_t m = mp_trace_close(c->dep, idx, n, c->closed);
	int r;

	if (m == 0)
		return 0;
	e = memo_find(&c->memo, c->closed, m);
	if (e)
		return e->result;
	r = mp_trace_subset(c->t, c->closed, m, &sub);
	if (r < 0)
		return r;
	c->runs++;
	r = c->trial(&sub, c->userdata);
	mp_trace_clear(&sub);
	if (r < 0)
		return r;
	r = r ? 1 : 0;
	return memo_add(&c->memo, c->closed, m, r) < 0 ? -ENOMEM : r;
}

int mp_shrink_trace(const struct mp_trace *t, mp_trial_fn trial, void *userdata,
		    unsigned max_trials, struct mp_shrink_result *res)
{
	struct shrink_ctx c = { .t = t, .trial = trial, .userdata = userdata };
	size_t *all = NULL;
	int r = -ENOMEM;

	memset(res, 0, sizeof(*res));
	c.dep = malloc((t->n ? t->n : 1) * sizeof(*c.dep));
	c.closed = malloc((t->n ? t->n : 1) * sizeof(*c.closed));
	all = malloc((t->n ? t->n : 1) * sizeof(*all));
	if (!c.dep || !c.closed || !all)
		goto out;
	mp_trace_deps(t, c.dep);
	for (size_t i = 0; i < t->n; i++)
		all[i] = i;
	/* the whole trace reproduced: the caller saw it */
	r = memo_add(&c.memo, all, t->n, 1);
	if (r < 0)
		goto out;
	r = mp_ddmin(all, t->n, shrink_test, &c, max_trials, &res->idx, &res->n, &res->stats);
	if (r == 0)
		res->n = mp_trace_close(c.dep, res->idx, res->n, res->idx);
	res->runs = c.runs;
out:
	memo_clear(&c.memo);
	free(c.dep);
	free(c.closed);
	free(all);
	return r;
}

void mp_shrink_result_clear(struct mp_shrink_result *res)
{
	free(res->idx);
	memset(res, 0, sizeof(*res));
}
