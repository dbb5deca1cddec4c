// SPDX-License-Identifier: MIT
/*
 * opt.c - one parser and one help printer for every command's option table
 * (see opt.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"
#include "util.h"

#define CLI_MAX_OPTS 32
#define HELP_COL 25	/* where the help text of an option starts */
#define WIDTH 80

bool cli_is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

bool cli_is_version(const char *a)
{
	return !strcmp(a, "--version") || !strcmp(a, "-V");
}

int cli_version(void)
{
	printf("hvosim %s\n", hvo_version());
	return CLI_OK;
}

int cli_bad(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hvosim %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try 'hvosim %s --help')\n", cmd);
	return CLI_USAGE;
}

int cli_dispatch(const struct cli_cmd *cmds, size_t n, void (*usage)(FILE *out),
		 int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (cli_is_help(argv[1])) {
		usage(stdout);
		return CLI_OK;
	}
	if (cli_is_version(argv[1]))
		return cli_version();
	for (i = 0; i < n; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	return -1;
}

/* ---- which options a command takes ---- */

static size_t nr_opts(const struct cli_spec *s)
{
	size_t n = 0;

	while (s->opts && s->opts[n].name)
		n++;
	return n;
}

/* s->machine: NULL, "*", "* -name ...", or "name name ..." */
static bool takes_machine(const struct cli_spec *s, const char *name)
{
	const char *p = s->machine;
	size_t len = strlen(name), t;

	if (!p)
		return false;
	while (*p) {
		p += strspn(p, " ");
		t = strcspn(p, " ");
		if (t == len + 1 && p[0] == '-' && !strncmp(p + 1, name, len))
			return false;
		if (t == len && !strncmp(p, name, len))
			return true;
		p += t;
	}
	return s->machine[0] == '*';
}

static const struct cli_override *override_of(const struct cli_spec *s, const char *name)
{
	const struct cli_override *o;

	for (o = s->override; o && o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* ---- --help ---- */

static void show_value(const struct cli_opt *o, char *buf, size_t len)
{
	buf[0] = 0;
	if (o->def) {
		snprintf(buf, len, "%s", o->def);
		return;
	}
	switch (o->kind) {
	case CLI_U64:
		snprintf(buf, len, "%" PRIu64, *(const uint64_t *)o->val);
		break;
	case CLI_DBL:
		snprintf(buf, len, "%g", *(const double *)o->val);
		break;
	case CLI_STR:
		if (*(const char *const *)o->val)
			snprintf(buf, len, "%s", *(const char *const *)o->val);
		break;
	case CLI_CHOICE:
		snprintf(buf, len, "%s", o->choices[*(const unsigned int *)o->val]);
		break;
	case CLI_FLAG:
		break;
	}
}

static void synopsis(const struct cli_spec *s, FILE *out)
{
	size_t i, n = nr_opts(s), col, indent;
	char w[96];

	col = indent = (size_t)fprintf(out, "usage: hvosim %s", s->cmd);
	for (i = 0; i <= n + 2; i++) {
		const struct cli_opt *o = i < n ? &s->opts[i] : NULL;

		if (o)
			snprintf(w, sizeof(w), "[--%s%s%s]", o->name, o->meta ? " " : "",
				 o->meta ? o->meta : "");
		else if (i == n)
			snprintf(w, sizeof(w), "[--json]");
		else if (i == n + 1)
			snprintf(w, sizeof(w), "%s", s->machine ? "[machine options]" : "");
		else
			snprintf(w, sizeof(w), "%s", s->args ? s->args : "");
		if (!w[0])
			continue;
		if (col + 1 + strlen(w) > WIDTH) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		}
		col += (size_t)fprintf(out, " %s", w);
	}
	fputc('\n', out);
}

static void opt_line(FILE *out, const char *name, const char *meta, const char *help,
		     const char *def)
{
	char left[64];
	const char *p;

	snprintf(left, sizeof(left), "--%s%s%s", name, meta ? " " : "", meta ? meta : "");
	if (strlen(left) > HELP_COL - 3)
		fprintf(out, "  %s\n%*s", left, HELP_COL, "");
	else
		fprintf(out, "  %-*s ", HELP_COL - 3, left);
	for (p = help; *p; p++) {
		fputc(*p, out);
		if (*p == '\n')
			fprintf(out, "%*s", HELP_COL, "");
	}
	if (def && *def)
		fprintf(out, "  [%s]", def);
	fputc('\n', out);
}

static void machine_lines(const struct cli_spec *s, const struct hvo_config *cfg, FILE *out)
{
	unsigned int k;
	char def[64];

	if (!s->machine)
		return;
	fprintf(out, "\nmachine options:\n");
	for (k = 0; k < cli_machine_count(); k++) {
		const struct cli_machine_key *m = cli_machine_key(k);
		const struct cli_override *ov = override_of(s, m->name);

		if (!takes_machine(s, m->name))
			continue;
		cli_machine_show(cfg, k, def, sizeof(def));
		opt_line(out, m->name, m->meta, ov && ov->help ? ov->help : m->help,
			 ov && ov->def ? ov->def : def);
	}
}

static void print_usage(const struct cli_spec *s, const struct hvo_config *cfg,
			char (*defs)[48], FILE *out)
{
	size_t i, n = nr_opts(s);

	synopsis(s, out);
	if (s->about)
		fprintf(out, "\n%s", s->about);
	fprintf(out, "\noptions:\n");
	for (i = 0; i < n; i++)
		opt_line(out, s->opts[i].name, s->opts[i].meta, s->opts[i].help, defs[i]);
	opt_line(out, "json", NULL, "one JSON object on stdout instead of the text", NULL);
	fprintf(out, "  --help, --version\n");
	machine_lines(s, cfg, out);
	if (s->notes)
		fprintf(out, "\n%s", s->notes);
	fprintf(out, "\n" CLI_EXIT_HELP);
}

void cli_usage(const struct cli_spec *s, const struct hvo_config *cfg, FILE *out)
{
	char defs[CLI_MAX_OPTS][48];
	size_t i;

	for (i = 0; i < nr_opts(s) && i < CLI_MAX_OPTS; i++)
		show_value(&s->opts[i], defs[i], sizeof(defs[i]));
	print_usage(s, cfg, defs, out);
}

/* ---- parsing ---- */

/* the value of --name=V or --name V; a missing one is a usage error */
static int take_value(const char *cmd, const char *name, int argc, char **argv, int *i,
		      const char **v)
{
	const char *eq = strchr(argv[*i], '=');

	if (eq) {
		*v = eq + 1;
		return CLI_GO;
	}
	if (*i + 1 >= argc || !strncmp(argv[*i + 1], "--", 2))
		return cli_bad(cmd, "--%s needs a value", name);
	*v = argv[++*i];
	return CLI_GO;
}

static int set_u64(const char *cmd, const struct cli_opt *o, const char *v)
{
	uint64_t x;

	if (v[0] == '-' && v[1] >= '0' && v[1] <= '9')
		return cli_bad(cmd, "--%s %s: must be >= %" PRIu64, o->name, v, o->min);
	if (!cli_parse_u64(v, &x))
		return cli_bad(cmd, "--%s %s: not a number", o->name, v);
	if (x < o->min || x > o->max) {
		if (o->max == UINT64_MAX)
			return cli_bad(cmd, "--%s %s: must be >= %" PRIu64, o->name, v, o->min);
		return cli_bad(cmd, "--%s %s: not in [%" PRIu64 ", %" PRIu64 "]", o->name, v,
			       o->min, o->max);
	}
	*(uint64_t *)o->val = x;
	return CLI_GO;
}

static int set_value(const char *cmd, const struct cli_opt *o, const char *v)
{
	char *end;
	double d;
	unsigned int c;

	switch (o->kind) {
	case CLI_U64:
		return set_u64(cmd, o, v);
	case CLI_DBL:
		d = strtod(v, &end);
		if (!*v || *end || !(d > 0 && d <= o->dmax))
			return cli_bad(cmd, "--%s %s: not a number of seconds in (0, %g]", o->name,
				       v, o->dmax);
		*(double *)o->val = d;
		return CLI_GO;
	case CLI_STR:
		*(const char **)o->val = v;
		return CLI_GO;
	case CLI_CHOICE:
		for (c = 0; o->choices[c]; c++)
			if (!strcmp(v, o->choices[c])) {
				*(unsigned int *)o->val = c;
				return CLI_GO;
			}
		return cli_bad(cmd, "--%s %s: not %s%s%s", o->name, v, o->choices[0],
			       o->choices[1] ? " or " : "", o->choices[1] ? o->choices[1] : "");
	case CLI_FLAG:
		break;
	}
	return CLI_GO;
}

static int own_option(const struct cli_spec *s, const struct cli_opt *o, int argc,
		      char **argv, int *i)
{
	const char *v = NULL;
	int r;

	if (o->seen)
		*o->seen = true;
	if (o->kind == CLI_FLAG) {
		if (strchr(argv[*i], '='))
			return cli_bad(s->cmd, "--%s takes no value", o->name);
		*(bool *)o->val = true;
		return CLI_GO;
	}
	r = take_value(s->cmd, o->name, argc, argv, i, &v);
	return r == CLI_GO ? set_value(s->cmd, o, v) : r;
}

static int one_option(const struct cli_spec *s, struct cli_args *a, int argc, char **argv,
		      int *i)
{
	const char *arg = argv[*i], *name = arg + 2, *v = NULL;
	size_t len = strcspn(name, "="), k;
	int m, r;

	if (strncmp(arg, "--", 2))
		return cli_bad(s->cmd, "unexpected argument '%s'", arg);
	if (!strcmp(name, "json")) {
		a->json = true;
		return CLI_GO;
	}
	for (k = 0; k < nr_opts(s); k++)
		if (strlen(s->opts[k].name) == len && !strncmp(name, s->opts[k].name, len))
			return own_option(s, &s->opts[k], argc, argv, i);
	m = cli_machine_find(name, len);
	if (m < 0)
		return cli_bad(s->cmd, "unknown option '%s'", arg);
	if (!takes_machine(s, cli_machine_key((unsigned int)m)->name))
		return cli_bad(s->cmd, "'--%s' is a machine option this command does not take",
			       cli_machine_key((unsigned int)m)->name);
	r = take_value(s->cmd, cli_machine_key((unsigned int)m)->name, argc, argv, i, &v);
	if (r != CLI_GO)
		return r;
	return cli_machine_apply(s->cmd, a, (unsigned int)m, v) ? CLI_USAGE : CLI_GO;
}

int cli_parse(const struct cli_spec *s, struct cli_args *a, int argc, char **argv)
{
	/* --help shows the defaults, whatever options come before it */
	struct hvo_config cfg0 = a->cfg;
	char defs[CLI_MAX_OPTS][48];
	size_t k;
	int i, r;

	for (k = 0; k < nr_opts(s) && k < CLI_MAX_OPTS; k++)
		show_value(&s->opts[k], defs[k], sizeof(defs[k]));
	for (i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			print_usage(s, &cfg0, defs, stdout);
			return CLI_OK;
		}
		if (cli_is_version(argv[i]))
			return cli_version();
		r = one_option(s, a, argc, argv, &i);
		if (r != CLI_GO)
			return r;
	}
	return CLI_GO;
}

bool cli_machine_seen(const struct cli_args *a, const char *name)
{
	int k = cli_machine_find(name, strlen(name));

	return k >= 0 && (a->machine_seen >> k) & 1;
}
