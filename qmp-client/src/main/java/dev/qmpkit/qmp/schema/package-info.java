/** Introspection of what a QEMU supports: query-qmp-schema and qom-list-properties. */
package dev.qmpkit.qmp.schema;
