package dev.qmpkit.templating;

import java.security.SecureRandom;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hands out NIC MAC addresses that no two holders of this allocator share while they hold them:
 * locally administered unicast addresses under one prefix, with a counter over the rest and a
 * bitmap of the addresses in use. A MAC is held from {@link #allocate()} until its
 * {@link Lease} is closed (when the clone that carries it closes), and is then free again, but
 * is handed out again only after the counter went once round the range, so a MAC that just left
 * a network (ARP and switch caches) is not at once reused.
 *
 * <p>Random MACs collide: 24 random bits (QEMU's {@code 52:54:00:xx:xx:xx}) repeat with even
 * odds after about 4,800 clones (birthday bound, 1.18 * 2^12), and can be QEMU's own default
 * {@code 52:54:00:12:34:56}. Here, within one allocator, a collision is impossible while
 * addresses are held; the {@code 52:54:00} prefix (where QEMU gives default NICs
 * {@code 52:54:00:12:34:56} and up) is never used. Two allocators with different prefixes never
 * collide either; with random prefixes (22 random bits of the first three octets) two JVMs on a
 * host pick the same prefix with a chance of 1 in 4,194,303.
 *
 * <p>Each {@link Templating} owns one ({@link Templating#macAllocator()}, a new {@link #create()}
 * unless {@link Templating.Builder#macAllocator} gives another), and takes the MAC of every
 * clone NIC from it ({@link CloneOptions#nic()}, the network fix-up); give owners whose clones
 * share a network one allocator, or allocators with different prefixes ({@link #withPrefix}).
 * Thread-safe.
 */
public final class MacAllocator {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.ofDelimiter(":");
    /** QEMU's own range: default NICs get 52:54:00:12:34:56 and up. */
    private static final String QEMU_PREFIX = "52:54:00";

    private final byte[] prefix;
    private final int capacity;
    private final BitSet used = new BitSet();
    private int inUse;
    private int next;

    private MacAllocator(byte[] prefix) {
        this.prefix = prefix.clone();
        this.capacity = 1 << (8 * (6 - prefix.length));
    }

    /**
     * @return a new allocator with a random three-octet prefix (locally administered, unicast,
     *         never {@code 52:54:00}) and 16,777,216 addresses; never null
     */
    public static MacAllocator create() {
        byte[] p = new byte[3];
        do {
            RANDOM.nextBytes(p);
            p[0] = (byte) ((p[0] & 0xfc) | 0x02);
        } while (HEX.formatHex(p).equals(QEMU_PREFIX));
        return new MacAllocator(p);
    }

    /**
     * @param prefix three to five octets, e.g. {@code 0a:1b:2c}: its first octet must be locally
     *               administered (bit 1 set) and unicast (bit 0 clear); never null
     * @return an allocator of the 2^24, 2^16 or 2^8 addresses under it; never null
     * @throws IllegalArgumentException for another length, a universally administered or
     *         multicast first octet, or QEMU's own {@code 52:54:00}
     */
    public static MacAllocator withPrefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        byte[] p;
        try {
            p = HEX.parseHex(prefix.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("MAC prefix '" + prefix + "' is not colon-separated hex octets, e.g. "
                    + "0a:1b:2c", e);
        }
        if (p.length < 3 || p.length > 5) {
            throw new IllegalArgumentException("MAC prefix '" + prefix + "' must have 3 to 5 octets, not " + p.length);
        }
        if ((p[0] & 0x03) != 0x02) {
            throw new IllegalArgumentException("MAC prefix '" + prefix + "' must start with a locally administered "
                    + "unicast octet (bit 1 set, bit 0 clear, e.g. 02, 0a, 5e, fe): others belong to vendors or are "
                    + "multicast");
        }
        if (HEX.formatHex(p).startsWith(QEMU_PREFIX)) {
            throw new IllegalArgumentException("MAC prefix '" + prefix + "' is QEMU's own range: default NICs get "
                    + "52:54:00:12:34:56 and up, so a clone could meet one; use another prefix");
        }
        return new MacAllocator(p);
    }

    /**
     * @return a MAC no other open lease of this allocator has; close the lease when the NIC is gone
     * @throws IllegalStateException when every address under the prefix is held
     */
    public synchronized Lease allocate() {
        if (inUse == capacity) {
            throw new IllegalStateException("all " + capacity + " MAC addresses under prefix " + prefix()
                    + " are held: close the leases of clones that are gone, or use an allocator with a shorter "
                    + "prefix (MacAllocator.withPrefix)");
        }
        int i = used.nextClearBit(next);
        if (i >= capacity) {
            i = used.nextClearBit(0);
        }
        used.set(i);
        inUse++;
        next = i + 1 == capacity ? 0 : i + 1;
        return new Lease(this, i, address(i));
    }

    private synchronized void release(int index) {
        if (used.get(index)) {
            used.clear(index);
            inUse--;
        }
    }

    /** @return the prefix, e.g. {@code 0a:1b:2c}; never null */
    public String prefix() {
        return HEX.formatHex(prefix);
    }

    /** @return how many addresses there are under the prefix */
    public int capacity() {
        return capacity;
    }

    /** @return how many leases are open */
    public synchronized int inUse() {
        return inUse;
    }

    private String address(int index) {
        byte[] mac = new byte[6];
        System.arraycopy(prefix, 0, mac, 0, prefix.length);
        for (int k = 5; k >= prefix.length; k--) {
            mac[k] = (byte) (index >>> (8 * (5 - k)));
        }
        return HEX.formatHex(mac);
    }

    @Override
    public String toString() {
        return "MacAllocator[" + prefix() + ", " + inUse() + " of " + capacity + " in use]";
    }

    /** One held MAC address. Closing it (idempotent) gives the address back. */
    public static final class Lease implements AutoCloseable {
        private final MacAllocator owner;
        private final int index;
        private final String mac;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(MacAllocator owner, int index, String mac) {
            this.owner = owner;
            this.index = index;
            this.mac = mac;
        }

        /** @return the address, e.g. {@code 0a:1b:2c:00:00:07}, for {@code device_add ...,mac=}; never null */
        public String mac() {
            return mac;
        }

        /** @return whether {@link #close()} was called */
        public boolean isClosed() {
            return closed.get();
        }

        /** Gives the address back; later calls do nothing. */
        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                owner.release(index);
            }
        }

        @Override
        public String toString() {
            return mac;
        }
    }
}
