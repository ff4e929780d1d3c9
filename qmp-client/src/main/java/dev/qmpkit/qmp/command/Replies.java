package dev.qmpkit.qmp.command;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.TypeFactory;
import dev.qmpkit.qmp.QmpProtocolException;

/**
 * Converts a command's {@code return} value to the records of this package. QAPI names are
 * kebab-case ({@code total-time}), so the mapper maps them to Java's camel case; fields a
 * newer QEMU adds are ignored and fields an older one lacks stay null.
 */
final class Replies {

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    static final JavaType VOID = type(Void.class);
    static final JavaType JSON = type(JsonNode.class);

    private Replies() {
    }

    static JavaType type(Class<?> c) {
        return TypeFactory.defaultInstance().constructType(c);
    }

    static JavaType listOf(Class<?> c) {
        return TypeFactory.defaultInstance().constructCollectionType(java.util.List.class, c);
    }

    @SuppressWarnings("unchecked")
    static <T> T convert(String command, JsonNode value, JavaType type) {
        if (type.getRawClass() == Void.class) {
            return null;
        }
        if (type.getRawClass() == JsonNode.class) {
            return (T) value;
        }
        try {
            return MAPPER.convertValue(value, type);
        } catch (IllegalArgumentException e) {
            String text = String.valueOf(value);
            throw new QmpProtocolException("the reply of '" + command + "' does not read as "
                    + type.getGenericSignature() + ": " + e.getMessage() + "; reply: "
                    + (text.length() > 500 ? text.substring(0, 500) + "..." : text), e);
        }
    }
}
