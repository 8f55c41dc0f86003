package dev.jobwatch.job;

import java.util.regex.Pattern;

/**
 * A job's name: BullMQ's queue and Windmill's workspace are the same namespace.
 */
public record JobRef(String namespace, String id) {

    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9._-]{3,100}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public JobRef {
        checkNamespace(namespace);
        checkId(id);
    }

    public static void checkNamespace(String namespace) {
        if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
            throw new InvalidInputException(
                    "Invalid namespace: it must be 3 to 100 characters of A-Z, a-z, 0-9, '.', '_' or '-'");
        }
    }

    public static void checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new InvalidInputException(
                    "Invalid job id: it must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'");
        }
    }
}
