package dev.qmpkit.qmp.schema;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.command.ObjectPropertyInfo;
import dev.qmpkit.qmp.command.QmpCommands;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What one QEMU supports, read from its own introspection instead of guessed from its version
 * number: commands, their arguments, enum values, events ({@code query-qmp-schema}), and the
 * properties of QOM types ({@code qom-list-properties}, asked once per type and cached).
 *
 * <pre>{@code
 * QmpSchema schema = QmpSchema.of(client);
 * schema.commandHasArgument("migrate", "channels");          // QEMU 9.1+
 * schema.hasMigrationCapability("x-ignore-shared");
 * schema.qomTypeHasProperty("memory-backend-file", "rom");    // QEMU 8.2+
 * }</pre>
 *
 * <p>{@code query-qmp-schema} hides type names behind numbers ({@code "123"}); only command
 * and event names are real. So arguments are found by following a command's {@code arg-type}
 * through the entries, and an enum is found by where QEMU uses it: {@link #enumValues} knows
 * the enums the SDK needs by their QAPI names (see {@link #knownEnumNames()}). Arguments of
 * union types (e.g. {@code netdev_add}, {@code object-add}) include the members of every
 * branch.
 *
 * <p>Immutable apart from the QOM cache; thread-safe.
 */
public final class QmpSchema {

    /** Where an enum the SDK cares about appears: a command's arguments or reply, or an event's data. */
    private record EnumLocation(String entry, String field, String path) {
    }

    private static final Map<String, EnumLocation> KNOWN_ENUMS = Map.of(
            "MigrationCapability", new EnumLocation("migrate-set-capabilities", "arg-type", "capabilities.capability"),
            "RunState", new EnumLocation("query-status", "ret-type", "status"),
            "MigrationStatus", new EnumLocation("query-migrate", "ret-type", "status"),
            "NetClientDriver", new EnumLocation("netdev_add", "arg-type", "type"),
            "ObjectType", new EnumLocation("object-add", "arg-type", "qom-type"),
            "MemoryDeviceInfoKind", new EnumLocation("query-memory-devices", "ret-type", "type"),
            "HostMemPolicy", new EnumLocation("query-memdev", "ret-type", "policy"),
            "MigMode", new EnumLocation("migrate-set-parameters", "arg-type", "mode"),
            "ShutdownCause", new EnumLocation("SHUTDOWN", "arg-type", "reason"));

    /** Dropped when the client closes; a weak map would not do, as each schema refers to its client. */
    private static final Map<QmpClient, CompletableFuture<QmpSchema>> PER_CLIENT = new ConcurrentHashMap<>();
    /**
     * Parsed schemas shared by every client of the same QEMU build: a pool of clones would
     * otherwise hold one copy (a few MB of JSON nodes) each. Keyed by a cheap fingerprint and
     * shared only when the content is equal, so a rebuilt QEMU with the same version is safe.
     */
    private static final Map<String, List<Map<String, JsonNode>>> SHARED = new ConcurrentHashMap<>();

    private final Map<String, JsonNode> entries;
    /** Null for a schema read from a recorded reply. */
    private final QmpClient client;
    private final Map<String, CompletableFuture<Set<String>>> qomProperties = new ConcurrentHashMap<>();

    private QmpSchema(Map<String, JsonNode> entries, QmpClient client) {
        this.entries = entries;
        this.client = client;
    }

    /**
     * Loads the schema with one {@code query-qmp-schema} (about 240 KB, 30 ms).
     *
     * @param client a connected client; never null
     * @return a future completed with the schema
     */
    public static CompletableFuture<QmpSchema> loadAsync(QmpClient client) {
        Objects.requireNonNull(client, "client");
        return new QmpCommands(client).queryQmpSchema()
                .thenApply(reply -> new QmpSchema(shared(client.greeting().version() + "|"
                        + client.greeting().packageName(), reply), client));
    }

    /**
     * Blocking {@link #loadAsync}.
     *
     * @param client a connected client; never null
     * @return the schema
     * @throws dev.qmpkit.qmp.QmpException when the query fails
     */
    public static QmpSchema load(QmpClient client) {
        return Futures.await(loadAsync(client));
    }

    /**
     * The schema of this client's QEMU, loaded on first use and cached for the client's life
     * (a client that reconnects to a different QEMU should use {@link #load} instead).
     *
     * @param client a connected client; never null
     * @return the schema
     * @throws dev.qmpkit.qmp.QmpException when the query fails (a failure is not cached)
     */
    public static QmpSchema of(QmpClient client) {
        Objects.requireNonNull(client, "client");
        CompletableFuture<QmpSchema> created = new CompletableFuture<>();
        CompletableFuture<QmpSchema> f = PER_CLIENT.putIfAbsent(client, created);
        if (f == null) {
            f = created;
            client.closeFuture().whenComplete((reason, e) -> PER_CLIENT.remove(client, created));
            loadAsync(client).whenComplete((schema, e) -> {
                if (e != null) {
                    created.completeExceptionally(e);
                } else {
                    created.complete(schema);
                }
            });
        }
        try {
            return Futures.await(f);
        } catch (RuntimeException e) {
            PER_CLIENT.remove(client, f);
            throw e;
        }
    }

    /**
     * A schema from a recorded {@code query-qmp-schema} reply, e.g. for tests or offline
     * checks. It cannot answer QOM questions.
     *
     * @param reply the {@code return} array of {@code query-qmp-schema}; never null
     * @return the schema
     */
    public static QmpSchema fromReply(JsonNode reply) {
        return new QmpSchema(index(Objects.requireNonNull(reply, "reply")), null);
    }

    private static Map<String, JsonNode> shared(String build, JsonNode reply) {
        Map<String, JsonNode> fresh = index(reply);
        List<Map<String, JsonNode>> candidates = SHARED.computeIfAbsent(build + "|" + fresh.size(),
                k -> new java.util.concurrent.CopyOnWriteArrayList<>());
        for (Map<String, JsonNode> known : candidates) {
            if (known.equals(fresh)) {
                return known;
            }
        }
        candidates.add(fresh);
        return fresh;
    }

    /** @return how many clients have a cached schema (for tests) */
    static int cachedClientCount() {
        return PER_CLIENT.size();
    }

    /** @return how many distinct parsed schemas are shared between clients (for tests) */
    static int sharedCount() {
        return SHARED.values().stream().mapToInt(List::size).sum();
    }

    private static Map<String, JsonNode> index(JsonNode reply) {
        if (!reply.isArray()) {
            throw new IllegalArgumentException("query-qmp-schema must return an array, got " + reply.getNodeType());
        }
        Map<String, JsonNode> m = new HashMap<>(reply.size() * 2);
        for (JsonNode e : reply) {
            m.put(e.path("name").asText(), e);
        }
        return Collections.unmodifiableMap(m);
    }

    /** @return the number of schema entries (about 1,050 on QEMU 7.2, 1,170 on 10.0) */
    public int size() {
        return entries.size();
    }

    /**
     * @param name a command name, e.g. {@code migrate-incoming}; never null
     * @return whether QEMU has it
     */
    public boolean hasCommand(String name) {
        return isA(Objects.requireNonNull(name, "name"), "command");
    }

    /**
     * @param name an event name, e.g. {@code MIGRATION}; never null
     * @return whether QEMU has it
     */
    public boolean hasEvent(String name) {
        return isA(Objects.requireNonNull(name, "name"), "event");
    }

    /** @return every command name; never null, sorted */
    public Set<String> commands() {
        return namesOf("command");
    }

    /** @return every event name; never null, sorted */
    public Set<String> events() {
        return namesOf("event");
    }

    /**
     * @param command a command name; never null
     * @param argument an argument name, or a dotted path into nested objects and arrays, e.g.
     *                 {@code channels} or {@code capabilities.capability}; never null
     * @return whether the command exists and takes that argument (in any branch of a union)
     */
    public boolean commandHasArgument(String command, String argument) {
        Objects.requireNonNull(argument, "argument");
        return hasCommand(command) && typeAt(command, "arg-type", argument).isPresent();
    }

    /**
     * The names a command's arguments, or the members of one of its object arguments, may take:
     * what an interactive shell completes after {@code device_add } or {@code blockdev-add file.}.
     *
     * @param command a command name; never null
     * @param path empty for the command's own arguments, or a dotted path to an object argument,
     *             e.g. {@code file} (arrays are looked through); never null
     * @return the names (of every branch of a union or alternate), sorted; empty when the command
     *         takes none there or does not exist
     */
    public Set<String> commandArguments(String command, String path) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(path, "path");
        if (!hasCommand(command)) {
            return Set.of();
        }
        return (path.isEmpty() ? Optional.ofNullable(type(command, "arg-type")) : typeAt(command, "arg-type", path))
                .map(this::membersOf).orElse(Set.of());
    }

    /**
     * The JSON types an argument accepts, as {@code query-qmp-schema} states them for its
     * built-in types: {@code string} (enums too), {@code int}, {@code number}, {@code boolean},
     * {@code null}, {@code object}, {@code array}, or {@code value} for any JSON value. An
     * alternate accepts the types of all its branches. An interactive shell reads
     * {@code id=123} as a string where only a string is accepted.
     *
     * @param command a command name; never null
     * @param path an argument name or dotted path; never null
     * @return the types, sorted; empty when the command or argument does not exist
     */
    public Set<String> argumentJsonTypes(String command, String path) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(path, "path");
        if (!hasCommand(command)) {
            return Set.of();
        }
        Set<String> types = new TreeSet<>();
        typeAt(command, "arg-type", path).ifPresent(t -> collectJsonTypes(t, types, new LinkedHashSet<>()));
        return Collections.unmodifiableSet(types);
    }

    private void collectJsonTypes(String typeName, Set<String> types, Set<String> seen) {
        JsonNode e = entries.get(typeName);
        if (e == null || !seen.add(typeName)) {
            return;
        }
        switch (e.path("meta-type").asText()) {
            case "builtin" -> types.add(e.path("json-type").asText());
            case "enum" -> types.add("string");
            case "object" -> types.add("object");
            case "array" -> types.add("array");
            case "alternate" -> e.path("members").forEach(m -> collectJsonTypes(m.path("type").asText(), types, seen));
            default -> {
                // no other meta-type is an argument's type
            }
        }
    }

    /**
     * @param event an event name; never null
     * @param member a data member name or dotted path; never null
     * @return whether the event exists and carries that member
     */
    public boolean eventHasMember(String event, String member) {
        Objects.requireNonNull(member, "member");
        return hasEvent(event) && typeAt(event, "arg-type", member).isPresent();
    }

    /**
     * @param command a command name; never null
     * @param argument an argument name or dotted path whose type is an enum; never null
     * @return the enum's values; empty when the command, argument or enum does not exist
     */
    public Set<String> argumentEnumValues(String command, String argument) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(argument, "argument");
        return typeAt(command, "arg-type", argument).map(this::enumValuesOf).orElse(Set.of());
    }

    /** @return the QAPI enum names {@link #enumValues} and {@link #enumHasValue} accept; never null, sorted */
    public static Set<String> knownEnumNames() {
        return new TreeSet<>(KNOWN_ENUMS.keySet());
    }

    /**
     * @param enumTypeName a QAPI enum name from {@link #knownEnumNames()}, e.g. {@code MigrationCapability}; never null
     * @return its values on this QEMU; empty when the command or event that uses it is absent
     * @throws IllegalArgumentException for an enum name this class does not know how to find
     */
    public Optional<Set<String>> enumValues(String enumTypeName) {
        EnumLocation loc = KNOWN_ENUMS.get(Objects.requireNonNull(enumTypeName, "enumTypeName"));
        if (loc == null) {
            throw new IllegalArgumentException("query-qmp-schema hides type names; QmpSchema locates only these enums: "
                    + knownEnumNames() + " (use argumentEnumValues(command, argument) for others), not '"
                    + enumTypeName + "'");
        }
        if (!entries.containsKey(loc.entry())) {
            return Optional.empty();
        }
        return typeAt(loc.entry(), loc.field(), loc.path()).map(this::enumValuesOf).filter(s -> !s.isEmpty());
    }

    /**
     * @param enumTypeName a QAPI enum name from {@link #knownEnumNames()}; never null
     * @param value a value, e.g. {@code x-ignore-shared}; never null
     * @return whether this QEMU's enum has the value
     * @throws IllegalArgumentException for an enum name this class does not know how to find
     */
    public boolean enumHasValue(String enumTypeName, String value) {
        Objects.requireNonNull(value, "value");
        return enumValues(enumTypeName).map(s -> s.contains(value)).orElse(false);
    }

    /** @return the migration capabilities ({@code MigrationCapability}) this QEMU has; never null */
    public Set<String> migrationCapabilities() {
        return enumValues("MigrationCapability").orElse(Set.of());
    }

    /**
     * @param capability e.g. {@code x-ignore-shared}, {@code mapped-ram}; never null
     * @return whether QEMU has it
     */
    public boolean hasMigrationCapability(String capability) {
        return enumHasValue("MigrationCapability", capability);
    }

    /** @return the parameters {@code migrate-set-parameters} accepts on this QEMU; never null */
    public Set<String> migrationParameters() {
        return membersOf(type("migrate-set-parameters", "arg-type"));
    }

    /**
     * @param typeName a QOM type, e.g. {@code memory-backend-file}; never null
     * @param property a property, e.g. {@code rom}; never null
     * @return whether objects of that type have the property; false for a type this QEMU lacks
     * @throws IllegalStateException for a schema made with {@link #fromReply}
     * @throws dev.qmpkit.qmp.QmpException when the query fails for another reason
     */
    public boolean qomTypeHasProperty(String typeName, String property) {
        Objects.requireNonNull(property, "property");
        return Futures.await(qomTypeProperties(typeName)).contains(property);
    }

    /**
     * @param typeName a QOM type; never null
     * @return the property names of that type ({@code qom-list-properties}, cached per type);
     *         empty for a type this QEMU lacks
     * @throws IllegalStateException for a schema made with {@link #fromReply}
     */
    public CompletableFuture<Set<String>> qomTypeProperties(String typeName) {
        Objects.requireNonNull(typeName, "typeName");
        if (client == null) {
            throw new IllegalStateException("this QmpSchema was built from a recorded reply and has no client "
                    + "to ask qom-list-properties; use QmpSchema.of(client)");
        }
        CompletableFuture<Set<String>> f = qomProperties.computeIfAbsent(typeName, this::queryQomProperties);
        // A lost connection must not be remembered as "no properties".
        f.whenComplete((v, e) -> {
            if (e != null) {
                qomProperties.remove(typeName, f);
            }
        });
        return f;
    }

    private CompletableFuture<Set<String>> queryQomProperties(String typeName) {
        return new QmpCommands(client).qomListProperties(typeName)
                .thenApply(list -> list.stream().map(ObjectPropertyInfo::name)
                        .collect(Collectors.toUnmodifiableSet()))
                .exceptionally(e -> {
                    if (Futures.unwrap(e) instanceof QmpCommandException) {
                        return Set.of(); // QEMU does not know the type
                    }
                    throw Futures.unwrap(e);
                });
    }

    // ---- walking the entries -------------------------------------------------------------

    private boolean isA(String name, String metaType) {
        JsonNode e = entries.get(name);
        return e != null && metaType.equals(e.path("meta-type").asText());
    }

    private Set<String> namesOf(String metaType) {
        return entries.values().stream().filter(e -> metaType.equals(e.path("meta-type").asText()))
                .map(e -> e.path("name").asText()).collect(Collectors.toCollection(TreeSet::new));
    }

    private String type(String entry, String field) {
        JsonNode e = entries.get(entry);
        return e == null || !e.hasNonNull(field) ? null : e.get(field).asText();
    }

    /** Follows a dotted member path from an entry's arg-type or ret-type; arrays are looked through. */
    private Optional<String> typeAt(String entry, String field, String path) {
        String t = type(entry, field);
        for (String segment : path.split("\\.", -1)) {
            if (t == null) {
                return Optional.empty();
            }
            t = memberType(t, segment, new LinkedHashSet<>());
        }
        return Optional.ofNullable(t);
    }

    /** A member's type in an object (including union branches) or in any object branch of an alternate. */
    private String memberType(String typeName, String member, Set<String> seen) {
        String t = elementType(typeName);
        JsonNode e = entries.get(t);
        if (e == null || !seen.add(t)) {
            return null;
        }
        switch (e.path("meta-type").asText()) {
            case "object" -> {
                for (JsonNode m : e.path("members")) {
                    if (member.equals(m.path("name").asText())) {
                        return m.path("type").asText();
                    }
                }
                for (JsonNode v : e.path("variants")) {
                    String found = memberType(v.path("type").asText(), member, seen);
                    if (found != null) {
                        return found;
                    }
                }
                return null;
            }
            case "alternate" -> {
                for (JsonNode m : e.path("members")) {
                    String found = memberType(m.path("type").asText(), member, seen);
                    if (found != null) {
                        return found;
                    }
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    /** All member names of an object type, including those of its union branches. */
    private Set<String> membersOf(String typeName) {
        Set<String> names = new TreeSet<>();
        collectMembers(typeName, names, new LinkedHashSet<>());
        return Collections.unmodifiableSet(names);
    }

    private void collectMembers(String typeName, Set<String> names, Set<String> seen) {
        if (typeName == null) {
            return;
        }
        String t = elementType(typeName);
        JsonNode e = entries.get(t);
        if (e == null || !seen.add(t)) {
            return;
        }
        if ("alternate".equals(e.path("meta-type").asText())) {
            e.path("members").forEach(m -> collectMembers(m.path("type").asText(), names, seen));
            return;
        }
        if (!"object".equals(e.path("meta-type").asText())) {
            return;
        }
        e.path("members").forEach(m -> names.add(m.path("name").asText()));
        e.path("variants").forEach(v -> collectMembers(v.path("type").asText(), names, seen));
    }

    /** The element type of an array type, or the type itself. */
    private String elementType(String typeName) {
        String t = typeName;
        for (int guard = 0; guard < 8; guard++) {
            JsonNode e = entries.get(t);
            if (e == null || !"array".equals(e.path("meta-type").asText())) {
                return t;
            }
            t = e.path("element-type").asText();
        }
        return t;
    }

    /** Enum values of a type, looking through arrays and alternates; empty for a non-enum. */
    private Set<String> enumValuesOf(String typeName) {
        String t = elementType(typeName);
        JsonNode e = entries.get(t);
        if (e == null) {
            return Set.of();
        }
        String meta = e.path("meta-type").asText();
        if ("enum".equals(meta)) {
            List<String> values = new ArrayList<>();
            e.path("values").forEach(v -> values.add(v.asText()));
            return Collections.unmodifiableSet(new TreeSet<>(values));
        }
        if ("alternate".equals(meta)) {
            Set<String> all = new TreeSet<>();
            for (JsonNode m : e.path("members")) {
                String mt = m.path("type").asText();
                if (!mt.equals(t)) {
                    all.addAll(enumValuesOf(mt));
                }
            }
            return Collections.unmodifiableSet(all);
        }
        return Set.of();
    }
}
