/** The launcher's plumbing: argument parsing, subcommands, failure messages with fixes, progress and table output. */
package dev.qmpkit.samples.cli;
