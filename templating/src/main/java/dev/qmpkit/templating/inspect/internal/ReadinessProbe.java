package dev.qmpkit.templating.inspect.internal;

import static dev.qmpkit.templating.inspect.Severity.ERROR;
import static dev.qmpkit.templating.inspect.Severity.WARNING;
import static dev.qmpkit.templating.inspect.internal.Qmp.awaitOrNull;
import static dev.qmpkit.templating.inspect.internal.Qmp.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.command.BalloonInfo;
import dev.qmpkit.qmp.command.GuidInfo;
import dev.qmpkit.qmp.command.MemoryDeviceInfo;
import dev.qmpkit.qmp.command.ObjectPropertyInfo;
import dev.qmpkit.qmp.command.QmpCommands;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.FindingCode;
import dev.qmpkit.templating.inspect.MemoryBackend;
import dev.qmpkit.templating.inspect.MemoryLayout;
import dev.qmpkit.templating.inspect.QemuFeatures;
import dev.qmpkit.templating.inspect.ReadinessReport;
import dev.qmpkit.templating.inspect.VmRole;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Gathers all readiness findings over QMP. Each rule cites QEMU's docs/system/vm-templating.rst
 * ("the guide") where the guide covers it.
 */
public final class ReadinessProbe {
    private ReadinessProbe() {
    }

    /** Where QEMU puts devices: user-created with and without id, and board-created. */
    private static final List<String> DEVICE_CONTAINERS =
            List.of("/machine/peripheral", "/machine/peripheral-anon", "/machine/unattached");
    private static final String NIL_UUID = "00000000-0000-0000-0000-000000000000";
    private static final String GUIDE = "docs/system/vm-templating.rst";

    /** A device or object: its QOM path and type. */
    record QomNode(String path, String type) {
        String name() {
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    public static ReadinessReport check(QmpClient client, VmRole role, QemuFeatures features) {
        QmpCommands c = client.commands();
        // Independent queries first, all in flight at once.
        Map<String, CompletableFuture<List<ObjectPropertyInfo>>> containers = new LinkedHashMap<>();
        for (String path : DEVICE_CONTAINERS) {
            containers.put(path, c.qomList(path));
        }
        CompletableFuture<List<ObjectPropertyInfo>> objects = c.qomList("/objects");
        CompletableFuture<JsonNode> machineType = c.qomGet("/machine", "type");
        CompletableFuture<String> network = c.humanMonitorCommand("info network");
        CompletableFuture<BalloonInfo> balloon = c.queryBalloon();
        CompletableFuture<GuidInfo> vmgenid = c.queryVmGenerationId();
        CompletableFuture<JsonNode> uuid = client.execute("query-uuid");
        CompletableFuture<List<MemoryDeviceInfo>> memoryDevices = c.queryMemoryDevices();
        Map<String, Boolean> capabilities = CapabilityRules.current(client);

        MemoryLayout memory = MemoryProbe.inspect(client, features.romProperty());
        List<Finding> findings = new ArrayList<>(MemoryRules.ramFindings(memory, role));

        List<QomNode> devices = new ArrayList<>();
        containers.forEach((path, f) -> {
            List<ObjectPropertyInfo> children = awaitOrNull(f);
            if (children != null) {
                children.stream().filter(ObjectPropertyInfo::isChild)
                        .forEach(p -> devices.add(new QomNode(path + "/" + p.name(), Qmp.innerType(p.type()))));
            }
        });
        List<ObjectPropertyInfo> objectList = awaitOrNull(objects);
        List<QomNode> userObjects = (objectList == null ? List.<ObjectPropertyInfo>of() : objectList).stream().filter(ObjectPropertyInfo::isChild)
                .map(p -> new QomNode("/objects/" + p.name(), Qmp.innerType(p.type()))).toList();

        if (role == VmRole.TEMPLATE && !features.hasIgnoreShared()) {
            findings.add(new Finding(ERROR, FindingCode.IGNORE_SHARED_UNSUPPORTED, QemuFeatures.X_IGNORE_SHARED,
                    "This QEMU has no x-ignore-shared capability, so saving would copy all guest RAM.",
                    "Use QEMU 4.0 or later."));
        }
        List<HmpText.NetClient> netClients = HmpText.netClients(orEmpty(awaitOrNull(network)));
        vhostUser(devices, netClients, findings);
        multiProcess(text(awaitOrNull(machineType)), devices, userObjects, findings);
        balloon(client, devices, awaitOrNull(balloon), memory, role, findings);
        List<MemoryDeviceInfo> memDevices = awaitOrNull(memoryDevices);
        virtioMem(memDevices == null ? List.of() : memDevices, memory, role, findings);
        findings.addAll(CapabilityRules.findings(role, capabilities));
        identity(role, netClients, awaitOrNull(uuid),
                awaitOrNull(vmgenid) != null, findings);
        return new ReadinessReport(role, client.qemuVersion(), memory, features, findings);
    }

    private static void vhostUser(List<QomNode> devices, List<HmpText.NetClient> net, List<Finding> findings) {
        String why = " relies on memory really shared with another process; template and clone RAM is not "
                + "shared (clones map it share=off), so the guide lists vhost-user as incompatible (" + GUIDE + ").";
        for (QomNode d : devices) {
            if (d.type().startsWith("vhost-user")) {
                findings.add(new Finding(ERROR, FindingCode.VHOST_USER, d.path(), "Device " + d.name() + " ("
                        + d.type() + ")" + why, "Remove it; use the in-QEMU virtio device (e.g. virtio-blk-pci) instead."));
            }
        }
        for (HmpText.NetClient n : net) {
            if (n.type().equals("vhost-user")) {
                findings.add(new Finding(ERROR, FindingCode.VHOST_USER, n.name(), "Netdev " + n.name()
                        + " (vhost-user)" + why, "Use a user or tap netdev, hot-plugged into each clone."));
            }
        }
    }

    private static void multiProcess(String machineType, List<QomNode> devices, List<QomNode> objects,
                                     List<Finding> findings) {
        String why = " is part of multi-process QEMU, which needs RAM shared with the remote process; the guide "
                + "lists it as incompatible with templating (" + GUIDE + ").";
        String fix = "Emulate the device inside QEMU instead of in a remote process.";
        if (machineType != null && machineType.startsWith("x-remote")) {
            findings.add(new Finding(ERROR, FindingCode.MULTI_PROCESS, "/machine",
                    "Machine type " + machineType + " (a remote device process)" + why, "Template the main QEMU, not the remote process."));
        }
        for (QomNode n : devices) {
            if (n.type().equals("x-pci-proxy-dev") || n.type().startsWith("vfio-user")) {
                findings.add(new Finding(ERROR, FindingCode.MULTI_PROCESS, n.path(),
                        "Device " + n.name() + " (" + n.type() + ")" + why, fix));
            }
        }
        for (QomNode n : objects) {
            if (n.type().startsWith("x-remote-object") || n.type().startsWith("x-vfio-user")) {
                findings.add(new Finding(ERROR, FindingCode.MULTI_PROCESS, n.path(),
                        "Object " + n.name() + " (" + n.type() + ")" + why, fix));
            }
        }
    }

    private static void balloon(QmpClient client, List<QomNode> devices, BalloonInfo info, MemoryLayout memory,
                                VmRole role, List<Finding> findings) {
        for (QomNode d : devices) {
            if (!d.type().startsWith("virtio-balloon")) {
                continue;
            }
            JsonNode reporting = awaitOrNull(client.commands().qomGet(d.path(), "free-page-reporting"));
            if (reporting != null && reporting.asBoolean(false)) {
                findings.add(new Finding(ERROR, FindingCode.BALLOON_FREE_PAGE_REPORTING, d.path(),
                        "virtio-balloon " + d.name() + " has free-page-reporting=on: it discards RAM, which fails "
                                + "repeatedly on a template file ('Discarding RAM with readonly files is not supported') "
                                + "or punches holes into it (" + GUIDE + ").",
                        "Set free-page-reporting=off on the device (keep the balloon for statistics if wanted)."));
            }
        }
        long guestRam = memory.baseMemory() + memory.pluggedMemory();
        if (info != null && guestRam > 0 && info.actual() < guestRam) {
            findings.add(new Finding(role == VmRole.CLONE ? ERROR : WARNING, FindingCode.BALLOON_INFLATED,
                    "virtio-balloon", "The balloon is inflated: the guest has " + MemoryRules.mib(info.actual())
                            + " of " + MemoryRules.mib(guestRam) + "; inflating discards RAM, which the template "
                            + "file cannot do safely (" + GUIDE + ").",
                    "Deflate it (balloon " + guestRam + ") and do not inflate templates or clones."));
        }
    }

    private static void virtioMem(List<MemoryDeviceInfo> devices, MemoryLayout memory, VmRole role,
                                  List<Finding> findings) {
        for (MemoryDeviceInfo d : devices) {
            if (!d.type().equals("virtio-mem")) {
                continue;
            }
            String id = d.id() != null ? d.id() : "virtio-mem";
            long requested = d.data().path("requested-size").asLong(0);
            long size = d.size() == null ? 0 : d.size();
            String memdevId = d.memdev() == null ? null : d.memdev().substring(d.memdev().lastIndexOf('/') + 1);
            boolean fileBacked = memdevId != null
                    && memory.backend(memdevId).map(MemoryBackend::isFileBacked).orElse(false);
            boolean harmless = role == VmRole.TEMPLATE && requested == 0 && size == 0 && !fileBacked;
            findings.add(new Finding(harmless ? WARNING : ERROR, FindingCode.VIRTIO_MEM, id,
                    "virtio-mem device " + id + " (memdev " + memdevId + ", size " + MemoryRules.mib(size)
                            + ", requested " + MemoryRules.mib(requested) + "): virtio-mem cannot discard RAM backed by "
                            + "a template file and fails when realized on one (" + GUIDE + ").",
                    "As the guide suggests: hot-plug virtio-mem devices into each new VM instead, or give the "
                            + "template's virtio-mem requested-size=0 and a backend that is not the template file."));
        }
    }

    private static void identity(VmRole role, List<HmpText.NetClient> net, JsonNode uuid, boolean hasVmgenid,
                                 List<Finding> findings) {
        if (role == VmRole.TEMPLATE) {
            for (HmpText.NetClient n : net) {
                if (n.type().equals("nic")) {
                    findings.add(new Finding(WARNING, FindingCode.NIC_MAC_SHARED, n.name(),
                            "NIC " + n.name() + (n.model() == null ? "" : " (" + n.model() + ")")
                                    + (n.mac() == null ? "" : " with MAC " + n.mac())
                                    + ": its MAC travels in the migrated state, so every clone gets the same MAC.",
                            "Build templates without NICs; hot-plug a NIC with a fresh MAC into each clone "
                                    + "(netdev_add, device_add)."));
                }
            }
            String id = uuid == null ? null : text(uuid.path("UUID"));
            if (id != null && !id.equals(NIL_UUID)) {
                findings.add(new Finding(WARNING, FindingCode.UUID_SHARED, id,
                        "The template has SMBIOS UUID " + id + "; every clone's guest will report the same UUID.",
                        "Leave -uuid unset on templates, or accept that clones share it (with validate-uuid on, "
                                + "clones must even use the same -uuid)."));
            }
        }
        if (!hasVmgenid) {
            findings.add(new Finding(WARNING, FindingCode.VMGENID_MISSING, "vmgenid",
                    "No vmgenid device: a clone's guest cannot learn that it was cloned, so it keeps the template's "
                            + "random seeds, machine ids and keys.",
                    "Add -device vmgenid to the template and give each clone a fresh guid (-device vmgenid,guid=...)."));
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
