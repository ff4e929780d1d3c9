package dev.qmpkit.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * An asynchronous event from QEMU, e.g. {@code STOP}, {@code RESUME}, {@code MIGRATION}.
 *
 * @param name the event name; never null
 * @param data the event's {@code data} member, or an empty object when it has none; never null
 * @param timestamp when QEMU emitted it; never null
 */
public record QmpEvent(String name, JsonNode data, Instant timestamp) {
}
