// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "checks/finding.h"

static const char *const kind_names[] = {
	[MP_FIND_LEAK] = "leak",
	[MP_FIND_CORRUPTION] = "corruption",
	[MP_FIND_ACCOUNTING] = "accounting",
	[MP_FIND_STATE] = "state",
	[MP_FIND_KERNEL_LOG] = "kernel-log",
	[MP_FIND_UEVENT] = "uevent",
	[MP_FIND_CRASH] = "crash",
	[MP_FIND_REFUSED] = "refused",
	[MP_FIND_INJECTED] = "injected",
	[MP_FIND_KERNEL_INTERFACE] = "kernel-interface",
};

bool mp_finding_is_note(const struct mp_finding *f)
{
	return f->kind == MP_FIND_REFUSED || f->kind == MP_FIND_INJECTED ||
	       (f->kind == MP_FIND_KERNEL_INTERFACE && !f->strict);
}

size_t mp_findings_count(const struct mp_findings *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += !mp_finding_is_note(&f->v[i]);
	return n;
}

const char *mp_finding_kind_name(enum mp_finding_kind k)
{
	return (unsigned)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

struct mp_finding *mp_findings_add(struct mp_findings *f, enum mp_finding_kind kind, int64_t block,
				   const char *step, const char *fmt, ...)
{
	struct mp_finding *nv = realloc(f->v, (f->n + 1) * sizeof(*nv)), *x;
	va_list ap;

	if (!nv)
		return NULL;
	f->v = nv;
	x = &f->v[f->n++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->block = block;
	snprintf(x->step, sizeof(x->step), "%s", step ? step : "");
	va_start(ap, fmt);
	vsnprintf(x->what, sizeof(x->what), fmt, ap);
	va_end(ap);
	return x;
}

void mp_finding_numbers(struct mp_finding *x, int64_t expected, int64_t seen, const char *unit)
{
	if (!x)
		return;
	x->have_numbers = true;
	x->expected = expected;
	x->seen = seen;
	snprintf(x->unit, sizeof(x->unit), "%s", unit);
}

void mp_finding_pfns(struct mp_finding *x, uint64_t first, uint64_t last)
{
	if (!x)
		return;
	x->have_pfn = true;
	x->pfn_first = first;
	x->pfn_last = last;
}

void mp_findings_clear(struct mp_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].text);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

void mp_finding_print(const struct mp_finding *f, FILE *out)
{
	fprintf(out, "%s%s:", mp_finding_is_note(f) ? "note: " : "", mp_finding_kind_name(f->kind));
	if (f->block >= 0)
		fprintf(out, " memory%" PRId64, f->block);
	if (f->have_pfn)
		fprintf(out, " PFN 0x%" PRIx64 "-0x%" PRIx64, f->pfn_first, f->pfn_last);
	fprintf(out, "%s %s", f->block >= 0 || f->have_pfn ? ":" : "", f->what);
	if (f->have_numbers)
		fprintf(out, " (expected %" PRId64 ", seen %" PRId64 " %s)", f->expected, f->seen,
			f->unit);
	if (f->pmd_sized)
		fputs(" [PMD-sized]", out);
	if (f->step[0])
		fprintf(out, " [step %s]", f->step);
	fputc('\n', out);
	if (f->text)
		fprintf(out, "    %s\n", f->text);
}

struct json_object *mp_findings_to_json(const struct mp_findings *f)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < f->n; i++) {
		const struct mp_finding *x = &f->v[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "kind",
				       json_object_new_string(mp_finding_kind_name(x->kind)));
		json_object_object_add(o, "note", json_object_new_boolean(mp_finding_is_note(x)));
		json_object_object_add(o, "block",
				       x->block >= 0 ? json_object_new_int64(x->block) : NULL);
		json_object_object_add(o, "pfn_first",
				       x->have_pfn ? json_object_new_uint64(x->pfn_first) : NULL);
		json_object_object_add(o, "pfn_last",
				       x->have_pfn ? json_object_new_uint64(x->pfn_last) : NULL);
		json_object_object_add(o, "what", json_object_new_string(x->what));
		json_object_object_add(o, "expected",
				       x->have_numbers ? json_object_new_int64(x->expected) : NULL);
		json_object_object_add(o, "seen",
				       x->have_numbers ? json_object_new_int64(x->seen) : NULL);
		json_object_object_add(o, "unit",
				       x->have_numbers ? json_object_new_string(x->unit) : NULL);
		json_object_object_add(o, "pmd_sized", json_object_new_boolean(x->pmd_sized));
		json_object_object_add(o, "step", json_object_new_string(x->step));
		json_object_object_add(o, "text", x->text ? json_object_new_string(x->text) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}
