/** Sample programs and the qmpkit command-line launcher. */
package dev.qmpkit.samples;
