package dev.qmpkit.templating.inspect.internal;

import static dev.qmpkit.templating.inspect.Severity.ERROR;
import static dev.qmpkit.templating.inspect.Severity.INFO;
import static dev.qmpkit.templating.inspect.Severity.WARNING;
import static dev.qmpkit.templating.inspect.internal.MemoryRules.GUIDE;
import static dev.qmpkit.templating.inspect.internal.Qmp.awaitOrNull;
import static dev.qmpkit.templating.inspect.internal.Qmp.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.command.BalloonInfo;
import dev.qmpkit.qmp.command.GuidInfo;
import dev.qmpkit.qmp.command.ObjectPropertyInfo;
import dev.qmpkit.qmp.command.QmpCommands;
import dev.qmpkit.templating.inspect.BackendRole;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.FindingCode;
import dev.qmpkit.templating.inspect.MemoryBackend;
import dev.qmpkit.templating.inspect.MemoryLayout;
import dev.qmpkit.templating.inspect.QemuFeatures;
import dev.qmpkit.templating.inspect.ReadinessReport;
import dev.qmpkit.templating.inspect.VmRole;
import dev.qmpkit.templating.inspect.internal.DeviceProbe.Discarding;
import dev.qmpkit.templating.inspect.internal.DeviceProbe.Kind;
import dev.qmpkit.templating.inspect.internal.DeviceProbe.QomNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Gathers all readiness findings over QMP. Each rule cites QEMU's docs/system/vm-templating.rst
 * ("the guide") where the guide covers it. Devices are judged by what QEMU runs (QOM types and
 * their ancestry), never by the strings a command line or description used.
 */
public final class ReadinessProbe {
    private ReadinessProbe() {
    }

    private static final String NIL_UUID = "00000000-0000-0000-0000-000000000000";
    /** The name {@code info network} gives a NIC without an id: its model, a dot and a number. */
    private static final Pattern ANONYMOUS_NIC = Pattern.compile(".+\\.\\d+");

    public static ReadinessReport check(QmpClient client, VmRole role, QemuFeatures features) {
        QmpCommands c = client.commands();
        // Independent queries first, all in flight at once.
        CompletableFuture<List<ObjectPropertyInfo>> objects = c.qomList("/objects");
        CompletableFuture<JsonNode> machineType = c.qomGet("/machine", "type");
        CompletableFuture<String> network = c.humanMonitorCommand("info network");
        CompletableFuture<BalloonInfo> balloon = c.queryBalloon();
        CompletableFuture<GuidInfo> vmgenid = c.queryVmGenerationId();
        CompletableFuture<JsonNode> uuid = client.execute("query-uuid");
        Map<String, Boolean> capabilities = CapabilityRules.current(client);

        MemoryLayout memory = MemoryProbe.inspect(client, features.romProperty());
        List<Finding> findings = new ArrayList<>(MemoryRules.ramFindings(memory, role));
        List<QomNode> devices = DeviceProbe.devices(client);
        List<Discarding> discarding = DeviceProbe.discarding(client, devices);
        List<ObjectPropertyInfo> objectList = awaitOrNull(objects);
        List<QomNode> userObjects = (objectList == null ? List.<ObjectPropertyInfo>of() : objectList).stream()
                .filter(ObjectPropertyInfo::isChild)
                .map(p -> new QomNode("/objects/" + p.name(), Qmp.innerType(p.type()))).toList();

        if (role == VmRole.TEMPLATE && !features.hasIgnoreShared()) {
            findings.add(new Finding(ERROR, FindingCode.IGNORE_SHARED_UNSUPPORTED, QemuFeatures.X_IGNORE_SHARED,
                    "This QEMU has no x-ignore-shared capability, so saving would copy all guest RAM.",
                    "None for this VM: use QEMU 4.0 or later."));
        }
        List<HmpText.NetClient> netClients = HmpText.netClients(orEmpty(awaitOrNull(network)));
        vhostUser(devices, netClients, findings);
        multiProcess(text(awaitOrNull(machineType)), devices, userObjects, findings);
        balloons(client, discarding, awaitOrNull(balloon), memory, role, findings);
        virtioMem(client, discarding, memory, role, findings);
        findings.addAll(CapabilityRules.findings(role, capabilities));
        identity(role, netClients, awaitOrNull(uuid), awaitOrNull(vmgenid) != null, findings);
        return new ReadinessReport(role, client.qemuVersion(), memory, features, findings);
    }

    private static void vhostUser(List<QomNode> devices, List<HmpText.NetClient> net, List<Finding> findings) {
        String why = " relies on memory really shared with another process; template and clone RAM is not "
                + "shared (clones map it share=off), so the guide lists vhost-user as incompatible (" + GUIDE + ").";
        for (QomNode d : devices) {
            if (d.type().startsWith("vhost-user")) {
                findings.add(new Finding(ERROR, FindingCode.VHOST_USER, d.path(), "Device " + d.name() + " ("
                        + d.type() + ")" + why, Fixes.remove(d.option())
                        + " Use the in-QEMU virtio device instead (e.g. virtio-blk-pci)."));
            }
        }
        for (HmpText.NetClient n : net) {
            if (n.type().equals("vhost-user")) {
                findings.add(new Finding(ERROR, FindingCode.VHOST_USER, n.name(), "Netdev " + n.name()
                        + " (vhost-user)" + why, Fixes.replace("-netdev vhost-user,id=" + n.name(),
                        "-netdev user,id=" + n.name()) + " (or a tap netdev): the NIC keeps its netdev id."));
            }
        }
    }

    private static void multiProcess(String machineType, List<QomNode> devices, List<QomNode> objects,
                                     List<Finding> findings) {
        String why = " is part of multi-process QEMU, which needs RAM shared with the remote process; the guide "
                + "lists it as incompatible with templating (" + GUIDE + ").";
        String instead = " Emulate the device inside QEMU instead of in a remote process.";
        if (machineType != null && machineType.startsWith("x-remote")) {
            findings.add(new Finding(ERROR, FindingCode.MULTI_PROCESS, "/machine",
                    "Machine type " + machineType + " (a remote device process)" + why,
                    "None for this VM: it is the device process of another QEMU; template the main QEMU instead."));
        }
        for (QomNode n : devices) {
            if (n.type().equals("x-pci-proxy-dev") || n.type().startsWith("vfio-user")) {
                findings.add(new Finding(ERROR, FindingCode.MULTI_PROCESS, n.path(),
                        "Device " + n.name() + " (" + n.type() + ")" + why, Fixes.remove(n.option()) + instead));
            }
        }
        for (QomNode n : objects) {
            if (n.type().startsWith("x-remote-object") || n.type().startsWith("x-vfio-user")) {
                findings.add(new Finding(ERROR, FindingCode.MULTI_PROCESS, n.path(),
                        "Object " + n.name() + " (" + n.type() + ")" + why,
                        Fixes.remove("-object " + n.type() + ",id=" + n.name()) + instead));
            }
        }
    }

    private static void balloons(QmpClient client, List<Discarding> discarding, BalloonInfo info,
                                 MemoryLayout memory, VmRole role, List<Finding> findings) {
        Optional<MemoryBackend> writable = writableTemplateFile(memory, role);
        for (Discarding d : discarding) {
            if (d.kind() != Kind.BALLOON) {
                continue;
            }
            QomNode dev = d.device();
            JsonNode reporting = awaitOrNull(client.commands().qomGet(d.backendPath(), "free-page-reporting"));
            if (reporting != null && reporting.asBoolean(false)) {
                findings.add(new Finding(ERROR, FindingCode.BALLOON_FREE_PAGE_REPORTING, dev.path(),
                        "virtio-balloon " + dev.name() + " (" + dev.type() + ") has free-page-reporting=on: it "
                                + "discards RAM, which fails repeatedly on a template file ('Discarding RAM with "
                                + "readonly files is not supported') or punches holes into it (" + GUIDE + ").",
                        Fixes.append("free-page-reporting=off", dev.option())
                                + " The balloon can stay for statistics."));
            }
            if (role == VmRole.CLONE && writable.isPresent()) {
                findings.add(new Finding(ERROR, FindingCode.BALLOON_WITH_WRITABLE_FILE, dev.path(),
                        "virtio-balloon " + dev.name() + " (" + dev.type() + ") in a clone that maps the template "
                                + "file " + writable.get().memPath() + " writable: one inflation by the guest punches "
                                + "a hole into the template file, under every clone.",
                        Fixes.remove(dev.option()) + " On QEMU 8.2+ clones open the template file read-only "
                                + "(share=off,readonly=on,rom=off), where a balloon can only fail to discard."));
            } else if (role == VmRole.TEMPLATE && !memory.romPropertySupported()) {
                findings.add(new Finding(WARNING, FindingCode.BALLOON_WITH_WRITABLE_FILE, dev.path(),
                        "virtio-balloon " + dev.name() + " (" + dev.type() + "): this QEMU has no 'rom', so clones "
                                + "of this template map its RAM file writable (share=off), where one inflation "
                                + "punches a hole into the template file; such clones are refused.",
                        Fixes.remove(dev.option()) + " Or use QEMU 8.2+, whose clones open the template file "
                                + "read-only."));
            }
        }
        long guestRam = memory.baseMemory() + memory.pluggedMemory();
        if (info != null && guestRam > 0 && info.actual() < guestRam) {
            // An error for a template too: its clones would start with the balloon inflated and
            // each one fail this check (the guide: the balloon must not be inflated).
            findings.add(new Finding(ERROR, FindingCode.BALLOON_INFLATED,
                    "virtio-balloon", "The balloon is inflated: the guest has " + MemoryRules.mib(info.actual())
                            + " of " + MemoryRules.mib(guestRam) + "; inflating discards RAM, which the template "
                            + "file cannot do safely (" + GUIDE + ")" + (role == VmRole.TEMPLATE
                            ? ", and every clone of this template would start inflated and be refused." : "."),
                    Fixes.send("balloon", Map.of("value", guestRam))
                            + " Then wait until query-balloon reports " + guestRam + " (the guest driver gives the "
                            + "pages back). Do not inflate templates or clones."));
        }
    }

    /** @return a guest RAM file a clone maps private but writable (the recipe of QEMU without {@code rom}) */
    private static Optional<MemoryBackend> writableTemplateFile(MemoryLayout memory, VmRole role) {
        if (role != VmRole.CLONE) {
            return Optional.empty();
        }
        return memory.guestRamBackends().stream()
                .filter(b -> b.role() != BackendRole.VIRTIO_MEM && b.isFileBacked() && !b.share() && !b.isReadonly())
                .findFirst();
    }

    private static void virtioMem(QmpClient client, List<Discarding> discarding, MemoryLayout memory, VmRole role,
                                  List<Finding> findings) {
        for (Discarding d : discarding) {
            if (d.kind() != Kind.VIRTIO_MEM) {
                continue;
            }
            QmpCommands c = client.commands();
            CompletableFuture<JsonNode> memdevLink = c.qomGet(d.backendPath(), "memdev");
            CompletableFuture<JsonNode> requestedSize = c.qomGet(d.backendPath(), "requested-size");
            CompletableFuture<JsonNode> pluggedSize = c.qomGet(d.backendPath(), "size");
            String link = text(awaitOrNull(memdevLink));
            String memdevId = link == null ? null : link.substring(link.lastIndexOf('/') + 1);
            JsonNode req = awaitOrNull(requestedSize);
            JsonNode plugged = awaitOrNull(pluggedSize);
            long requested = req == null ? 0 : req.asLong(0);
            long size = plugged == null ? 0 : plugged.asLong(0);
            Optional<MemoryBackend> memdev = memdevId == null ? Optional.empty() : memory.backend(memdevId);
            QomNode dev = d.device();
            String what = "virtio-mem " + dev.name() + " (" + dev.type() + ", memdev " + memdevId + ", size "
                    + MemoryRules.mib(size) + ", requested " + MemoryRules.mib(requested) + ")";
            // Template memory: any file in a template; in a clone, a file mapped private (the clone recipe).
            boolean templateMemory = memdev.map(b -> b.isFileBacked() && (role == VmRole.TEMPLATE || !b.share()))
                    .orElse(false);
            if (templateMemory) {
                MemoryBackend b = memdev.get();
                findings.add(new Finding(ERROR, FindingCode.VIRTIO_MEM, dev.path(), what + " manages template "
                        + "memory (" + b.memPath() + "): virtio-mem discards all the memory it manages when QEMU starts, "
                        + "which a clone's template file must not allow: opened read-only (QEMU 8.2+) the clone fails "
                        + "with 'Unexpected error discarding RAM'; mapped private and writable (the QEMU 7.2 recipe) "
                        + "the whole file is zeroed (measured on 7.2 and 10.0) (" + GUIDE + ").",
                        Fixes.replace(Fixes.option(b), "-object memory-backend-ram,id=" + b.id() + ",size=" + b.size())
                                + " The guide: virtio-mem must not use a template file as memory backend."));
            } else if (role == VmRole.TEMPLATE && (requested > 0 || size > 0)) {
                findings.add(new Finding(ERROR, FindingCode.VIRTIO_MEM, dev.path(), what + " supplies memory to "
                        + "the template; the guide says a template gets none through virtio-mem (requested-size=0) and "
                        + "clones plug what they need (" + GUIDE + ").",
                        Fixes.append("requested-size=0", dev.option())));
            } else {
                findings.add(new Finding(INFO, FindingCode.VIRTIO_MEM, dev.path(), what + " follows the guide's "
                        + "recipe: its memory is not a template file" + (role == VmRole.TEMPLATE
                        ? " and the template gets none of it; clones can plug memory with qom-set requested-size."
                        : ", so it discards only its own memory."),
                        "Nothing to do."));
            }
        }
    }

    private static void identity(VmRole role, List<HmpText.NetClient> net, JsonNode uuid, boolean hasVmgenid,
                                 List<Finding> findings) {
        if (role == VmRole.TEMPLATE) {
            for (HmpText.NetClient n : net) {
                if (n.type().equals("nic")) {
                    String option = n.model() == null ? "-device " + n.name()
                            : ANONYMOUS_NIC.matcher(n.name()).matches() && n.name().startsWith(n.model() + ".")
                            ? "-device " + n.model() : "-device " + n.model() + ",id=" + n.name();
                    // An error unless the caller accepts shared MACs (ReadinessReport.acceptingSharedMacs).
                    findings.add(new Finding(ERROR, FindingCode.NIC_MAC_SHARED, n.name(),
                            "NIC " + n.name() + (n.model() == null ? "" : " (" + n.model() + ")")
                                    + (n.mac() == null ? "" : " with MAC " + n.mac())
                                    + ": its MAC travels in the migrated state, so every clone gets the same MAC.",
                            Fixes.remove(option) + " (or the -nic/-net option that made it) from the template, and "
                                    + "hot-plug a NIC with a MAC of its own into each clone (netdev_add, device_add). "
                                    + "Or accept that clones share it: " + ReadinessReport.ACCEPT_SHARED_MACS + "."));
                }
            }
            String id = uuid == null ? null : text(uuid.path("UUID"));
            if (id != null && !id.equals(NIL_UUID)) {
                findings.add(new Finding(WARNING, FindingCode.UUID_SHARED, id,
                        "The template has SMBIOS UUID " + id + ". The guest reads it from the SMBIOS tables its "
                                + "firmware built at boot, which are in the template's memory: every clone's guest "
                                + "keeps reporting it, whatever -uuid the clone's QEMU gets (that one only changes "
                                + "what QEMU reports, e.g. query-uuid).",
                        Fixes.remove("-uuid " + id) + " Or accept that clones share it (with validate-uuid on, "
                                + "clones must even use the same -uuid)."));
            }
        }
        if (!hasVmgenid) {
            findings.add(new Finding(WARNING, FindingCode.VMGENID_MISSING, "vmgenid",
                    "No vmgenid device: a clone's guest cannot learn that it was cloned, so it keeps the template's "
                            + "random seeds, machine ids and keys.",
                    Fixes.add("-device vmgenid") + (role == VmRole.TEMPLATE
                            ? " Each clone then gets a fresh generation id (QEMU's default guid=auto, or "
                            + "-device vmgenid,guid=...)."
                            : " It belongs in the template too: a clone of a template without it has nothing in "
                            + "guest memory to read it with.")));
        }
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
