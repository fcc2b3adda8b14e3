/* Subcommands of the `malml` tool; each returns the process exit status. */
#ifndef MALML_COMMANDS_H
#define MALML_COMMANDS_H

int cmd_features(int argc, char** argv);
int cmd_train(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_score(int argc, char** argv);
int cmd_model(int argc, char** argv);
int cmd_recut(int argc, char** argv);

/* After getopt refused an option's value: says why for -p and -a (the
 * number options the scanning commands share), so the usage that follows
 * is not the only answer.  Nothing for other options. */
void bad_number(const char* who, int option);

#endif
