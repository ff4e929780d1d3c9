package dev.qmpkit.qmp.agent;

/**
 * A guest network interface's counters.
 *
 * @param rxBytes bytes received
 * @param rxPackets packets received
 * @param rxErrs bad packets received
 * @param rxDropped packets dropped on receipt
 * @param txBytes bytes sent
 * @param txPackets packets sent
 * @param txErrs send errors
 * @param txDropped packets dropped on sending
 */
public record GuestNetworkInterfaceStat(long rxBytes, long rxPackets, long rxErrs, long rxDropped, long txBytes,
                                        long txPackets, long txErrs, long txDropped) {
}
