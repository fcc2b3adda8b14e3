/* Subcommands of the `malml` tool; each returns the process exit status. */
#ifndef MALML_COMMANDS_H
#define MALML_COMMANDS_H

int cmd_features(int argc, char** argv);
int cmd_train(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_score(int argc, char** argv);
int cmd_model(int argc, char** argv);

#endif
