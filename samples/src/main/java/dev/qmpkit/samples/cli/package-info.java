/**
 * The {@code ./qmpkit} command line: its subcommands (the socket commands, {@code demo},
 * {@code template create}, {@code template clone}), argument parsing, failure messages with
 * fixes, progress and table output.
 */
package dev.qmpkit.samples.cli;
