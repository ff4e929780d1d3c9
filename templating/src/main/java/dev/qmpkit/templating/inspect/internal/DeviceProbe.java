package dev.qmpkit.templating.inspect.internal;

import static dev.qmpkit.templating.inspect.internal.Qmp.awaitOrNull;
import static dev.qmpkit.templating.inspect.internal.Qmp.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.command.ObjectPropertyInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Finds the devices of a running VM, and among them those that discard guest RAM, by QOM type
 * inheritance rather than by name: whatever a device is called
 * ({@code virtio-balloon-pci-non-transitional}, {@code virtio-balloon-ccw}, a bare
 * {@code virtio-balloon-device} on virtio-mmio) and wherever it came from ({@code -device},
 * {@code -readconfig}, a hot-plug), the RAM is discarded by its virtio device, which is a
 * {@code virtio-balloon-device} or a {@code virtio-mem}.
 */
public final class DeviceProbe {
    private DeviceProbe() {
    }

    /** Where QEMU puts devices: user-created with and without id, and board-created. */
    static final List<String> CONTAINERS =
            List.of("/machine/peripheral", "/machine/peripheral-anon", "/machine/unattached");
    /** The abstract virtio transports whose devices hold their virtio device as child {@code virtio-backend}. */
    private static final List<String> PROXY_TYPES = List.of("virtio-pci", "virtio-ccw-device");
    static final String BALLOON_TYPE = "virtio-balloon-device";
    static final String VIRTIO_MEM_TYPE = "virtio-mem";

    /** A device or object: its QOM path and type. */
    public record QomNode(String path, String type) {
        /** @return the last path component: the id for user devices, {@code device[N]} for anonymous ones */
        public String name() {
            return path.substring(path.lastIndexOf('/') + 1);
        }

        /** @return how the user names it on the command line: {@code -device TYPE,id=ID}, or {@code -device TYPE} without an id */
        public String option() {
            return path.startsWith("/machine/peripheral/") ? "-device " + type + ",id=" + name() : "-device " + type;
        }
    }

    /** What a discarding device is. */
    public enum Kind {
        /** A virtio-balloon: inflation and free page reporting discard any guest RAM. */
        BALLOON,
        /** A virtio-mem: discards the RAM of its own memory backend ({@code memdev}). */
        VIRTIO_MEM
    }

    /**
     * A device whose virtio device discards guest RAM.
     *
     * @param device the device as the user created it (the PCI/CCW proxy, or the virtio device itself)
     * @param backendPath the QOM path of the virtio device that discards
     * @param kind balloon or virtio-mem
     */
    public record Discarding(QomNode device, String backendPath, Kind kind) {
    }

    /**
     * @param client a connected client; never null
     * @return every device under the device containers, in QOM order; never null
     */
    public static List<QomNode> devices(QmpClient client) {
        Map<String, CompletableFuture<List<ObjectPropertyInfo>>> containers = new LinkedHashMap<>();
        for (String path : CONTAINERS) {
            containers.put(path, client.commands().qomList(path));
        }
        List<QomNode> devices = new ArrayList<>();
        containers.forEach((path, f) -> {
            List<ObjectPropertyInfo> children = awaitOrNull(f);
            if (children != null) {
                children.stream().filter(ObjectPropertyInfo::isChild)
                        .forEach(p -> devices.add(new QomNode(path + "/" + p.name(), Qmp.innerType(p.type()))));
            }
        });
        return devices;
    }

    /**
     * @param client a connected client; never null
     * @param devices from {@link #devices}; never null
     * @return the devices that can discard guest RAM; never null
     */
    public static List<Discarding> discarding(QmpClient client, List<QomNode> devices) {
        CompletableFuture<Set<String>> balloons = subtypes(client, BALLOON_TYPE);
        CompletableFuture<Set<String>> mems = subtypes(client, VIRTIO_MEM_TYPE);
        List<CompletableFuture<Set<String>>> proxyLists = PROXY_TYPES.stream().map(t -> subtypes(client, t)).toList();
        Set<String> balloonTypes = balloons.join();
        Set<String> memTypes = mems.join();
        Set<String> proxies = new HashSet<>();
        proxyLists.forEach(f -> proxies.addAll(f.join()));

        Map<QomNode, CompletableFuture<JsonNode>> backends = new LinkedHashMap<>();
        List<Discarding> found = new ArrayList<>();
        for (QomNode d : devices) {
            Kind kind = kind(d.type(), balloonTypes, memTypes);
            if (kind != null) {
                found.add(new Discarding(d, d.path(), kind));
            } else if (proxies.contains(d.type())) {
                backends.put(d, client.commands().qomGet(d.path() + "/virtio-backend", "type"));
            }
        }
        backends.forEach((d, f) -> {
            Kind kind = kind(text(awaitOrNull(f)), balloonTypes, memTypes);
            if (kind != null) {
                found.add(new Discarding(d, d.path() + "/virtio-backend", kind));
            }
        });
        return found;
    }

    private static Kind kind(String type, Set<String> balloonTypes, Set<String> memTypes) {
        if (type == null) {
            return null;
        }
        return balloonTypes.contains(type) ? Kind.BALLOON : memTypes.contains(type) ? Kind.VIRTIO_MEM : null;
    }

    /** @return the concrete types that are {@code type} or derive from it; empty when this QEMU lacks it */
    private static CompletableFuture<Set<String>> subtypes(QmpClient client, String type) {
        return client.execute("qom-list-types", Map.of("implements", type))
                .handle((reply, error) -> {
                    Set<String> names = new HashSet<>();
                    if (error == null && reply != null) {
                        reply.forEach(t -> names.add(t.path("name").asText()));
                    }
                    return names;
                });
    }
}
