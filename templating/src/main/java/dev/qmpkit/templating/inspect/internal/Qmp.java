package dev.qmpkit.templating.inspect.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpCommandException;
import java.util.concurrent.CompletableFuture;

/** Small blocking helpers shared by the probes. */
final class Qmp {
    private Qmp() {
    }

    /** @return the value, or null when QEMU answered with an error (e.g. a property this version lacks) */
    static <T> T awaitOrNull(CompletableFuture<T> future) {
        try {
            return Futures.await(future);
        } catch (QmpCommandException e) {
            return null;
        }
    }

    static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node.asText();
    }

    static Boolean bool(JsonNode node) {
        return node == null || !node.isBoolean() ? null : node.asBoolean();
    }

    /** @return the type name inside {@code child<...>} or {@code link<...>}, else the input */
    static String innerType(String qomType) {
        int lt = qomType.indexOf('<');
        return lt >= 0 && qomType.endsWith(">") ? qomType.substring(lt + 1, qomType.length() - 1) : qomType;
    }
}
