package dev.qmpkit.qmp.command;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A memory device as {@code query-memory-devices} reports it ({@code MemoryDeviceInfo}, a
 * union by {@code type}: {@code dimm}, {@code nvdimm}, {@code virtio-pmem}, {@code virtio-mem},
 * {@code sgx-epc}, {@code hv-balloon}). The fields most kinds share are lifted out; the rest
 * stays in {@link #data()}.
 *
 * @param type the kind, e.g. {@code dimm}; never null
 * @param id the device id; may be null
 * @param memdev QOM path of the memory backend, e.g. {@code /objects/mem1}; may be null
 * @param address guest physical address ({@code addr} or {@code memaddr}); may be null
 * @param size size in bytes; may be null
 * @param node NUMA node; may be null
 * @param data the kind-specific object as QEMU sent it; never null
 */
public record MemoryDeviceInfo(String type, String id, String memdev, Long address, Long size, Integer node,
                               JsonNode data) {
    /**
     * Validates.
     *
     * @param type the kind, e.g. {@code dimm}; never null
     * @param id the device id; may be null
     * @param memdev QOM path of the memory backend, e.g. {@code /objects/mem1}; may be null
     * @param address guest physical address ({@code addr} or {@code memaddr}); may be null
     * @param size size in bytes; may be null
     * @param node NUMA node; may be null
     * @param data the kind-specific object as QEMU sent it; never null
     */
    public MemoryDeviceInfo {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    @JsonCreator
    static MemoryDeviceInfo fromJson(@JsonProperty("type") String type, @JsonProperty("data") JsonNode data) {
        JsonNode d = data == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : data;
        JsonNode addr = d.has("addr") ? d.get("addr") : d.get("memaddr");
        return new MemoryDeviceInfo(type == null ? "unknown" : type, text(d.get("id")), text(d.get("memdev")),
                number(addr), number(d.get("size")), d.hasNonNull("node") ? d.get("node").asInt() : null, d);
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static Long number(JsonNode n) {
        return n == null || !n.isNumber() ? null : n.asLong();
    }
}
