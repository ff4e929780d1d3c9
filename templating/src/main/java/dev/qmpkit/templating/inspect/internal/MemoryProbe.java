package dev.qmpkit.templating.inspect.internal;

import static dev.qmpkit.qmp.Futures.await;
import static dev.qmpkit.templating.inspect.internal.Qmp.awaitOrNull;
import static dev.qmpkit.templating.inspect.internal.Qmp.bool;
import static dev.qmpkit.templating.inspect.internal.Qmp.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.command.MemoryDeviceInfo;
import dev.qmpkit.qmp.command.ObjectPropertyInfo;
import dev.qmpkit.qmp.command.QmpCommands;
import dev.qmpkit.templating.inspect.BackendOrigin;
import dev.qmpkit.templating.inspect.BackendRole;
import dev.qmpkit.templating.inspect.MemoryBackend;
import dev.qmpkit.templating.inspect.MemoryLayout;
import dev.qmpkit.templating.inspect.QemuFeatures;
import dev.qmpkit.templating.inspect.RomMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/** Reads the memory layout over QMP. */
public final class MemoryProbe {
    private MemoryProbe() {
    }

    private static final String OBJECTS = "/objects";
    private static final List<String> PROPERTIES =
            List.of("size", "mem-path", "share", "readonly", "rom", "prealloc", "discard-data");

    /**
     * @param client a connected client; never null
     * @return the layout, detecting {@code rom} support with {@code qom-list-properties}
     */
    public static MemoryLayout inspect(QmpClient client) {
        List<ObjectPropertyInfo> fileProps = await(client.commands().qomListProperties("memory-backend-file"));
        return inspect(client, fileProps.stream().anyMatch(p -> p.name().equals("rom")));
    }

    /**
     * @param client a connected client; never null
     * @param romSupported whether this QEMU's file backend has {@code rom}
     * @return the layout
     */
    public static MemoryLayout inspect(QmpClient client, boolean romSupported) {
        QmpCommands c = client.commands();
        // Fire the independent queries together; each is one round trip.
        CompletableFuture<List<ObjectPropertyInfo>> objects = c.qomList(OBJECTS);
        CompletableFuture<JsonNode> machineBackend = c.qomGet("/machine", "memory-backend");
        CompletableFuture<List<MemoryDeviceInfo>> memoryDevices = c.queryMemoryDevices();
        CompletableFuture<JsonNode> summary = client.execute("query-memory-size-summary");
        CompletableFuture<String> ramblocks = c.humanMonitorCommand("info ramblock");
        CompletableFuture<JsonNode> machineType = c.qomGet("/machine", "type");
        CompletableFuture<JsonNode> machines = client.execute("query-machines");
        QemuCommandLine commandLine = QemuCommandLine.read(client).orElse(null);

        Map<String, String> backendTypes = new LinkedHashMap<>();
        // A machine without user-creatable objects (e.g. 7.2's x-remote) has no /objects at all.
        List<ObjectPropertyInfo> objectList = awaitOrNull(objects);
        for (ObjectPropertyInfo p : objectList == null ? List.<ObjectPropertyInfo>of() : objectList) {
            String type = Qmp.innerType(p.type());
            if (p.isChild() && type.startsWith("memory-backend")) {
                backendTypes.put(p.name(), type);
            }
        }
        // The link is a QOM path, "" when unset (vNUMA or no backend).
        String mainPath = text(awaitOrNull(machineBackend));
        if (mainPath != null && mainPath.isEmpty()) {
            mainPath = null;
        }
        Map<String, MemoryDeviceInfo> deviceByMemdev = new HashMap<>();
        List<MemoryDeviceInfo> devices = awaitOrNull(memoryDevices);
        for (MemoryDeviceInfo d : devices == null ? List.<MemoryDeviceInfo>of() : devices) {
            if (d.memdev() != null) {
                deviceByMemdev.put(d.memdev(), d);
            }
        }
        JsonNode sizes = await(summary);
        String ramblockText = awaitOrNull(ramblocks);
        Set<String> migratedBlocks = ramblockText == null ? null : HmpText.ramBlockNames(ramblockText);
        String defaultRamId = defaultRamId(text(awaitOrNull(machineType)), awaitOrNull(machines));

        Map<String, CompletableFuture<List<ObjectPropertyInfo>>> lists = new LinkedHashMap<>();
        backendTypes.keySet().forEach(id -> lists.put(id, c.qomList(OBJECTS + "/" + id)));
        Map<String, Map<String, CompletableFuture<JsonNode>>> values = new LinkedHashMap<>();
        for (String id : backendTypes.keySet()) {
            String path = OBJECTS + "/" + id;
            // Ask only for properties this backend type has: 7.2 has no rom, memfd no mem-path.
            Set<String> present = await(lists.get(id)).stream().map(ObjectPropertyInfo::name)
                    .collect(Collectors.toSet());
            Map<String, CompletableFuture<JsonNode>> props = new LinkedHashMap<>();
            for (String prop : PROPERTIES) {
                if (present.contains(prop)) {
                    props.put(prop, c.qomGet(path, prop));
                }
            }
            values.put(id, props);
        }

        List<MemoryBackend> backends = new ArrayList<>();
        for (Map.Entry<String, String> e : backendTypes.entrySet()) {
            String id = e.getKey();
            String path = OBJECTS + "/" + id;
            Map<String, JsonNode> v = new HashMap<>();
            values.get(id).forEach((prop, f) -> v.put(prop, awaitOrNull(f)));
            String rom = text(v.get("rom"));
            BackendRole role;
            String usedBy;
            MemoryDeviceInfo device = deviceByMemdev.get(path);
            if (path.equals(mainPath)) {
                role = BackendRole.MAIN_RAM;
                usedBy = "/machine";
            } else if (device != null) {
                role = switch (device.type()) {
                    case "dimm", "nvdimm" -> BackendRole.DIMM;
                    case "virtio-mem" -> BackendRole.VIRTIO_MEM;
                    default -> BackendRole.OTHER;
                };
                usedBy = device.id() != null ? device.id() : device.type();
            } else if (mainPath == null && registeredForMigration(migratedBlocks, id, path)) {
                // Without a main backend, the remaining RAM blocks migration knows are vNUMA nodes.
                role = BackendRole.NUMA_NODE;
                usedBy = "numa";
            } else {
                role = BackendRole.OTHER;
                usedBy = registeredForMigration(migratedBlocks, id, path) ? "unknown" : null;
            }
            JsonNode size = v.get("size");
            backends.add(new MemoryBackend(id, path, e.getValue(), size == null ? 0 : size.asLong(),
                    emptyToNull(text(v.get("mem-path"))), Boolean.TRUE.equals(bool(v.get("share"))),
                    bool(v.get("readonly")), rom == null ? null : RomMode.fromQemu(rom),
                    bool(v.get("prealloc")), bool(v.get("discard-data")), role, usedBy,
                    origin(id, role, defaultRamId, commandLine)));
        }
        return new MemoryLayout(backends, mainPath == null ? null : mainPath.substring(mainPath.lastIndexOf('/') + 1),
                sizes.path("base-memory").asLong(0), sizes.path("plugged-memory").asLong(0), romSupported,
                QemuFeatures.ignoreSharedNeedsNamedFile(client.qemuVersion()));
    }

    /**
     * Only the main RAM can be QEMU's own, and then it carries the machine's default RAM id; but
     * an {@code -object} with that id and {@code -machine memory-backend=} looks the same over
     * QMP, so only the command line tells them apart.
     */
    private static BackendOrigin origin(String id, BackendRole role, String defaultRamId, QemuCommandLine commandLine) {
        if (role != BackendRole.MAIN_RAM || !id.equals(defaultRamId)) {
            return BackendOrigin.OBJECT;
        }
        if (commandLine == null) {
            return BackendOrigin.UNKNOWN;
        }
        if (commandLine.objectIds().contains(id)) {
            return BackendOrigin.OBJECT;
        }
        return commandLine.memPath().isPresent() ? BackendOrigin.MEM_PATH : BackendOrigin.MACHINE_DEFAULT;
    }

    /** @return the machine's {@code default-ram-id} from {@code query-machines}, or null */
    private static String defaultRamId(String qomType, JsonNode machines) {
        if (qomType == null || machines == null || !qomType.endsWith("-machine")) {
            return null;
        }
        String name = qomType.substring(0, qomType.length() - "-machine".length());
        for (JsonNode m : machines) {
            if (name.equals(m.path("name").asText())) {
                return text(m.get("default-ram-id"));
            }
        }
        return null;
    }

    private static boolean registeredForMigration(Set<String> blocks, String id, String path) {
        // Without HMP (unlikely) assume it is used: a false "unused" would hide RAM findings.
        return blocks == null || blocks.contains(id) || blocks.contains(path);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
