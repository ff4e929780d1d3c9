package dev.qmpkit.qmp.agent;

import java.util.List;

/**
 * One network interface of the guest, as {@code guest-network-get-interfaces} reports it.
 *
 * @param name e.g. {@code eth0}; never null
 * @param hardwareAddress the MAC address; null when the guest does not report one
 * @param ipAddresses its addresses; never null (empty when none)
 * @param statistics its counters; null when the agent is older than 2.11 or cannot read them
 */
public record GuestNetworkInterface(String name, String hardwareAddress, List<GuestIpAddress> ipAddresses,
                                    GuestNetworkInterfaceStat statistics) {

    /**
     * Copies the list.
     *
     * @param name e.g. {@code eth0}; never null
     * @param hardwareAddress the MAC address; null when the guest does not report one
     * @param ipAddresses its addresses; never null (empty when none)
     * @param statistics its counters; null when the agent is older than 2.11 or cannot read them
     */
    public GuestNetworkInterface {
        ipAddresses = ipAddresses == null ? List.of() : List.copyOf(ipAddresses);
    }
}
