package dev.qmpkit.qmp.agent;

/**
 * One address of a guest network interface.
 *
 * @param ipAddress e.g. {@code 10.0.2.15} or {@code fe80::1}; never null
 * @param ipAddressType {@code ipv4} or {@code ipv6}; never null
 * @param prefix the network prefix length
 */
public record GuestIpAddress(String ipAddress, String ipAddressType, int prefix) {
}
