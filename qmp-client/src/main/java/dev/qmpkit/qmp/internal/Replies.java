package dev.qmpkit.qmp.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.TypeFactory;
import dev.qmpkit.qmp.QmpProtocolException;
import java.util.List;

/**
 * The one reply-conversion policy: how a command's {@code return} value becomes a Java value,
 * for the typed commands, {@code QmpClient.execute(command, arguments, type)} and the guest
 * agent's replies alike.
 * QAPI names are kebab-case ({@code total-time}), so they map to Java's camel case; fields a
 * newer QEMU adds are ignored and fields an older one lacks stay null. A reply that does not
 * fit is the peer's fault, so it is a {@link QmpProtocolException} naming the command, the
 * target type and the reply.
 */
public final class Replies {

    /** Configured once here and never handed out, so nobody can change the policy. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    /** Replies without a value ({@code {}}): converts to null. */
    public static final JavaType VOID = type(Void.class);

    /** The reply as it came: no conversion. */
    public static final JavaType JSON = type(JsonNode.class);

    private Replies() {
    }

    /**
     * @param c a reply type; never null
     * @return its Jackson type
     */
    public static JavaType type(Class<?> c) {
        return TypeFactory.defaultInstance().constructType(c);
    }

    /**
     * @param c an element type; never null
     * @return the type of a list of it
     */
    public static JavaType listOf(Class<?> c) {
        return TypeFactory.defaultInstance().constructCollectionType(List.class, c);
    }

    /**
     * Converts a reply.
     *
     * @param command the command that was answered, for the error message; never null
     * @param value the {@code return} value; never null
     * @param type the target type; never null ({@link #VOID} gives null, a {@link JsonNode}
     *             type gives the value itself when it is of that kind)
     * @param <T> the target type
     * @return the converted value
     * @throws QmpProtocolException when the value does not read as {@code type}
     */
    @SuppressWarnings("unchecked")
    public static <T> T convert(String command, JsonNode value, JavaType type) {
        Class<?> raw = type.getRawClass();
        if (raw == Void.class) {
            return null;
        }
        if (raw.isInstance(value)) {
            return (T) value;
        }
        try {
            return MAPPER.convertValue(value, type);
        } catch (IllegalArgumentException e) {
            String text = String.valueOf(value);
            throw new QmpProtocolException("the reply to '" + command + "' does not read as "
                    + type.toCanonical() + ": " + QmpMessages.firstLine(e.getMessage()) + "; reply: "
                    + (text.length() > 500 ? text.substring(0, 500) + "..." : text), e);
        }
    }
}
