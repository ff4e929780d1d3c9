package dev.qmpkit.templating.fixup;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import dev.qmpkit.qmp.agent.GuestIpAddress;
import dev.qmpkit.qmp.agent.GuestNetworkInterface;
import dev.qmpkit.templating.MacAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Gives the clone a network of its own: hot-plugs a {@code virtio-net-pci} NIC with a MAC from
 * the owner's {@link MacAllocator} (a MAC travels in migrated state, so templates have no NIC),
 * on a per-clone user-mode network ({@code -netdev user}: the guest is 10.0.2.15 behind QEMU's
 * NAT and reaches the host's loopback services at 10.0.2.2) or on a tap device the user names;
 * waits for the interface in the guest, then configures it through the agent: DHCP (busybox
 * {@code udhcpc} by default, wrapped in {@code timeout}) or a static address. The MAC goes back
 * to the allocator when the clone closes. Build with {@link #builder()}, or {@link FixUps#network()}
 * for user networking with DHCP.
 *
 * <pre>{@code
 * FixUp net = NetworkFixUp.builder().tap("tap-web3").staticAddress("192.168.50.13/24", "192.168.50.1").build();
 * }</pre>
 */
public final class NetworkFixUp extends NamedFixUp {

    /** The fix-up's name. */
    public static final String NAME = "network";
    /** The id of the clone's netdev (the same as {@link dev.qmpkit.templating.CloneOptions#nic()}'s). */
    public static final String NETDEV_ID = "qmpkit-net0";
    /** The QOM id of the clone's NIC. */
    public static final String NIC_ID = "qmpkit-nic0";
    /** Stands for the guest's interface name in a DHCP command. */
    public static final String IFACE = "{iface}";
    /** The default DHCP command: busybox's client, once, bounded ({@code wget -T} and friends misbehave in busybox 1.35). */
    public static final List<String> UDHCPC = List.of("timeout", "30", "udhcpc", "-i", IFACE, "-n", "-q", "-t", "10",
            "-T", "1");

    private static final Pattern TAP = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final Pattern CIDR = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}");

    /**
     * What the network fix-up set up.
     *
     * @param mac the NIC's MAC, from the owner's allocator; never null
     * @param netdev {@code user}, or {@code tap:NAME}; never null
     * @param guestInterface the interface's name in the guest, e.g. {@code eth0}; never null
     * @param ipv4 its IPv4 address with prefix length, e.g. {@code 10.0.2.15/24}, as the guest reports it; never null
     * @param method {@code dhcp} or {@code static}; never null
     */
    public record Result(String mac, String netdev, String guestInterface, String ipv4, String method) {
    }

    private final String tap;
    private final String staticAddress;
    private final String gateway;
    private final List<String> dhcpCommand;
    private final Duration timeout;

    private NetworkFixUp(Builder b) {
        super(NAME);
        this.tap = b.tap;
        this.staticAddress = b.staticAddress;
        this.gateway = b.gateway;
        this.dhcpCommand = List.copyOf(b.dhcpCommand);
        this.timeout = b.timeout;
    }

    /** @return a builder: user-mode networking, DHCP with {@link #UDHCPC}, 60 s; never null */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public FixUpOutcome apply(FixUpContext context) {
        GuestAgentClient agent = context.agent();
        long deadline = System.nanoTime() + timeout.toNanos();
        MacAllocator.Lease lease = context.macAllocator().allocate();
        context.onClose("give back MAC " + lease.mac(), lease::close);
        String mac = lease.mac();
        QmpClient qmp = context.qmp();
        Map<String, Object> netdev = new LinkedHashMap<>();
        if (tap != null) {
            netdev.put("ifname", tap);
            netdev.put("script", "no");
            netdev.put("downscript", "no");
        }
        Futures.await(qmp.commands().netdevAdd(tap == null ? "user" : "tap", NETDEV_ID, netdev));
        Futures.await(qmp.commands().deviceAdd("virtio-net-pci", NIC_ID, nicProperties(mac, context.hotplugBus())));
        String iface = awaitInterface(agent, mac, deadline);
        String method;
        if (staticAddress != null) {
            method = "static";
            run(agent, deadline, "ip", "link", "set", iface, "up");
            run(agent, deadline, "ip", "-4", "addr", "add", staticAddress, "dev", iface);
            if (gateway != null) {
                run(agent, deadline, "ip", "-4", "route", "add", "default", "via", gateway, "dev", iface);
            }
        } else {
            method = "dhcp";
            List<String> cmd = dhcpCommand.stream().map(a -> a.replace(IFACE, iface)).toList();
            run(agent, deadline, cmd.toArray(String[]::new));
        }
        String ip = awaitAddress(agent, iface, deadline);
        String via = tap == null ? "user" : "tap:" + tap;
        return FixUpOutcome.of("NIC " + mac + " on " + via + ", " + iface + " " + ip + " (" + method + ")",
                new Result(mac, via, iface, ip, method));
    }

    /**
     * @param mac the NIC's MAC; never null
     * @param bus the hot-plug bus, or empty for the root bus
     * @return the {@code device_add} properties of a clone's NIC, shared with {@code CloneOptions.nic}
     */
    public static Map<String, Object> nicProperties(String mac, Optional<String> bus) {
        Map<String, Object> dev = new LinkedHashMap<>();
        dev.put("netdev", NETDEV_ID);
        dev.put("mac", mac);
        // No option ROM: a NIC hot-plugged into a running clone never PXE-boots, and some installs
        // lack efi-virtio.rom ("failed to find romfile").
        dev.put("romfile", "");
        bus.ifPresent(b -> dev.put("bus", b));
        return dev;
    }

    private static String awaitInterface(GuestAgentClient agent, String mac, long deadline) {
        while (true) {
            for (GuestNetworkInterface i : Futures.await(agent.networkInterfaces())) {
                if (mac.equalsIgnoreCase(i.hardwareAddress())) {
                    return i.name();
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the guest shows no interface with MAC " + mac + " after the NIC was "
                        + "hot-plugged (does it have the virtio_net driver, and does the machine take PCI hot-plug?)");
            }
            sleep(50, "the clone's NIC");
        }
    }

    private static String awaitAddress(GuestAgentClient agent, String iface, long deadline) {
        while (true) {
            for (GuestNetworkInterface i : Futures.await(agent.networkInterfaces())) {
                if (i.name().equals(iface)) {
                    for (GuestIpAddress a : i.ipAddresses()) {
                        if ("ipv4".equals(a.ipAddressType())) {
                            return a.ipAddress() + "/" + a.prefix();
                        }
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the guest's " + iface + " has no IPv4 address after configuring it");
            }
            sleep(50, "the clone's address");
        }
    }

    private static void run(GuestAgentClient agent, long deadline, String... argv) {
        Duration left = Duration.ofNanos(Math.max(1_000_000_000L, deadline - System.nanoTime()));
        ExecResult r = Futures.await(agent.exec(ExecRequest.builder(argv[0])
                .args(List.of(argv).subList(1, argv.length)).timeout(left).build()));
        if (!r.succeeded()) {
            String out = (r.stderrText() + r.stdoutText()).strip();
            throw new IllegalStateException(String.join(" ", argv) + " exited with status " + r.shellStatus()
                    + (out.isEmpty() ? "" : ": " + (out.length() > 400 ? out.substring(0, 400) + "..." : out)));
        }
    }

    @Override
    String describe() {
        return (tap == null ? "user" : "tap " + tap) + ", " + (staticAddress == null ? "dhcp" : staticAddress);
    }

    /** Builds a {@link NetworkFixUp}. Not thread-safe. */
    public static final class Builder {
        private String tap;
        private String staticAddress;
        private String gateway;
        private List<String> dhcpCommand = UDHCPC;
        private Duration timeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /**
         * A per-clone user-mode network ({@code -netdev user}; the default): no set-up on the
         * host, each clone behind its own NAT as 10.0.2.15, the host's loopback at 10.0.2.2.
         *
         * @return this
         */
        public Builder userNetwork() {
            this.tap = null;
            return this;
        }

        /**
         * A tap device the user created and bridged (QEMU runs no scripts: {@code script=no}).
         * Give each clone its own tap, e.g. by building the options per clone.
         *
         * @param ifname the host's tap interface, e.g. {@code tap-web3}; never null
         * @return this
         */
        public Builder tap(String ifname) {
            Objects.requireNonNull(ifname, "ifname");
            if (!TAP.matcher(ifname).matches()) {
                throw new IllegalArgumentException("not a network interface name (1 to 15 of A-Z a-z 0-9 _ . -): '"
                        + ifname + "'");
            }
            this.tap = ifname;
            return this;
        }

        /**
         * Configures the interface with {@code ip} instead of DHCP.
         *
         * @param cidr the address and prefix length, e.g. {@code 192.168.50.13/24}; never null
         * @param gateway the default route, e.g. {@code 192.168.50.1}, or null for none
         * @return this
         */
        public Builder staticAddress(String cidr, String gateway) {
            Objects.requireNonNull(cidr, "cidr");
            if (!CIDR.matcher(cidr).matches()) {
                throw new IllegalArgumentException("not an IPv4 address with prefix length: '" + cidr + "'");
            }
            if (gateway != null && !IPV4.matcher(gateway).matches()) {
                throw new IllegalArgumentException("not an IPv4 address: '" + gateway + "'");
            }
            this.staticAddress = cidr;
            this.gateway = gateway;
            return this;
        }

        /**
         * @param argv the DHCP client to run in the guest, {@value #IFACE} standing for the
         *             interface (default {@link #UDHCPC}); never null or empty. It must exit
         *             (not stay as a daemon) and exit 0 on a lease
         * @return this
         */
        public Builder dhcpCommand(List<String> argv) {
            Objects.requireNonNull(argv, "argv");
            if (argv.isEmpty() || argv.stream().anyMatch(a -> a == null || a.isEmpty())) {
                throw new IllegalArgumentException("the DHCP command needs a program and no empty argument: " + argv);
            }
            this.dhcpCommand = List.copyOf(argv);
            return this;
        }

        /**
         * @param timeout how long the whole fix-up may take: the NIC appearing in the guest, DHCP,
         *                the address (default 60 s); positive, never null
         * @return this
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** @return the fix-up; never null */
        public NetworkFixUp build() {
            return new NetworkFixUp(this);
        }
    }
}
