package dev.qmpkit.qmp.command;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.internal.Replies;
import java.io.FileDescriptor;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Typed, asynchronous QMP commands over a {@link QmpClient}: each method sends one command
 * and converts its reply to a record. Names and semantics follow QEMU's QAPI schema; read
 * QEMU's QMP reference for the details of each command. Replies are read tolerantly: fields a
 * newer QEMU adds are ignored, fields QEMU 7.2 lacks are null.
 *
 * <p>Futures fail like {@link QmpClient#execute(String, Object)}'s; a reply that does not fit
 * its record fails with a {@link dev.qmpkit.qmp.QmpProtocolException}. A null argument
 * documented as optional is left out of the command. Argument values are strings, numbers,
 * booleans, lists, maps or {@link JsonNode}s; a {@link java.nio.file.Path} is sent as its
 * plain path. Thread-safe; obtain with
 * {@link QmpClient#commands()}. For anything not here, use {@link QmpClient#execute}.
 */
public final class QmpCommands {

    private static final JavaType STATUS = Replies.type(StatusInfo.class);
    private static final JavaType VERSION = Replies.type(VersionInfo.class);
    private static final JavaType MIGRATION = Replies.type(MigrationInfo.class);
    private static final JavaType CAPABILITIES = Replies.listOf(MigrationCapabilityStatus.class);
    private static final JavaType MEMDEVS = Replies.listOf(Memdev.class);
    private static final JavaType MEMORY_DEVICES = Replies.listOf(MemoryDeviceInfo.class);
    private static final JavaType BALLOON = Replies.type(BalloonInfo.class);
    private static final JavaType PROPERTIES = Replies.listOf(ObjectPropertyInfo.class);
    private static final JavaType GUID = Replies.type(GuidInfo.class);
    private static final JavaType STRING = Replies.type(String.class);
    private static final JavaType ADD_FD = Replies.type(AddFdInfo.class);
    private static final JavaType FDSETS = Replies.listOf(FdsetInfo.class);

    private final QmpClient client;

    /** @param client the connected client; never null */
    public QmpCommands(QmpClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /** @return the client the commands go through; never null */
    public QmpClient client() {
        return client;
    }

    /** @return {@code query-version} */
    public CompletableFuture<VersionInfo> queryVersion() {
        return call("query-version", null, VERSION);
    }

    /** @return {@code query-status} */
    public CompletableFuture<StatusInfo> queryStatus() {
        return call("query-status", null, STATUS);
    }

    /** @return {@code stop}: pauses the vCPUs (no STOP event while still in {@code prelaunch}) */
    public CompletableFuture<Void> stop() {
        return call("stop", null, Replies.VOID);
    }

    /** @return {@code cont}: resumes the vCPUs */
    public CompletableFuture<Void> cont() {
        return call("cont", null, Replies.VOID);
    }

    /** @return {@code quit}: QEMU exits right after answering (the connection then closes) */
    public CompletableFuture<Void> quit() {
        return call("quit", null, Replies.VOID);
    }

    /** @return {@code system_reset} */
    public CompletableFuture<Void> systemReset() {
        return call("system_reset", null, Replies.VOID);
    }

    /** @return {@code migrate_cancel}: cancels the outgoing migration in progress, if any */
    public CompletableFuture<Void> migrateCancel() {
        return call("migrate_cancel", null, Replies.VOID);
    }

    /** @return {@code query-migrate} */
    public CompletableFuture<MigrationInfo> queryMigrate() {
        return call("query-migrate", null, MIGRATION);
    }

    /**
     * Starts an outgoing migration; it runs in the background: watch {@link #queryMigrate()}
     * or the {@code MIGRATION} event.
     *
     * @param uri e.g. {@code exec:cat > FILE} or {@code file:PATH} (QEMU 8.2+); never null
     * @return {@code migrate}
     */
    public CompletableFuture<Void> migrate(String uri) {
        return call("migrate", args("uri", Objects.requireNonNull(uri, "uri")), Replies.VOID);
    }

    /**
     * @param arguments the full arguments of {@code migrate} (e.g. {@code channels} on QEMU 9.1+); never null
     * @return {@code migrate}
     */
    public CompletableFuture<Void> migrate(Map<String, ?> arguments) {
        return call("migrate", Objects.requireNonNull(arguments, "arguments"), Replies.VOID);
    }

    /**
     * Starts listening for an incoming migration (QEMU started with {@code -incoming defer}).
     *
     * @param uri e.g. {@code exec:cat FILE} or {@code file:PATH} (QEMU 8.2+); never null
     * @return {@code migrate-incoming}
     */
    public CompletableFuture<Void> migrateIncoming(String uri) {
        return call("migrate-incoming", args("uri", Objects.requireNonNull(uri, "uri")), Replies.VOID);
    }

    /**
     * @param arguments the full arguments of {@code migrate-incoming}; never null
     * @return {@code migrate-incoming}
     */
    public CompletableFuture<Void> migrateIncoming(Map<String, ?> arguments) {
        return call("migrate-incoming", Objects.requireNonNull(arguments, "arguments"), Replies.VOID);
    }

    /**
     * @param capabilities the capabilities to set; never null, no null element
     * @return {@code migrate-set-capabilities}
     */
    public CompletableFuture<Void> migrateSetCapabilities(List<MigrationCapabilityStatus> capabilities) {
        return call("migrate-set-capabilities", args("capabilities", List.copyOf(capabilities)), Replies.VOID);
    }

    /**
     * @param capability e.g. {@code x-ignore-shared}; never null
     * @param state on or off
     * @return {@code migrate-set-capabilities} with that one capability
     */
    public CompletableFuture<Void> migrateSetCapability(String capability, boolean state) {
        return migrateSetCapabilities(List.of(new MigrationCapabilityStatus(capability, state)));
    }

    /** @return {@code query-migrate-capabilities} */
    public CompletableFuture<List<MigrationCapabilityStatus>> queryMigrateCapabilities() {
        return call("query-migrate-capabilities", null, CAPABILITIES);
    }

    /**
     * @param parameters QAPI names and values, e.g. {@code "multifd-channels", 4}; never null
     * @return {@code migrate-set-parameters}
     */
    public CompletableFuture<Void> migrateSetParameters(Map<String, ?> parameters) {
        return call("migrate-set-parameters", Objects.requireNonNull(parameters, "parameters"), Replies.VOID);
    }

    /** @return {@code query-migrate-parameters}, as QEMU sent it (the set differs by version) */
    public CompletableFuture<JsonNode> queryMigrateParameters() {
        return call("query-migrate-parameters", null, Replies.JSON);
    }

    /** @return {@code query-memdev}: the memory backends */
    public CompletableFuture<List<Memdev>> queryMemdev() {
        return call("query-memdev", null, MEMDEVS);
    }

    /** @return {@code query-memory-devices}: DIMMs, virtio-mem and the like */
    public CompletableFuture<List<MemoryDeviceInfo>> queryMemoryDevices() {
        return call("query-memory-devices", null, MEMORY_DEVICES);
    }

    /** @return {@code query-balloon}; fails with {@code DeviceNotActive} without a balloon device */
    public CompletableFuture<BalloonInfo> queryBalloon() {
        return call("query-balloon", null, BALLOON);
    }

    /**
     * @param bytes the guest's target memory size
     * @return {@code balloon}
     */
    public CompletableFuture<Void> balloon(long bytes) {
        return call("balloon", args("value", bytes), Replies.VOID);
    }

    /**
     * @param path a QOM path, e.g. {@code /machine}; never null
     * @return {@code qom-list}
     */
    public CompletableFuture<List<ObjectPropertyInfo>> qomList(String path) {
        return call("qom-list", args("path", Objects.requireNonNull(path, "path")), PROPERTIES);
    }

    /**
     * @param path a QOM path; never null
     * @param property the property name; never null
     * @return {@code qom-get}: the value as QEMU sent it
     */
    public CompletableFuture<JsonNode> qomGet(String path, String property) {
        return call("qom-get", args("path", Objects.requireNonNull(path, "path"),
                "property", Objects.requireNonNull(property, "property")), Replies.JSON);
    }

    /**
     * @param path a QOM path; never null
     * @param property the property name; never null
     * @param value the value (string, number, boolean or JSON); never null
     * @return {@code qom-set}
     */
    public CompletableFuture<Void> qomSet(String path, String property, Object value) {
        return call("qom-set", args("path", Objects.requireNonNull(path, "path"),
                "property", Objects.requireNonNull(property, "property"),
                "value", Objects.requireNonNull(value, "value")), Replies.VOID);
    }

    /**
     * @param typeName a QOM type, e.g. {@code memory-backend-file}; never null
     * @return {@code qom-list-properties}: the properties an object of that type would have
     */
    public CompletableFuture<List<ObjectPropertyInfo>> qomListProperties(String typeName) {
        return call("qom-list-properties", args("typename", Objects.requireNonNull(typeName, "typeName")), PROPERTIES);
    }

    /**
     * @return {@code query-qmp-schema}: the raw entries (about 1,200, 240 KB); read them with
     *         {@link dev.qmpkit.qmp.schema.QmpSchema}
     */
    public CompletableFuture<JsonNode> queryQmpSchema() {
        return call("query-qmp-schema", null, Replies.JSON);
    }

    /**
     * @param driver the device type, e.g. {@code virtio-net-pci}; never null
     * @param id the device id; may be null
     * @param properties further properties by name; may be null
     * @return {@code device_add}
     */
    public CompletableFuture<Void> deviceAdd(String driver, String id, Map<String, ?> properties) {
        return call("device_add", withProperties(properties, "driver", Objects.requireNonNull(driver, "driver"),
                "id", id), Replies.VOID);
    }

    /**
     * Requests removal. For most buses the guest must cooperate and removal finishes later
     * with a {@code DEVICE_DELETED} event; see {@link #deviceDelAndWait}.
     *
     * @param id the device id or QOM path; never null
     * @return {@code device_del}
     */
    public CompletableFuture<Void> deviceDel(String id) {
        return call("device_del", args("id", Objects.requireNonNull(id, "id")), Replies.VOID);
    }

    /**
     * Requests removal and waits for QEMU's {@code DEVICE_DELETED} event for it. The wait is
     * registered before the command is sent, so a quick removal is not missed.
     *
     * @param id the device id; never null
     * @param timeout how long to wait for the event; positive, never null
     * @return a future completed with the event
     */
    public CompletableFuture<QmpEvent> deviceDelAndWait(String id, Duration timeout) {
        Objects.requireNonNull(id, "id");
        CompletableFuture<QmpEvent> deleted = client.awaitEvent("DEVICE_DELETED",
                e -> e.data() != null && id.equals(e.data().path("device").asText(null)), timeout);
        return deviceDel(id).thenCompose(v -> deleted).whenComplete((e, t) -> {
            if (t != null) {
                deleted.cancel(false);
            }
        });
    }

    /**
     * @param qomType the object type, e.g. {@code memory-backend-file}; never null
     * @param id the object id; never null
     * @param properties further properties; may be null
     * @return {@code object-add}
     */
    public CompletableFuture<Void> objectAdd(String qomType, String id, Map<String, ?> properties) {
        return call("object-add", withProperties(properties, "qom-type", Objects.requireNonNull(qomType, "qomType"),
                "id", Objects.requireNonNull(id, "id")), Replies.VOID);
    }

    /**
     * @param id the object id; never null
     * @return {@code object-del}
     */
    public CompletableFuture<Void> objectDel(String id) {
        return call("object-del", args("id", Objects.requireNonNull(id, "id")), Replies.VOID);
    }

    /**
     * @param type the backend type, e.g. {@code user}; never null
     * @param id the netdev id; never null
     * @param properties further properties; may be null
     * @return {@code netdev_add}
     */
    public CompletableFuture<Void> netdevAdd(String type, String id, Map<String, ?> properties) {
        return call("netdev_add", withProperties(properties, "type", Objects.requireNonNull(type, "type"),
                "id", Objects.requireNonNull(id, "id")), Replies.VOID);
    }

    /**
     * @param id the netdev id; never null
     * @return {@code netdev_del}
     */
    public CompletableFuture<Void> netdevDel(String id) {
        return call("netdev_del", args("id", Objects.requireNonNull(id, "id")), Replies.VOID);
    }

    /** @return {@code query-vm-generation-id}; fails with {@code GenericError} without a {@code vmgenid} device */
    public CompletableFuture<GuidInfo> queryVmGenerationId() {
        return call("query-vm-generation-id", null, GUID);
    }

    /**
     * @param commandLine an HMP command, e.g. {@code info version}; never null
     * @return {@code human-monitor-command}: HMP's output, with QEMU's {@code \r\n} line ends
     */
    public CompletableFuture<String> humanMonitorCommand(String commandLine) {
        return call("human-monitor-command", args("command-line", Objects.requireNonNull(commandLine,
                "commandLine")), STRING);
    }

    /**
     * Passes a descriptor to QEMU under a name, for commands that take an fd name.
     *
     * @param fd an open descriptor; stays the caller's (QEMU gets a duplicate); never null
     * @param fdName the name; never null
     * @return {@code getfd}
     */
    public CompletableFuture<Void> getfd(FileDescriptor fd, String fdName) {
        return callWithFd(fd, "getfd", args("fdname", Objects.requireNonNull(fdName, "fdName")), Replies.VOID);
    }

    /**
     * @param fdName a name given to {@link #getfd}; never null
     * @return {@code closefd}
     */
    public CompletableFuture<Void> closefd(String fdName) {
        return call("closefd", args("fdname", Objects.requireNonNull(fdName, "fdName")), Replies.VOID);
    }

    /**
     * Adds a descriptor to an fd set, for options that take {@code /dev/fdset/ID}.
     *
     * @param fd an open descriptor; stays the caller's (QEMU gets a duplicate); never null
     * @param fdsetId the set to add to; null for a new one
     * @param opaque free-form text shown by {@code query-fdsets}; may be null
     * @return {@code add-fd}
     */
    public CompletableFuture<AddFdInfo> addFd(FileDescriptor fd, Long fdsetId, String opaque) {
        return callWithFd(fd, "add-fd", args("fdset-id", fdsetId, "opaque", opaque), ADD_FD);
    }

    /**
     * @param fdsetId the set; its descriptors close once no longer in use
     * @param fd one descriptor of the set; null for all of them
     * @return {@code remove-fd}
     */
    public CompletableFuture<Void> removeFd(long fdsetId, Long fd) {
        return call("remove-fd", args("fdset-id", fdsetId, "fd", fd), Replies.VOID);
    }

    /** @return {@code query-fdsets} */
    public CompletableFuture<List<FdsetInfo>> queryFdsets() {
        return call("query-fdsets", null, FDSETS);
    }

    private <T> CompletableFuture<T> call(String command, Object arguments, JavaType type) {
        return client.execute(command, arguments).thenApply(r -> Replies.convert(command, r, type));
    }

    private <T> CompletableFuture<T> callWithFd(FileDescriptor fd, String command, Object arguments, JavaType type) {
        return client.executeWithFd(Objects.requireNonNull(fd, "fd"), command, arguments)
                .thenApply(r -> Replies.convert(command, r, type));
    }

    /** Arguments from name/value pairs; a null value leaves the argument out (QMP's optional). */
    private static Map<String, Object> args(Object... namesAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                m.put((String) namesAndValues[i], plain(namesAndValues[i + 1]));
            }
        }
        return m;
    }

    /** Jackson would write a Path as a {@code file://} URI; QEMU wants the plain path. */
    private static Object plain(Object value) {
        return value instanceof java.nio.file.Path p ? p.toString() : value;
    }

    private static Map<String, Object> withProperties(Map<String, ?> properties, Object... namesAndValues) {
        Map<String, Object> m = args(namesAndValues);
        if (properties != null) {
            properties.forEach((k, v) -> {
                if (m.containsKey(k)) {
                    throw new IllegalArgumentException("property '" + k + "' is given twice");
                }
                m.put(Objects.requireNonNull(k, "property name"), plain(v));
            });
        }
        return m;
    }
}
