package dev.jobwatch.web;

import dev.jobwatch.job.InvalidInputException;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** Checks on the fields of a JSON object body, with messages that say what to send instead. */
final class BodyFields {

    private BodyFields() {}

    /** An object holding no field but {@code fields}: a typo is refused rather than dropped without a word. */
    static void requireObject(JsonNode body, String what, Set<String> fields) {
        if (!body.isObject()) {
            throw new InvalidInputException(what + " must be a JSON object");
        }
        for (String name : body.propertyNames()) {
            if (!fields.contains(name)) {
                throw new InvalidInputException(what + " has an unknown field \"" + name + "\"; it takes "
                        + String.join(" and ", fields.stream().sorted().toList()));
            }
        }
    }

    /** The field's string, or null when it is absent or null. */
    static String optionalString(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw new InvalidInputException("\"" + field + "\" must be a string");
        }
        return value.stringValue();
    }
}
