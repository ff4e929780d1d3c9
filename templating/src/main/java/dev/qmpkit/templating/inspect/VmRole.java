package dev.qmpkit.templating.inspect;

/** What a VM is checked for: becoming a template, or running as a clone of one. */
public enum VmRole {
    /** A VM whose RAM and device state will be saved and cloned from. */
    TEMPLATE,
    /** A VM restored from a template's RAM file and device state. */
    CLONE
}
