package dev.qmpkit.qmp.agent;

/**
 * What {@code guest-get-osinfo} reports. On Linux, the kernel fields come from {@code uname}
 * and the others from {@code os-release}; any of them is null when the guest does not say.
 *
 * @param kernelRelease e.g. {@code 6.1.0-28-cloud-amd64}
 * @param kernelVersion e.g. {@code #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1}
 * @param machine e.g. {@code x86_64}
 * @param id e.g. {@code debian}
 * @param name e.g. {@code Debian GNU/Linux}
 * @param prettyName e.g. {@code Debian GNU/Linux 12 (bookworm)}
 * @param version e.g. {@code 12 (bookworm)}
 * @param versionId e.g. {@code 12}
 * @param variant the variant, if any
 * @param variantId the variant's id, if any
 */
public record GuestOsInfo(String kernelRelease, String kernelVersion, String machine, String id, String name,
                          String prettyName, String version, String versionId, String variant, String variantId) {
}
