package dev.qmpkit.qmp.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpEvent;
import java.io.FileDescriptor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A blocking view of {@link QmpCommands}: each method waits for the async call of the same
 * name and throws the {@link dev.qmpkit.qmp.QmpException} family directly (e.g.
 * {@link dev.qmpkit.qmp.QmpCommandException} with QEMU's error class). Thread-safe.
 */
public final class BlockingQmpCommands {

    private final QmpCommands async;

    /** @param commands the async commands; never null */
    public BlockingQmpCommands(QmpCommands commands) {
        this.async = Objects.requireNonNull(commands, "commands");
    }

    /** @return the async commands this view wraps; never null */
    public QmpCommands async() {
        return async;
    }

    /**
     * Blocking {@link QmpCommands#queryVersion()}.
     *
     * @return the reply to {@code query-version}
     */
    public VersionInfo queryVersion() {
        return Futures.await(async.queryVersion());
    }

    /**
     * Blocking {@link QmpCommands#queryStatus()}.
     *
     * @return the reply to {@code query-status}
     */
    public StatusInfo queryStatus() {
        return Futures.await(async.queryStatus());
    }

    /**
     * Blocking {@link QmpCommands#stop()}.
     */
    public void stop() {
        Futures.await(async.stop());
    }

    /**
     * Blocking {@link QmpCommands#cont()}.
     */
    public void cont() {
        Futures.await(async.cont());
    }

    /**
     * Blocking {@link QmpCommands#quit()}.
     */
    public void quit() {
        Futures.await(async.quit());
    }

    /**
     * Blocking {@link QmpCommands#systemReset()}.
     */
    public void systemReset() {
        Futures.await(async.systemReset());
    }

    /**
     * Blocking {@link QmpCommands#migrateCancel()}.
     */
    public void migrateCancel() {
        Futures.await(async.migrateCancel());
    }

    /**
     * Blocking {@link QmpCommands#queryMigrate()}.
     *
     * @return the reply to {@code query-migrate}
     */
    public MigrationInfo queryMigrate() {
        return Futures.await(async.queryMigrate());
    }

    /**
     * Blocking {@link QmpCommands#migrate(String)}.
     *
     * @param uri e.g. {@code exec:cat > FILE} or {@code file:PATH} (QEMU 8.2+); never null
     */
    public void migrate(String uri) {
        Futures.await(async.migrate(uri));
    }

    /**
     * Blocking {@link QmpCommands#migrate(Map)}.
     *
     * @param arguments the full arguments of {@code migrate} (e.g. {@code channels} on QEMU 9.1+); never null
     */
    public void migrate(Map<String, ?> arguments) {
        Futures.await(async.migrate(arguments));
    }

    /**
     * Blocking {@link QmpCommands#migrateIncoming(String)}.
     *
     * @param uri e.g. {@code exec:cat FILE} or {@code file:PATH} (QEMU 8.2+); never null
     */
    public void migrateIncoming(String uri) {
        Futures.await(async.migrateIncoming(uri));
    }

    /**
     * Blocking {@link QmpCommands#migrateIncoming(Map)}.
     *
     * @param arguments the full arguments of {@code migrate-incoming}; never null
     */
    public void migrateIncoming(Map<String, ?> arguments) {
        Futures.await(async.migrateIncoming(arguments));
    }

    /**
     * Blocking {@link QmpCommands#migrateSetCapabilities(List)}.
     *
     * @param capabilities the capabilities to set; never null, no null element
     */
    public void migrateSetCapabilities(List<MigrationCapabilityStatus> capabilities) {
        Futures.await(async.migrateSetCapabilities(capabilities));
    }

    /**
     * Blocking {@link QmpCommands#migrateSetCapability(String, boolean)}.
     *
     * @param capability e.g. {@code x-ignore-shared}; never null
     * @param state on or off
     */
    public void migrateSetCapability(String capability, boolean state) {
        Futures.await(async.migrateSetCapability(capability, state));
    }

    /**
     * Blocking {@link QmpCommands#queryMigrateCapabilities()}.
     *
     * @return the reply to {@code query-migrate-capabilities}
     */
    public List<MigrationCapabilityStatus> queryMigrateCapabilities() {
        return Futures.await(async.queryMigrateCapabilities());
    }

    /**
     * Blocking {@link QmpCommands#migrateSetParameters(Map)}.
     *
     * @param parameters QAPI names and values, e.g. {@code "multifd-channels", 4}; never null
     */
    public void migrateSetParameters(Map<String, ?> parameters) {
        Futures.await(async.migrateSetParameters(parameters));
    }

    /**
     * Blocking {@link QmpCommands#queryMigrateParameters()}.
     *
     * @return the reply to {@code query-migrate-parameters}, as QEMU sent it (the set differs by version)
     */
    public JsonNode queryMigrateParameters() {
        return Futures.await(async.queryMigrateParameters());
    }

    /**
     * Blocking {@link QmpCommands#queryMemdev()}.
     *
     * @return the reply to {@code query-memdev}: the memory backends
     */
    public List<Memdev> queryMemdev() {
        return Futures.await(async.queryMemdev());
    }

    /**
     * Blocking {@link QmpCommands#queryMemoryDevices()}.
     *
     * @return the reply to {@code query-memory-devices}: DIMMs, virtio-mem and the like
     */
    public List<MemoryDeviceInfo> queryMemoryDevices() {
        return Futures.await(async.queryMemoryDevices());
    }

    /**
     * Blocking {@link QmpCommands#queryBalloon()}.
     *
     * @return the reply to {@code query-balloon}; fails with {@code DeviceNotActive} without a balloon device
     */
    public BalloonInfo queryBalloon() {
        return Futures.await(async.queryBalloon());
    }

    /**
     * Blocking {@link QmpCommands#balloon(long)}.
     *
     * @param bytes the guest's target memory size
     */
    public void balloon(long bytes) {
        Futures.await(async.balloon(bytes));
    }

    /**
     * Blocking {@link QmpCommands#qomList(String)}.
     *
     * @param path a QOM path, e.g. {@code /machine}; never null
     * @return the reply to {@code qom-list}
     */
    public List<ObjectPropertyInfo> qomList(String path) {
        return Futures.await(async.qomList(path));
    }

    /**
     * Blocking {@link QmpCommands#qomGet(String, String)}.
     *
     * @param path a QOM path; never null
     * @param property the property name; never null
     * @return the reply to {@code qom-get}: the value as QEMU sent it
     */
    public JsonNode qomGet(String path, String property) {
        return Futures.await(async.qomGet(path, property));
    }

    /**
     * Blocking {@link QmpCommands#qomSet(String, String, Object)}.
     *
     * @param path a QOM path; never null
     * @param property the property name; never null
     * @param value the value (string, number, boolean or JSON); never null
     */
    public void qomSet(String path, String property, Object value) {
        Futures.await(async.qomSet(path, property, value));
    }

    /**
     * Blocking {@link QmpCommands#qomListProperties(String)}.
     *
     * @param typeName a QOM type, e.g. {@code memory-backend-file}; never null
     * @return the reply to {@code qom-list-properties}: the properties an object of that type would have
     */
    public List<ObjectPropertyInfo> qomListProperties(String typeName) {
        return Futures.await(async.qomListProperties(typeName));
    }

    /**
     * Blocking {@link QmpCommands#queryQmpSchema()}.
     *
     * @return the reply to {@code query-qmp-schema}: the raw entries (about 1,200, 240 KB); read them
     *         with {@link dev.qmpkit.qmp.schema.QmpSchema}
     */
    public JsonNode queryQmpSchema() {
        return Futures.await(async.queryQmpSchema());
    }

    /**
     * Blocking {@link QmpCommands#deviceAdd(String, String, Map)}.
     *
     * @param driver the device type, e.g. {@code virtio-net-pci}; never null
     * @param id the device id; may be null
     * @param properties further properties by name; may be null
     */
    public void deviceAdd(String driver, String id, Map<String, ?> properties) {
        Futures.await(async.deviceAdd(driver, id, properties));
    }

    /**
     * Blocking {@link QmpCommands#deviceDel(String)}.
     *
     * @param id the device id or QOM path; never null
     */
    public void deviceDel(String id) {
        Futures.await(async.deviceDel(id));
    }

    /**
     * Blocking {@link QmpCommands#deviceDelAndWait(String, Duration)}.
     *
     * @param id the device id; never null
     * @param timeout how long to wait for the event; positive, never null
     * @return the {@code DEVICE_DELETED} event
     */
    public QmpEvent deviceDelAndWait(String id, Duration timeout) {
        return Futures.await(async.deviceDelAndWait(id, timeout));
    }

    /**
     * Blocking {@link QmpCommands#objectAdd(String, String, Map)}.
     *
     * @param qomType the object type, e.g. {@code memory-backend-file}; never null
     * @param id the object id; never null
     * @param properties further properties; may be null
     */
    public void objectAdd(String qomType, String id, Map<String, ?> properties) {
        Futures.await(async.objectAdd(qomType, id, properties));
    }

    /**
     * Blocking {@link QmpCommands#objectDel(String)}.
     *
     * @param id the object id; never null
     */
    public void objectDel(String id) {
        Futures.await(async.objectDel(id));
    }

    /**
     * Blocking {@link QmpCommands#netdevAdd(String, String, Map)}.
     *
     * @param type the backend type, e.g. {@code user}; never null
     * @param id the netdev id; never null
     * @param properties further properties; may be null
     */
    public void netdevAdd(String type, String id, Map<String, ?> properties) {
        Futures.await(async.netdevAdd(type, id, properties));
    }

    /**
     * Blocking {@link QmpCommands#netdevDel(String)}.
     *
     * @param id the netdev id; never null
     */
    public void netdevDel(String id) {
        Futures.await(async.netdevDel(id));
    }

    /**
     * Blocking {@link QmpCommands#queryVmGenerationId()}.
     *
     * @return the reply to {@code query-vm-generation-id}; fails with {@code GenericError} without a
     *         {@code vmgenid} device
     */
    public GuidInfo queryVmGenerationId() {
        return Futures.await(async.queryVmGenerationId());
    }

    /**
     * Blocking {@link QmpCommands#humanMonitorCommand(String)}.
     *
     * @param commandLine an HMP command, e.g. {@code info version}; never null
     * @return the reply to {@code human-monitor-command}: HMP's output, with QEMU's {@code \r\n} line ends
     */
    public String humanMonitorCommand(String commandLine) {
        return Futures.await(async.humanMonitorCommand(commandLine));
    }

    /**
     * Blocking {@link QmpCommands#getfd(FileDescriptor, String)}.
     *
     * @param fd an open descriptor; stays the caller's (QEMU gets a duplicate); never null
     * @param fdName the name; never null
     */
    public void getfd(FileDescriptor fd, String fdName) {
        Futures.await(async.getfd(fd, fdName));
    }

    /**
     * Blocking {@link QmpCommands#closefd(String)}.
     *
     * @param fdName a name given to {@link #getfd}; never null
     */
    public void closefd(String fdName) {
        Futures.await(async.closefd(fdName));
    }

    /**
     * Blocking {@link QmpCommands#addFd(FileDescriptor, Long, String)}.
     *
     * @param fd an open descriptor; stays the caller's (QEMU gets a duplicate); never null
     * @param fdsetId the set to add to; null for a new one
     * @param opaque free-form text shown by {@code query-fdsets}; may be null
     * @return the reply to {@code add-fd}
     */
    public AddFdInfo addFd(FileDescriptor fd, Long fdsetId, String opaque) {
        return Futures.await(async.addFd(fd, fdsetId, opaque));
    }

    /**
     * Blocking {@link QmpCommands#removeFd(long, Long)}.
     *
     * @param fdsetId the set; its descriptors close once no longer in use
     * @param fd one descriptor of the set; null for all of them
     */
    public void removeFd(long fdsetId, Long fd) {
        Futures.await(async.removeFd(fdsetId, fd));
    }

    /**
     * Blocking {@link QmpCommands#queryFdsets()}.
     *
     * @return the reply to {@code query-fdsets}
     */
    public List<FdsetInfo> queryFdsets() {
        return Futures.await(async.queryFdsets());
    }
}
