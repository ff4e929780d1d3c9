/** Implementation of the templating workflow: command lines, save, clone, manifest I/O. Not public API. */
package dev.qmpkit.templating.internal;
