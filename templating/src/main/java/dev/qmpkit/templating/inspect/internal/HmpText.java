package dev.qmpkit.templating.inspect.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the two HMP outputs the inspector needs because QMP has no equivalent:
 * {@code info ramblock} (which RAM blocks migration knows by name) and {@code info network}
 * (netdev types, e.g. {@code vhost-user}, and NIC MACs). Both formats have been stable since
 * well before QEMU 7.2.
 */
public final class HmpText {
    private HmpText() {
    }

    // "  NAME    4 KiB  0x... " ; NAME is empty for a RAM block nothing registered for migration
    private static final Pattern RAMBLOCK = Pattern.compile("^\\s*(\\S*)\\s+\\d+(?:\\.\\d+)?\\s+[KMGT]iB\\s+0x");

    // "virtio-net-pci.0: index=0,type=nic,model=virtio-net-pci,macaddr=52:54:00:12:34:56"
    // " \ net0: index=0,type=vhost-user,vhost-user0 to chr0"
    private static final Pattern NETWORK = Pattern.compile("^[\\s\\\\]*(\\S+?): index=\\d+,type=([^,\\s]+)(.*)$");
    private static final Pattern MODEL = Pattern.compile("(?:^|,)model=([^,\\s]+)");
    private static final Pattern MAC = Pattern.compile("(?:^|,)macaddr=([0-9a-fA-F:]{17})");

    /**
     * @param output {@code info ramblock} output; never null
     * @return the non-empty RAM block names, in order
     */
    public static Set<String> ramBlockNames(String output) {
        Set<String> names = new LinkedHashSet<>();
        for (String line : output.split("\r?\n")) {
            Matcher m = RAMBLOCK.matcher(line);
            if (m.find() && !m.group(1).isEmpty()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /**
     * One network client from {@code info network}.
     *
     * @param name the NIC or netdev name
     * @param type {@code nic}, {@code user}, {@code tap}, {@code vhost-user}, ...
     * @param model the NIC model; null unless a NIC
     * @param mac the NIC's MAC; null unless a NIC
     */
    public record NetClient(String name, String type, String model, String mac) {
    }

    /**
     * @param output {@code info network} output; never null
     * @return every NIC and netdev listed
     */
    public static List<NetClient> netClients(String output) {
        List<NetClient> clients = new ArrayList<>();
        for (String line : output.split("\r?\n")) {
            Matcher m = NETWORK.matcher(line);
            if (!m.find()) {
                continue;
            }
            String rest = m.group(3);
            Matcher model = MODEL.matcher(rest);
            Matcher mac = MAC.matcher(rest);
            clients.add(new NetClient(m.group(1), m.group(2), model.find() ? model.group(1) : null,
                    mac.find() ? mac.group(1).toLowerCase(java.util.Locale.ROOT) : null));
        }
        return clients;
    }
}
