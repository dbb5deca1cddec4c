/* SPDX-License-Identifier: MIT */
/*
 * opt.h - command-line options from one table per command.
 *
 * A command describes its own options in a table of struct cli_opt and says
 * which machine options it takes; cli_parse() parses argv against both,
 * handles --help, --version and --json, and prints --help from the same
 * tables (with the defaults read from the values themselves before parsing),
 * so what a command accepts and what its help says cannot drift apart.
 *
 * Exit status, the same for every command:
 *   0  success;
 *   1  a finding: a checker violation, a logged fault, a caught race, leaked
 *      frames, a failed selftest rule, or a run that could not finish;
 *   2  bad usage or input: an unknown option, a missing or bad value, a
 *      configuration the library refuses, a pfn range outside the machine.
 */
#ifndef HVOSIM_HARNESS_OPT_H
#define HVOSIM_HARNESS_OPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <hvosim/hvosim.h>

enum { CLI_OK = 0, CLI_FINDING = 1, CLI_USAGE = 2 };
/* cli_parse(): carry on with the command */
#define CLI_GO (-1)

#define CLI_EXIT_HELP                                                            \
	"exit status: 0 success, 1 a finding (violation, fault, race, leak, failed " \
	"rule),\n2 bad usage or input (option, value, configuration, pfn range)\n"

enum cli_kind {
	CLI_FLAG,	/* bool; takes no value */
	CLI_U64,	/* uint64_t in [min, max] */
	CLI_DBL,	/* double in (0, dmax] */
	CLI_STR,	/* const char *, checked by the command */
	CLI_CHOICE,	/* unsigned int: the index of the value in choices */
};

/*
 * One option of a command: --name, or --name VALUE / --name=VALUE.
 * @def: the default as --help shows it; NULL shows the value *@val holds
 * before parsing, "" shows none.  @seen, if set, is set when the option is
 * given.  @help may hold '\n' for more lines.
 */
struct cli_opt {
	const char *name;
	const char *meta;
	const char *help;
	enum cli_kind kind;
	void *val;
	uint64_t min, max;
	double dmax;
	const char *const *choices;
	const char *def;
	bool *seen;
};

/* a command's own words for one of the machine options */
struct cli_override {
	const char *name;
	const char *help;
	const char *def;
};

/*
 * A command.  @machine: the machine options it takes, NULL for none, "*"
 * for all, "* -name ..." for all but some, or a list "seed mem".
 * @notes: a paragraph printed after the options.
 */
struct cli_spec {
	const char *cmd;
	const char *args;	/* synopsis words after the options, or NULL */
	const char *about;
	const struct cli_opt *opts;	/* ends at .name == NULL; may be NULL */
	const char *machine;
	const struct cli_override *override;	/* ends at .name == NULL */
	const char *notes;
};

/* what cli_parse() fills in besides the command's own values */
struct cli_args {
	struct hvo_config cfg;	/* preset by the command: its defaults */
	bool json;
	uint32_t machine_seen;	/* bit per machine option given */
	char per_node[3][128];	/* mem, movable, boot-gigantic as given */
};

/* the tool's config defaults: those of hvo_config_init() but faults are
 * recorded (a tool reports them; tests and fuzzers abort on them) */
void cli_args_init(struct cli_args *a);

/* CLI_GO, or the exit status (0 after --help/--version, 2 after a usage
 * error, whose message is printed) */
int cli_parse(const struct cli_spec *s, struct cli_args *a, int argc, char **argv);
void cli_usage(const struct cli_spec *s, const struct hvo_config *cfg, FILE *out);
bool cli_machine_seen(const struct cli_args *a, const char *name);

/* hvo_config_validate() for @cmd: 0, or 2 with the library's reason printed */
int cli_check_machine(const char *cmd, const struct hvo_config *cfg);
/* hvo_sim_create(): 0, or 2 with the reason printed */
int cli_create(const char *cmd, const struct hvo_config *cfg, struct hvo_sim **sim);

/* "hvosim CMD: <message> (try 'hvosim CMD --help')" on stderr; returns 2 */
int cli_bad(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_version(void);
bool cli_is_help(const char *a);
bool cli_is_version(const char *a);

/* a table of subcommands (hvosim COMMAND, hvosim bench NAME) */
struct cli_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};
/* run argv[1] among @cmds (--help, --version and nothing handled too);
 * -1 if argv[1] names no command, else the exit status */
int cli_dispatch(const struct cli_cmd *cmds, size_t n, void (*usage)(FILE *out),
		 int argc, char **argv);

/* ---- the machine options (machine.c) ---- */
struct cli_machine_key {
	const char *name;
	const char *meta;
	const char *help;
};
unsigned int cli_machine_count(void);
const struct cli_machine_key *cli_machine_key(unsigned int k);
int cli_machine_find(const char *name, size_t len);
/* the value of machine option @k in @cfg, as --help shows it */
void cli_machine_show(const struct hvo_config *cfg, unsigned int k, char *buf, size_t len);
/* apply --name VALUE: 0, or 2 with the message printed for @cmd */
int cli_machine_apply(const char *cmd, struct cli_args *a, unsigned int k, const char *val);

#endif
