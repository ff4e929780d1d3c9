/** Implementation of the built-in fix-ups (the guest-side reseed helper); not public API. */
package dev.qmpkit.templating.fixup.internal;
