/* diagnose: `ftrace_exporter diagnose`, the seed's manual workflow as one
 * command. It traces for a while with the config's probes in a tracefs
 * instance of its own (never a running exporter's), or reads a running
 * exporter's /metrics twice (--from=URL), and prints why packets were
 * dropped: causes ranked by rate with their reasons and code locations,
 * the explanation and the next step, retransmits, the classic
 * send/receive/receive-path picture, the probes the kernel refused and the
 * events lost; as text for a person or JSON for scripts.
 */
#ifndef FTE_DIAGNOSE_H
#define FTE_DIAGNOSE_H

/* Runs the subcommand (argv[0] is "diagnose"). The exit status: 0 when it
 * ran, whatever it found; 1 with a message on stderr when it could not
 * (no tracefs, no permission, bad config, bad or unreachable URL); 2 for
 * bad flags; 130 when interrupted by SIGINT, SIGTERM or SIGHUP (the
 * partial report is printed). */
int diagnose_main(int argc, char **argv);

#endif
