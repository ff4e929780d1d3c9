package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** NIC MACs for clones: unique while held, at scale, under concurrency, and reusable once released. */
class MacAllocatorTest {

    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
    private static final String QEMU_DEFAULT = "52:54:00:12:34:56";

    @Test
    void aMillionClonesOfOneHostGetAMillionDifferentLocallyAdministeredUnicastMacs() {
        MacAllocator a = MacAllocator.create();
        Set<String> seen = new HashSet<>();
        int notLocalUnicast = 0;
        for (int i = 0; i < 1_000_000; i++) {
            String mac = a.allocate().mac();
            if (!seen.add(mac)) {
                throw new AssertionError("duplicate " + mac + " after " + i + " allocations");
            }
            int first = Integer.parseInt(mac.substring(0, 2), 16);
            if ((first & 0x03) != 0x02 || !mac.startsWith(a.prefix()) || !MAC.matcher(mac).matches()) {
                notLocalUnicast++;
            }
        }
        assertThat(notLocalUnicast).as("addresses not locally administered unicast under the prefix").isZero();
        assertThat(a.inUse()).isEqualTo(1_000_000);
        assertThat(seen).doesNotContain(QEMU_DEFAULT);
    }

    @Test
    void randomPrefixesAreLocallyAdministeredUnicastAndNeverQemusOwn() {
        Set<String> prefixes = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String p = MacAllocator.create().prefix();
            int first = Integer.parseInt(p.substring(0, 2), 16);
            assertThat(first & 0x03).isEqualTo(0x02);
            assertThat(p).isNotEqualTo("52:54:00");
            prefixes.add(p);
        }
        assertThat(prefixes).as("22 random bits: 10,000 draws repeat a few times at most").hasSizeGreaterThan(9_950);
    }

    @Test
    void eachOwnerHasItsOwnAllocatorUnlessGivenOne() {
        MacAllocator mine = MacAllocator.withPrefix("0a:11:22");
        try (Templating a = Templating.builder().build(); Templating b = Templating.builder().build();
             Templating c = Templating.builder().macAllocator(mine).build()) {
            assertThat(a.macAllocator()).isNotSameAs(b.macAllocator()).isSameAs(a.macAllocator());
            assertThat(c.macAllocator()).isSameAs(mine);
            assertThat(Templating.defaults().macAllocator()).isSameAs(Templating.defaults().macAllocator());
        }
    }

    @Test
    void releasedAddressesComeBackOnlyAfterTheRestWereUsed_andAFullRangeSaysSo() {
        MacAllocator a = MacAllocator.withPrefix("0a:00:00:00:00");
        assertThat(a.capacity()).isEqualTo(256);
        MacAllocator.Lease first = a.allocate();
        assertThat(first.mac()).isEqualTo("0a:00:00:00:00:00");
        first.close();
        first.close(); // idempotent
        assertThat(a.inUse()).isZero();
        MacAllocator.Lease second = a.allocate();
        assertThat(second.mac()).as("not the address just released").isEqualTo("0a:00:00:00:00:01");

        List<MacAllocator.Lease> held = new ArrayList<>(List.of(second));
        for (int i = 1; i < 256; i++) {
            held.add(a.allocate());
        }
        assertThat(held).extracting(MacAllocator.Lease::mac).doesNotHaveDuplicates().hasSize(256)
                .contains("0a:00:00:00:00:00", "0a:00:00:00:00:ff");
        assertThatThrownBy(a::allocate).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("all 256 MAC addresses under prefix 0a:00:00:00:00 are held")
                .hasMessageContaining("close the leases");
        held.get(100).close();
        assertThat(a.allocate().mac()).as("the one released").isEqualTo(held.get(100).mac());
    }

    @Test
    void prefixesThatAreNotOursAreRefused() {
        assertThatThrownBy(() -> MacAllocator.withPrefix("52:54:00")).hasMessageContaining("QEMU's own range");
        assertThatThrownBy(() -> MacAllocator.withPrefix("00:16:3e")).hasMessageContaining("locally administered");
        assertThatThrownBy(() -> MacAllocator.withPrefix("03:00:00")).hasMessageContaining("unicast");
        assertThatThrownBy(() -> MacAllocator.withPrefix("0a:00")).hasMessageContaining("3 to 5 octets");
        assertThatThrownBy(() -> MacAllocator.withPrefix("0a-00-00")).hasMessageContaining("hex octets");
        assertThat(MacAllocator.withPrefix("FE:00:01").prefix()).isEqualTo("fe:00:01");
    }

    @Test
    void sixteenThreadsAllocatingAndReleasingNeverHoldTheSameMacAtOnce() throws Exception {
        // A small range, so addresses are reused all the time: any race shows as a duplicate.
        MacAllocator a = MacAllocator.withPrefix("0a:00:00:00:00");
        Set<String> live = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        AtomicInteger allocations = new AtomicInteger();
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                start.await();
                List<MacAllocator.Lease> mine = new ArrayList<>();
                for (int i = 0; i < 20_000; i++) {
                    MacAllocator.Lease l = a.allocate();
                    allocations.incrementAndGet();
                    if (!live.add(l.mac())) {
                        duplicates.incrementAndGet();
                    }
                    mine.add(l);
                    if (mine.size() > 8) {
                        MacAllocator.Lease old = mine.remove(0);
                        live.remove(old.mac());
                        old.close();
                    }
                }
                mine.forEach(l -> {
                    live.remove(l.mac());
                    l.close();
                });
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(allocations.get()).isEqualTo(threads * 20_000);
        assertThat(duplicates.get()).as("a MAC handed out while another holder had it").isZero();
        assertThat(a.inUse()).isZero();
    }
}
