/** VM templating: description, template save, manifest, clone, pool. */
package dev.qmpkit.templating;
