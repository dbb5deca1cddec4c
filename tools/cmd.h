/* SPDX-License-Identifier: MIT */
/*
 * cmd.h - the hvosim commands.  Each parses its options with cli_parse()
 * (harness/opt.h) and returns the exit status described there.
 */
#ifndef HVOSIM_CMD_H
#define HVOSIM_CMD_H

int cmd_demo(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_savings(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_kpageflags(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_explore(int argc, char **argv);

#endif
