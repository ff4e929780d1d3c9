package dev.qmpkit.qmp.command;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * The reply of {@code query-status}.
 *
 * @param running whether the vCPUs run
 * @param status the run state; never null ({@link RunState#UNKNOWN} for a state this SDK does not know)
 * @param statusName QEMU's own name of the state, e.g. {@code prelaunch}; never null
 */
public record StatusInfo(boolean running, RunState status, String statusName) {

    /**
     * Validates.
     *
     * @param running whether the vCPUs run
     * @param status the run state; never null ({@link RunState#UNKNOWN} for a state this SDK does not know)
     * @param statusName QEMU's own name of the state, e.g. {@code prelaunch}; never null
     */
    public StatusInfo {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(statusName, "statusName");
    }

    @JsonCreator
    static StatusInfo fromJson(@JsonProperty("running") boolean running, @JsonProperty("status") String status) {
        String name = status == null ? "unknown" : status;
        return new StatusInfo(running, RunState.fromQapi(status), name);
    }
}
