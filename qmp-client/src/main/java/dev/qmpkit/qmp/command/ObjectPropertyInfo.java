package dev.qmpkit.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A QOM property as {@code qom-list} and {@code qom-list-properties} report it.
 *
 * @param name the property name, e.g. {@code rom}; never null
 * @param type its type, e.g. {@code bool}, {@code child<pc-dimm>}, {@code link<memory-backend>}; never null
 * @param description a description; may be null
 * @param defaultValue its default value; may be null
 */
public record ObjectPropertyInfo(String name, String type, String description, JsonNode defaultValue) {
    /**
     * Validates.
     *
     * @param name the property name, e.g. {@code rom}; never null
     * @param type its type, e.g. {@code bool}, {@code child<pc-dimm>}, {@code link<memory-backend>}; never null
     * @param description a description; may be null
     * @param defaultValue its default value; may be null
     */
    public ObjectPropertyInfo {
        Objects.requireNonNull(name, "name");
        type = type == null ? "" : type;
    }

    /** @return whether the property is a child object ({@code child<...>}) */
    public boolean isChild() {
        return type.startsWith("child<");
    }

    /** @return whether the property links to another object ({@code link<...>}) */
    public boolean isLink() {
        return type.startsWith("link<");
    }
}
