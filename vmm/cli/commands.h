/* cvmm's sub-commands: each parses its own argv (argv[0] is its name). */
#ifndef CVMM_COMMANDS_H
#define CVMM_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_attest(int argc, char **argv);

#endif
