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

    /** Blocking {@link QmpCommands#queryVersion}. */
    public VersionInfo queryVersion() {
        return Futures.await(async.queryVersion());
    }

    /** Blocking {@link QmpCommands#queryStatus}. */
    public StatusInfo queryStatus() {
        return Futures.await(async.queryStatus());
    }

    /** Blocking {@link QmpCommands#stop}. */
    public void stop() {
        Futures.await(async.stop());
    }

    /** Blocking {@link QmpCommands#cont}. */
    public void cont() {
        Futures.await(async.cont());
    }

    /** Blocking {@link QmpCommands#quit}. */
    public void quit() {
        Futures.await(async.quit());
    }

    /** Blocking {@link QmpCommands#systemReset}. */
    public void systemReset() {
        Futures.await(async.systemReset());
    }

    /** Blocking {@link QmpCommands#migrateCancel}. */
    public void migrateCancel() {
        Futures.await(async.migrateCancel());
    }

    /** Blocking {@link QmpCommands#queryMigrate}. */
    public MigrationInfo queryMigrate() {
        return Futures.await(async.queryMigrate());
    }

    /** Blocking {@link QmpCommands#migrate}, same arguments. */
    public void migrate(String uri) {
        Futures.await(async.migrate(uri));
    }

    /** Blocking {@link QmpCommands#migrate}, same arguments. */
    public void migrate(Map<String, ?> arguments) {
        Futures.await(async.migrate(arguments));
    }

    /** Blocking {@link QmpCommands#migrateIncoming}, same arguments. */
    public void migrateIncoming(String uri) {
        Futures.await(async.migrateIncoming(uri));
    }

    /** Blocking {@link QmpCommands#migrateIncoming}, same arguments. */
    public void migrateIncoming(Map<String, ?> arguments) {
        Futures.await(async.migrateIncoming(arguments));
    }

    /** Blocking {@link QmpCommands#migrateSetCapabilities}, same arguments. */
    public void migrateSetCapabilities(List<MigrationCapabilityStatus> capabilities) {
        Futures.await(async.migrateSetCapabilities(capabilities));
    }

    /** Blocking {@link QmpCommands#migrateSetCapability}, same arguments. */
    public void migrateSetCapability(String capability, boolean state) {
        Futures.await(async.migrateSetCapability(capability, state));
    }

    /** Blocking {@link QmpCommands#queryMigrateCapabilities}. */
    public List<MigrationCapabilityStatus> queryMigrateCapabilities() {
        return Futures.await(async.queryMigrateCapabilities());
    }

    /** Blocking {@link QmpCommands#migrateSetParameters}, same arguments. */
    public void migrateSetParameters(Map<String, ?> parameters) {
        Futures.await(async.migrateSetParameters(parameters));
    }

    /** Blocking {@link QmpCommands#queryMigrateParameters}. */
    public JsonNode queryMigrateParameters() {
        return Futures.await(async.queryMigrateParameters());
    }

    /** Blocking {@link QmpCommands#queryMemdev}. */
    public List<Memdev> queryMemdev() {
        return Futures.await(async.queryMemdev());
    }

    /** Blocking {@link QmpCommands#queryMemoryDevices}. */
    public List<MemoryDeviceInfo> queryMemoryDevices() {
        return Futures.await(async.queryMemoryDevices());
    }

    /** Blocking {@link QmpCommands#queryBalloon}. */
    public BalloonInfo queryBalloon() {
        return Futures.await(async.queryBalloon());
    }

    /** Blocking {@link QmpCommands#balloon}, same arguments. */
    public void balloon(long bytes) {
        Futures.await(async.balloon(bytes));
    }

    /** Blocking {@link QmpCommands#qomList}, same arguments. */
    public List<ObjectPropertyInfo> qomList(String path) {
        return Futures.await(async.qomList(path));
    }

    /** Blocking {@link QmpCommands#qomGet}, same arguments. */
    public JsonNode qomGet(String path, String property) {
        return Futures.await(async.qomGet(path, property));
    }

    /** Blocking {@link QmpCommands#qomSet}, same arguments. */
    public void qomSet(String path, String property, Object value) {
        Futures.await(async.qomSet(path, property, value));
    }

    /** Blocking {@link QmpCommands#qomListProperties}, same arguments. */
    public List<ObjectPropertyInfo> qomListProperties(String typeName) {
        return Futures.await(async.qomListProperties(typeName));
    }

    /** Blocking {@link QmpCommands#queryQmpSchema}. */
    public JsonNode queryQmpSchema() {
        return Futures.await(async.queryQmpSchema());
    }

    /** Blocking {@link QmpCommands#deviceAdd}, same arguments. */
    public void deviceAdd(String driver, String id, Map<String, ?> properties) {
        Futures.await(async.deviceAdd(driver, id, properties));
    }

    /** Blocking {@link QmpCommands#deviceDel}, same arguments. */
    public void deviceDel(String id) {
        Futures.await(async.deviceDel(id));
    }

    /** Blocking {@link QmpCommands#deviceDelAndWait}, same arguments. */
    public QmpEvent deviceDelAndWait(String id, Duration timeout) {
        return Futures.await(async.deviceDelAndWait(id, timeout));
    }

    /** Blocking {@link QmpCommands#objectAdd}, same arguments. */
    public void objectAdd(String qomType, String id, Map<String, ?> properties) {
        Futures.await(async.objectAdd(qomType, id, properties));
    }

    /** Blocking {@link QmpCommands#objectDel}, same arguments. */
    public void objectDel(String id) {
        Futures.await(async.objectDel(id));
    }

    /** Blocking {@link QmpCommands#netdevAdd}, same arguments. */
    public void netdevAdd(String type, String id, Map<String, ?> properties) {
        Futures.await(async.netdevAdd(type, id, properties));
    }

    /** Blocking {@link QmpCommands#netdevDel}, same arguments. */
    public void netdevDel(String id) {
        Futures.await(async.netdevDel(id));
    }

    /** Blocking {@link QmpCommands#queryVmGenerationId}. */
    public GuidInfo queryVmGenerationId() {
        return Futures.await(async.queryVmGenerationId());
    }

    /** Blocking {@link QmpCommands#humanMonitorCommand}, same arguments. */
    public String humanMonitorCommand(String commandLine) {
        return Futures.await(async.humanMonitorCommand(commandLine));
    }

    /** Blocking {@link QmpCommands#getfd}, same arguments. */
    public void getfd(FileDescriptor fd, String fdName) {
        Futures.await(async.getfd(fd, fdName));
    }

    /** Blocking {@link QmpCommands#closefd}, same arguments. */
    public void closefd(String fdName) {
        Futures.await(async.closefd(fdName));
    }

    /** Blocking {@link QmpCommands#addFd}, same arguments. */
    public AddFdInfo addFd(FileDescriptor fd, Long fdsetId, String opaque) {
        return Futures.await(async.addFd(fd, fdsetId, opaque));
    }

    /** Blocking {@link QmpCommands#removeFd}, same arguments. */
    public void removeFd(long fdsetId, Long fd) {
        Futures.await(async.removeFd(fdsetId, fd));
    }

    /** Blocking {@link QmpCommands#queryFdsets}. */
    public List<FdsetInfo> queryFdsets() {
        return Futures.await(async.queryFdsets());
    }
}
