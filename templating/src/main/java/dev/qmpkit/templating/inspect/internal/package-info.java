/** Implementation of the inspection and readiness rules; not public API. */
package dev.qmpkit.templating.inspect.internal;
